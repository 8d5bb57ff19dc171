/*
 * guest_mix.h - the deterministic numbers shared by memfill.c, kvstore.c and cowimage.cpp, so a
 * host test can regenerate every value a guest writes (tvm-chicory's guests13 tests do, in Java).
 *
 *   guest_mix64(x)       the splitmix64 finalizer (Steele, Lea, Flood 2014, "Fast splittable
 *                        pseudorandom number generators"): a bijection on 64-bit words
 *   guest_word(i)        word i of a splitmix64 stream seeded with 0: guest_mix64((i + 1) * GOLDEN)
 *   guest_fold(c, w)     one step of a 64-bit FNV-1a-style checksum over words: (c ^ w) * FNV_PRIME,
 *                        started from GUEST_FOLD_START; order-sensitive
 *
 * Compiles as C11 and as C++ (where the functions are constexpr, for cowimage.cpp's image).
 */
#ifndef GUEST_MIX_H
#define GUEST_MIX_H

#ifdef __cplusplus
#define GUEST_FN static constexpr inline
typedef unsigned long long guest_u64;
#else
#include <stdint.h>
#define GUEST_FN static inline
typedef uint64_t guest_u64;
#endif

#define GUEST_GOLDEN 0x9E3779B97F4A7C15ULL
#define GUEST_FOLD_START 0xCBF29CE484222325ULL /* FNV-1a 64-bit offset basis */
#define GUEST_FOLD_PRIME 0x00000100000001B3ULL /* FNV-1a 64-bit prime */

GUEST_FN guest_u64 guest_mix64(guest_u64 z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

GUEST_FN guest_u64 guest_word(guest_u64 index) {
    return guest_mix64((index + 1) * GUEST_GOLDEN);
}

GUEST_FN guest_u64 guest_fold(guest_u64 checksum, guest_u64 word) {
    return (checksum ^ word) * GUEST_FOLD_PRIME;
}

#endif
