/* multi-region: three separate i64 arrays - hot (1/16 of the bytes, pool 0),
 * warm (3/16, pool 1) and cold (12/16, pool 2) - read at random positions,
 * 90 % of the reads in hot, 9 % in warm, 1 % in cold; bytes/64 reads a pass,
 * from the same seed every pass. */
#include "wl.h"

static wl_blk hot, warm, cold;
static uint64_t hot_n, warm_n, cold_n, reads, run_seed;

static int64_t fill(int pool, wl_blk *b, uint64_t n, uint64_t *s) {
    *b = wl_alloc(pool, n * 8);
    if (*b == 0) {
        return WL_E_ALLOC;
    }
    for (wl_off i = 0; i < (wl_off)n; i++) {
        uint64_t v = wl_next(s) >> 8;
        if (pool == 0) {
            WL_ST64(0, *b, i * 8, v);
        } else if (pool == 1) {
            WL_ST64(1, *b, i * 8, v);
        } else {
            WL_ST64(2, *b, i * 8, v);
        }
    }
    return 0;
}

WL_EXPORT(bench_setup) int64_t bench_setup(int64_t bytes, int64_t seed) {
    if (bytes < 1024) {
        return WL_E_ARGUMENT;
    }
    uint64_t words = (uint64_t)bytes / 8;
    hot_n = words / 16;
    warm_n = words * 3 / 16;
    cold_n = words - hot_n - warm_n;
    reads = (uint64_t)bytes / 64;
    int64_t st;
    if ((st = wl_reserve(0, hot_n * 8)) < 0 || (st = wl_reserve(1, warm_n * 8)) < 0
        || (st = wl_reserve(2, cold_n * 8)) < 0) {
        return st;
    }
    uint64_t s = wl_seed_of(seed);
    if ((st = fill(0, &hot, hot_n, &s)) < 0 || (st = fill(1, &warm, warm_n, &s)) < 0
        || (st = fill(2, &cold, cold_n, &s)) < 0) {
        return st;
    }
    run_seed = wl_next(&s);
    return (int64_t)(words * 8);
}

WL_EXPORT(bench_run) int64_t bench_run(void) {
    if (hot == 0) {
        return WL_E_STATE;
    }
    uint64_t s = run_seed;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < reads; i++) {
        uint64_t r = wl_next(&s);
        uint64_t pick = ((r & 0xffff) * 100) >> 16; /* 0..99 */
        if (pick < 90) {
            sum += (uint64_t)WL_LD64(0, hot, (wl_off)wl_below(r, hot_n) * 8);
        } else if (pick < 99) {
            sum += (uint64_t)WL_LD64(1, warm, (wl_off)wl_below(r, warm_n) * 8);
        } else {
            sum += (uint64_t)WL_LD64(2, cold, (wl_off)wl_below(r, cold_n) * 8);
        }
    }
    return WL_CHECKSUM(sum);
}
