/* spill: a sequential pass reading one i64 per 512 bytes of a working set
 * meant to be larger than the resident budget, so that on the TVM host path
 * with a budget every pass evicts and faults pages back; other variants just
 * run it. The working set is CHUNK-sized blocks (pool 0; one tvm.alloc_batch
 * on the host path), since a single allocation must fit in the resident
 * budget while it is created. */
#include "wl.h"

#define STEP 512
#define CHUNK (1u << 20)
#define MAX_CHUNKS 4096

static wl_blk chunks[MAX_CHUNKS];
static int32_t count;
static wl_off chunk_bytes;

WL_EXPORT(bench_setup) int64_t bench_setup(int64_t bytes, int64_t seed) {
    if (bytes < STEP) {
        return WL_E_ARGUMENT;
    }
    chunk_bytes = (uint64_t)bytes < CHUNK ? (wl_off)bytes / STEP * STEP : CHUNK;
    uint64_t c = (uint64_t)bytes / chunk_bytes;
    if (c > MAX_CHUNKS) {
        return WL_E_ARGUMENT;
    }
    int64_t st = wl_reserve(0, c * chunk_bytes);
    if (st < 0) {
        return st;
    }
    if (wl_alloc_n(0, chunk_bytes, (int32_t)c, chunks) < 0) {
        return WL_E_ALLOC;
    }
    count = (int32_t)c;
    uint64_t s = wl_seed_of(seed);
    for (int32_t k = 0; k < count; k++) {
        for (wl_off i = 0; i < chunk_bytes; i += STEP) {
            WL_ST64(0, chunks[k], i, wl_next(&s) >> 8);
        }
    }
    return (int64_t)c * (int64_t)chunk_bytes;
}

WL_EXPORT(bench_run) int64_t bench_run(void) {
    if (count == 0) {
        return WL_E_STATE;
    }
    uint64_t sum = 0;
    for (int32_t k = 0; k < count; k++) {
        wl_blk b = chunks[k];
        for (wl_off i = 0; i < chunk_bytes; i += STEP) {
            sum = sum * 31 + (uint64_t)WL_LD64(0, b, i);
        }
    }
    return WL_CHECKSUM(sum);
}
