/* seq-sum: sum every i64 of one array (pool 0), in order. */
#include "wl.h"

static wl_blk data;
static wl_off words;

WL_EXPORT(bench_setup) int64_t bench_setup(int64_t bytes, int64_t seed) {
    if (bytes < 64) {
        return WL_E_ARGUMENT;
    }
    words = (wl_off)(bytes / 8);
    int64_t st = wl_reserve(0, (uint64_t)words * 8);
    if (st < 0) {
        return st;
    }
    data = wl_alloc(0, (uint64_t)words * 8);
    if (data == 0) {
        return WL_E_ALLOC;
    }
    uint64_t s = wl_seed_of(seed);
    wl_view v = WL_VIEW(0, data, 0, (uint64_t)words * 8);
    for (wl_off i = 0; i < words; i++) {
        WL_VST64(0, v, i * 8, wl_next(&s) >> 8);
    }
    return (int64_t)words * 8;
}

WL_EXPORT(bench_run) int64_t bench_run(void) {
    if (data == 0) {
        return WL_E_STATE;
    }
    uint64_t sum = 0;
    wl_view v = WL_VIEW(0, data, 0, (uint64_t)words * 8);
    for (wl_off i = 0; i < words; i++) {
        sum += (uint64_t)WL_VLD64(0, v, i * 8);
    }
    return WL_CHECKSUM(sum);
}
