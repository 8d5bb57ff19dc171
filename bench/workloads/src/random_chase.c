/* random-chase: follow a random cyclic permutation of i32 indices (Sattolo's
 * algorithm, so one cycle through every entry) for one lap. */
#include "wl.h"

static wl_blk next;
static wl_off n;

WL_EXPORT(bench_setup) int64_t bench_setup(int64_t bytes, int64_t seed) {
    if (bytes < 64 || bytes / 4 > 0x7fffffff) {
        return WL_E_ARGUMENT;
    }
    n = (wl_off)(bytes / 4);
    int64_t st = wl_reserve(0, (uint64_t)n * 4);
    if (st < 0) {
        return st;
    }
    next = wl_alloc(0, (uint64_t)n * 4);
    if (next == 0) {
        return WL_E_ALLOC;
    }
    wl_view v = WL_VIEW(0, next, 0, (uint64_t)n * 4);
    for (wl_off i = 0; i < n; i++) {
        WL_VST32(0, v, i * 4, i);
    }
    uint64_t s = wl_seed_of(seed);
    for (wl_off i = n - 1; i > 0; i--) {
        wl_off j = (wl_off)wl_below(wl_next(&s), (uint64_t)i); /* j < i: Sattolo */
        int32_t a = WL_VLD32(0, v, i * 4);
        int32_t b = WL_VLD32(0, v, j * 4);
        WL_VST32(0, v, i * 4, b);
        WL_VST32(0, v, j * 4, a);
    }
    return (int64_t)n * 4;
}

WL_EXPORT(bench_run) int64_t bench_run(void) {
    if (next == 0) {
        return WL_E_STATE;
    }
    uint64_t sum = 0;
    wl_off at = 0;
    wl_view v = WL_VIEW(0, next, 0, (uint64_t)n * 4);
    for (wl_off i = 0; i < n; i++) {
        at = (wl_off)(uint32_t)WL_VLD32(0, v, at * 4);
        sum = sum * 31 + (uint64_t)at;
    }
    return WL_CHECKSUM(sum ^ (uint64_t)at);
}
