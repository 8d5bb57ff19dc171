/* growth: every pass allocates blocks (bytes/16 each, clamped to 1 KiB..1 MiB)
 * until the working set is reached, writes every i64 of every block, reads one
 * word of each back, then frees them all. On the host path the blocks come from
 * one tvm.alloc_batch call. */
#include "wl.h"

#define MAX_BLOCKS 4096

static wl_blk blocks[MAX_BLOCKS];
static uint64_t block_bytes;
static int32_t count;
static uint64_t salt;

WL_EXPORT(bench_setup) int64_t bench_setup(int64_t bytes, int64_t seed) {
    if (bytes < 1024) {
        return WL_E_ARGUMENT;
    }
    uint64_t b = (uint64_t)bytes / 16;
    b = b < 1024 ? 1024 : b > (1u << 20) ? (1u << 20) : b;
    block_bytes = b & ~(uint64_t)7;
    uint64_t c = (uint64_t)bytes / block_bytes;
    if (c > MAX_BLOCKS) {
        return WL_E_ARGUMENT;
    }
    count = (int32_t)c;
    int64_t st = wl_reserve(0, c * block_bytes);
    if (st < 0) {
        return st;
    }
    uint64_t s = wl_seed_of(seed);
    salt = wl_next(&s);
    return (int64_t)(c * block_bytes);
}

WL_EXPORT(bench_run) int64_t bench_run(void) {
    if (count == 0) {
        return WL_E_STATE;
    }
    if (wl_alloc_n(0, block_bytes, count, blocks) < 0) {
        return WL_E_ALLOC;
    }
    wl_off words = (wl_off)(block_bytes / 8);
    uint64_t v = salt;
    for (int32_t k = 0; k < count; k++) {
        wl_blk b = blocks[k];
        for (wl_off w = 0; w < words; w++) {
            WL_ST64(0, b, w * 8, v);
            v += 0x9E3779B97F4A7C15ull;
        }
    }
    uint64_t sum = 0;
    for (int32_t k = 0; k < count; k++) {
        sum = sum * 31 + (uint64_t)WL_LD64(0, blocks[k], ((wl_off)k % words) * 8);
    }
    for (int32_t k = 0; k < count; k++) {
        wl_free(blocks[k]);
    }
    return WL_CHECKSUM(sum ^ (uint64_t)count);
}
