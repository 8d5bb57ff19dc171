/* spill: a sequential pass reading one i64 per 512 bytes of a block (pool 0)
 * meant to be larger than the resident budget, so that on the TVM host path
 * with a budget every pass evicts and faults pages back; other variants just
 * run it. */
#include "wl.h"

#define STEP 512

static wl_blk data;
static wl_off probes;

WL_EXPORT(bench_setup) int64_t bench_setup(int64_t bytes, int64_t seed) {
    if (bytes < STEP) {
        return WL_E_ARGUMENT;
    }
    probes = (wl_off)((uint64_t)bytes / STEP);
    int64_t st = wl_reserve(0, (uint64_t)probes * STEP);
    if (st < 0) {
        return st;
    }
    data = wl_alloc(0, (uint64_t)probes * STEP);
    if (data == 0) {
        return WL_E_ALLOC;
    }
    uint64_t s = wl_seed_of(seed);
    for (wl_off i = 0; i < probes; i++) {
        WL_ST64(0, data, i * STEP, wl_next(&s) >> 8);
    }
    return (int64_t)probes * STEP;
}

WL_EXPORT(bench_run) int64_t bench_run(void) {
    if (data == 0) {
        return WL_E_STATE;
    }
    uint64_t sum = 0;
    for (wl_off i = 0; i < probes; i++) {
        sum = sum * 31 + (uint64_t)WL_LD64(0, data, i * STEP);
    }
    return WL_CHECKSUM(sum);
}
