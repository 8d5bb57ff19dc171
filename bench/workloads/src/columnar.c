/* columnar: three columns of `rows` entries - key i32 (pool 0), price f64
 * (pool 1), qty i64 (pool 2), 20 bytes a row; a pass filters key % 7 == 3 and
 * sums qty and price * qty over the matches. */
#include "wl.h"

static wl_blk key, price, qty;
static wl_off rows;

WL_EXPORT(bench_setup) int64_t bench_setup(int64_t bytes, int64_t seed) {
    if (bytes < 64 || bytes / 20 > 0x7fffffff) {
        return WL_E_ARGUMENT;
    }
    rows = (wl_off)(bytes / 20);
    int64_t st;
    if ((st = wl_reserve(0, (uint64_t)rows * 4)) < 0 || (st = wl_reserve(1, (uint64_t)rows * 8)) < 0
        || (st = wl_reserve(2, (uint64_t)rows * 8)) < 0) {
        return st;
    }
    key = wl_alloc(0, (uint64_t)rows * 4);
    price = wl_alloc(1, (uint64_t)rows * 8);
    qty = wl_alloc(2, (uint64_t)rows * 8);
    if (key == 0 || price == 0 || qty == 0) {
        return WL_E_ALLOC;
    }
    uint64_t s = wl_seed_of(seed);
    wl_view k = WL_VIEW(0, key, 0, (uint64_t)rows * 4);
    wl_view p = WL_VIEW(1, price, 0, (uint64_t)rows * 8);
    wl_view q = WL_VIEW(2, qty, 0, (uint64_t)rows * 8);
    for (wl_off i = 0; i < rows; i++) {
        WL_VST32(0, k, i * 4, (int32_t)wl_below(wl_next(&s), 1000));
        WL_VSTF64(1, p, i * 8, (double)(int64_t)wl_below(wl_next(&s), 100000) / 100.0);
        WL_VST64(2, q, i * 8, (int64_t)wl_below(wl_next(&s), 50) + 1);
    }
    return (int64_t)rows * 20;
}

WL_EXPORT(bench_run) int64_t bench_run(void) {
    if (key == 0) {
        return WL_E_STATE;
    }
    int64_t matches = 0;
    int64_t units = 0;
    double revenue = 0;
    wl_view kv = WL_VIEW(0, key, 0, (uint64_t)rows * 4);
    wl_view pv = WL_VIEW(1, price, 0, (uint64_t)rows * 8);
    wl_view qv = WL_VIEW(2, qty, 0, (uint64_t)rows * 8);
    for (wl_off i = 0; i < rows; i++) {
        int32_t k = WL_VLD32(0, kv, i * 4);
        if (k % 7 == 3) {
            int64_t q = WL_VLD64(2, qv, i * 8);
            matches++;
            units += q;
            revenue += WL_VLDF64(1, pv, i * 8) * (double)q;
        }
    }
    return WL_CHECKSUM(matches * 1000003 + units * 7919 + (int64_t)revenue);
}
