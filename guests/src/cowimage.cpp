/*
 * cowimage.cpp - a module whose memory 0 starts with an 8 MiB initialised image: the guest of
 * copy-on-write instantiation (Chicory's own instantiation copies every active data segment into
 * a fresh memory; a copy-on-write start maps the image instead and copies only written pages).
 *
 * The image is IMAGE_WORDS = 2^20 little-endian 64-bit words, word i = guest_word(i) |
 * 0x0101010101010101 (guest_mix.h), so every one of its 8 MiB is non-zero and the linker keeps
 * it all as active data. It is computed by the compiler (C++20 constexpr + constinit), so the
 * source stays small and the content is the same formula a host test evaluates. Bare module
 * (wasm32-unknown-unknown, no imports, MVP features only).
 *
 * Exports (offsets are byte offsets into the image, 0 <= offset <= IMAGE_BYTES - 4; an offset
 * outside that traps with `unreachable`):
 *   image_sum()                 ()->i64       guest_fold over the image's current words, in order,
 *                                             from GUEST_FOLD_START
 *   image_read(offset)          (i32)->i32    the little-endian i32 at offset
 *   image_write(offset, value)  (i32,i32)->nil
 *   image_base()                ()->i32       address of the image in memory 0
 *   image_size()                ()->i32       IMAGE_BYTES (8388608)
 */
#include "guest_mix.h"

#define EXPORT(name) extern "C" __attribute__((export_name(#name)))

namespace {

constexpr unsigned IMAGE_WORDS = 1u << 20;
constexpr unsigned IMAGE_BYTES = IMAGE_WORDS * 8u;
constexpr guest_u64 NONZERO_BYTES = 0x0101010101010101ULL;

struct Image {
    guest_u64 words[IMAGE_WORDS];
};

constexpr Image make_image() {
    Image image{};
    for (unsigned i = 0; i < IMAGE_WORDS; i++) {
        image.words[i] = guest_word(i) | NONZERO_BYTES;
    }
    return image;
}

// Mutable (image_write), initialised at compile time: an active data segment, not a constructor.
constinit Image image = make_image();

unsigned char *checked(int offset) {
    if (offset < 0 || static_cast<unsigned>(offset) > IMAGE_BYTES - 4u) {
        __builtin_trap();
    }
    return reinterpret_cast<unsigned char *>(image.words) + offset;
}

} // namespace

EXPORT(image_sum) long long image_sum() {
    guest_u64 c = GUEST_FOLD_START;
    for (unsigned i = 0; i < IMAGE_WORDS; i++) {
        c = guest_fold(c, image.words[i]);
    }
    return static_cast<long long>(c);
}

EXPORT(image_read) int image_read(int offset) {
    int value;
    __builtin_memcpy(&value, checked(offset), sizeof value);
    return value;
}

EXPORT(image_write) void image_write(int offset, int value) {
    __builtin_memcpy(checked(offset), &value, sizeof value);
}

EXPORT(image_base) int image_base() {
    return static_cast<int>(reinterpret_cast<__UINTPTR_TYPE__>(image.words));
}

EXPORT(image_size) int image_size() {
    return static_cast<int>(IMAGE_BYTES);
}
