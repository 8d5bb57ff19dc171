/* large-ws: probe one i64 in every 4 KiB page of a large block (pool 0), pages
 * visited in a scattered order (page * odd stride mod pages, pages a power of
 * two), the probed word moving inside the page so probes spread over sets. */
#include "wl.h"

#define PAGE 4096u
#define STRIDE 0x9E3779B1u /* odd: a permutation of any power of two */

static wl_blk data;
static uint64_t pages;

static wl_off probe(uint64_t page) { return (wl_off)(page * PAGE + (page & 511) * 8); }

WL_EXPORT(bench_setup) int64_t bench_setup(int64_t bytes, int64_t seed) {
    if (bytes < (int64_t)PAGE) {
        return WL_E_ARGUMENT;
    }
    pages = 1;
    while (pages * 2 <= (uint64_t)bytes / PAGE) {
        pages *= 2;
    }
    int64_t st = wl_reserve(0, pages * PAGE);
    if (st < 0) {
        return st;
    }
    data = wl_alloc(0, pages * PAGE);
    if (data == 0) {
        return WL_E_ALLOC;
    }
    uint64_t s = wl_seed_of(seed);
    wl_view v = WL_VIEW(0, data, 0, pages * PAGE);
    for (uint64_t p = 0; p < pages; p++) {
        WL_VST64(0, v, probe(p), wl_next(&s) >> 8);
    }
    return (int64_t)(pages * PAGE);
}

WL_EXPORT(bench_run) int64_t bench_run(void) {
    if (data == 0) {
        return WL_E_STATE;
    }
    uint64_t sum = 0;
    uint64_t mask = pages - 1;
    wl_view v = WL_VIEW(0, data, 0, pages * PAGE);
    for (uint64_t i = 0; i < pages; i++) {
        sum = sum * 31 + (uint64_t)WL_VLD64(0, v, probe((i * STRIDE) & mask));
    }
    return WL_CHECKSUM(sum);
}
