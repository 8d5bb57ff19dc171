/* gen-alloc-scan: a JVM-style generational heap. Objects are 32 bytes
 * [id i64, payload i64, ref i64, age i64]. A pass runs CYCLES nursery cycles:
 * take a nursery arena (bytes/8, pool 0; a lease on the host path), bump-
 * allocate it full of new objects, promote the survivors (payload % 8 == 0,
 * about 1 in 8) by copying them into the old generation (bytes/2, pool 1, a
 * ring), and drop the nursery. Then it scans the whole old generation. The
 * nursery contents come from the same seed every pass; the old generation
 * changes from pass to pass, the same way in every variant. */
#include "wl.h"

#define OBJ 32
#define CYCLES 4

static wl_blk old;
static uint64_t old_n, nursery_n, cursor, run_seed;

WL_EXPORT(bench_setup) int64_t bench_setup(int64_t bytes, int64_t seed) {
    if (bytes < 4096) {
        return WL_E_ARGUMENT;
    }
    old_n = (uint64_t)bytes / 2 / OBJ;
    nursery_n = (uint64_t)bytes / 8 / OBJ;
    int64_t st;
    if ((st = wl_reserve(0, nursery_n * OBJ)) < 0 || (st = wl_reserve(1, old_n * OBJ)) < 0) {
        return st;
    }
    old = wl_alloc(1, old_n * OBJ);
    if (old == 0) {
        return WL_E_ALLOC;
    }
    uint64_t s = wl_seed_of(seed);
    for (wl_off i = 0; i < (wl_off)old_n; i++) {
        WL_ST64(1, old, i * OBJ, i);
        WL_ST64(1, old, i * OBJ + 8, wl_next(&s) >> 8);
        WL_ST64(1, old, i * OBJ + 16, 0);
        WL_ST64(1, old, i * OBJ + 24, 1);
    }
    cursor = 0;
    run_seed = wl_next(&s);
    return (int64_t)((old_n + nursery_n) * OBJ);
}

WL_EXPORT(bench_run) int64_t bench_run(void) {
    if (old == 0) {
        return WL_E_STATE;
    }
    uint64_t s = run_seed;
    uint64_t id = 0;
    for (int c = 0; c < CYCLES; c++) {
        wl_blk nursery = wl_arena(0, nursery_n * OBJ);
        if (nursery == 0) {
            return WL_E_ALLOC;
        }
        wl_off top = 0; /* bump allocation inside the nursery */
        for (uint64_t i = 0; i < nursery_n; i++, top += OBJ) {
            WL_ST64(0, nursery, top, id++);
            WL_ST64(0, nursery, top + 8, wl_next(&s) >> 8);
            WL_ST64(0, nursery, top + 16, i == 0 ? 0 : (uint64_t)top - OBJ);
            WL_ST64(0, nursery, top + 24, 0);
        }
        for (wl_off at = 0; at < top; at += OBJ) { /* minor collection */
            int64_t payload = WL_LD64(0, nursery, at + 8);
            if ((payload & 7) == 0) {
                wl_off to = (wl_off)cursor * OBJ;
                WL_ST64(1, old, to, WL_LD64(0, nursery, at));
                WL_ST64(1, old, to + 8, payload);
                WL_ST64(1, old, to + 16, WL_LD64(0, nursery, at + 16));
                WL_ST64(1, old, to + 24, WL_LD64(0, nursery, at + 24) + 1);
                cursor = cursor + 1 == old_n ? 0 : cursor + 1;
            }
        }
        wl_free(nursery);
    }
    uint64_t sum = 0;
    for (wl_off i = 0; i < (wl_off)old_n; i++) { /* full scan of the old generation */
        sum = sum * 31 + (uint64_t)WL_LD64(1, old, i * OBJ + 8) + (uint64_t)WL_LD64(1, old, i * OBJ + 24);
    }
    return WL_CHECKSUM(sum ^ cursor);
}
