/* list-walk: a singly linked list of 16-byte nodes [next i64, value i64],
 * bump-allocated in one arena (pool 0; a lease on the host path) and linked in
 * a shuffled order, so that list order and address order are unrelated. Links
 * are offsets inside the arena; END terminates. */
#include "wl.h"

#define END ((uint64_t)-1)

static wl_blk heap;
static wl_off head;

WL_EXPORT(bench_setup) int64_t bench_setup(int64_t bytes, int64_t seed) {
    if (bytes < 64 || bytes / 16 > 0x7fffffff) {
        return WL_E_ARGUMENT;
    }
    wl_off n = (wl_off)(bytes / 16);
    int64_t st = wl_reserve(0, (uint64_t)n * 16);
    if (st < 0 || (st = wl_reserve(1, (uint64_t)n * 4)) < 0) {
        return st;
    }
    heap = wl_arena(0, (uint64_t)n * 16);
    wl_blk order = wl_alloc(1, (uint64_t)n * 4); /* list position -> node index */
    if (heap == 0 || order == 0) {
        return WL_E_ALLOC;
    }
    uint64_t s = wl_seed_of(seed);
    for (wl_off i = 0; i < n; i++) {
        WL_ST64(0, heap, i * 16 + 8, wl_next(&s) >> 16);
        WL_ST32(1, order, i * 4, i);
    }
    for (wl_off i = n - 1; i > 0; i--) { /* Fisher-Yates */
        wl_off j = (wl_off)wl_below(wl_next(&s), (uint64_t)i + 1);
        int32_t a = WL_LD32(1, order, i * 4);
        int32_t b = WL_LD32(1, order, j * 4);
        WL_ST32(1, order, i * 4, b);
        WL_ST32(1, order, j * 4, a);
    }
    for (wl_off i = 0; i < n; i++) {
        wl_off node = (wl_off)(uint32_t)WL_LD32(1, order, i * 4);
        uint64_t link = i + 1 < n ? (uint64_t)(uint32_t)WL_LD32(1, order, (i + 1) * 4) * 16 : END;
        WL_ST64(0, heap, node * 16, link);
    }
    head = (wl_off)(uint32_t)WL_LD32(1, order, 0) * 16;
    wl_free(order);
    return (int64_t)n * 16;
}

WL_EXPORT(bench_run) int64_t bench_run(void) {
    if (heap == 0) {
        return WL_E_STATE;
    }
    uint64_t weighted = 0;
    uint64_t count = 0;
    for (uint64_t at = head; at != END; at = (uint64_t)WL_LD64(0, heap, (wl_off)at)) {
        weighted = weighted * 31 + (uint64_t)WL_LD64(0, heap, (wl_off)at + 8);
        count++;
    }
    return WL_CHECKSUM(weighted ^ count);
}
