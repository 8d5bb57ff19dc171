/*
 * wl.h - the one memory abstraction every benchmark workload is written
 * against, so that each workload class has a single C source and the memory
 * model is chosen at compile time (bench/workloads/build.sh).
 *
 * A workload sees "blocks" (wl_blk, 64 bits, 0 = null) in one of four static
 * pools (0..3), and reads and writes i32/i64/f64 at byte offsets inside them:
 *
 *   WL_PLAIN  a block is a pointer into memory 0; a tiny built-in allocator
 *             (bump + exact-size free lists, memory.grow, no libc). Compiled
 *             for wasm32 (-m32), wasm64 (-m64, memory64) and wasm32 with an
 *             imported memory 0 (-mm, memory 0 is a TVM region).
 *   WL_HOST   a block is a TVM handle; one region per pool (tvm.region_create,
 *             FREE_LIST, spillable); loads/stores are the raw `tvm` imports
 *             (tvm.h). Batches of equal blocks use tvm.alloc_batch, arenas
 *             use tvm.lease.
 *   WL_SHELL  a block is a shell handle; one FREE_LIST region per pool, in
 *             that pool's memory (tvm_shell.h); loads/stores use the
 *             per-pool helpers (static memory index) since the pool is a
 *             compile-time constant at every access. Linked with a 4-pool
 *             shell afterwards (./tvm link).
 *
 * Accesses name their pool as a literal (WL_LD64(0, b, off)); only WL_SHELL
 * uses it. Offsets must be naturally aligned for the access width.
 *
 * Views, for hot loops over one block: wl_view v = WL_VIEW(P, b, off, len), then
 * WL_VLD64(P, v, o) / WL_VST64(P, v, o, x) reach byte off + o of the block. PLAIN:
 * a pointer; HOST: the handle and offset (one host call per access, as before);
 * SHELL: a shell window (tvm_shell_window), whose per-pool accessors check two
 * bounds and are small enough for the engine to inline. One view per pool at a
 * time (a new SHELL window replaces the pool's previous one).
 *
 * Guest ABI (tvm-bench's dev.tvm.bench.matrix contract):
 *   bench_setup(i64 bytes, i64 seed) -> i64  bytes really used, or < 0
 *   bench_run() -> i64                       checksum >= 0, or < 0 on error
 */
#ifndef WL_H
#define WL_H

#include <stddef.h>
#include <stdint.h>

#define WL_EXPORT(name) __attribute__((export_name(#name)))
/* Checksums are non-negative so that errors (< 0) stay distinguishable. */
#define WL_CHECKSUM(x) ((int64_t)((uint64_t)(x)&0x3fffffffffffffffull))
#define WL_POOLS 4

#define WL_E_ARGUMENT (-1000) /* bench_setup: size too small or too large */
#define WL_E_ALLOC (-1001)    /* an allocation failed */
#define WL_E_STATE (-1002)    /* bench_run before a successful bench_setup */

typedef uint64_t wl_blk;

#define WL_CAT_(a, b) a##b
#define WL_CAT(a, b) WL_CAT_(a, b)

static inline double wl_f64(int64_t bits) {
    union { int64_t i; double d; } u;
    u.i = bits;
    return u.d;
}
static inline int64_t wl_bits(double d) {
    union { int64_t i; double d; } u;
    u.d = d;
    return u.i;
}

/* xorshift64, seeded as every Java twin seeds it (dev.tvm.bench.matrix.JavaWorkloads). */
static inline uint64_t wl_seed_of(int64_t seed) {
    uint64_t s = (uint64_t)seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    return s == 0 ? 1 : s;
}
static inline uint64_t wl_next(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}
/* A value in [0, n) from the high bits of r, without a division; n < 2^32. */
static inline uint64_t wl_below(uint64_t r, uint64_t n) { return ((r >> 32) * n) >> 32; }

#if defined(WL_PLAIN) + defined(WL_HOST) + defined(WL_SHELL) != 1
#error "define exactly one of WL_PLAIN, WL_HOST, WL_SHELL"
#endif

/* ====================================================================== PLAIN */
#if defined(WL_PLAIN)

typedef size_t wl_off; /* pointer-width offsets: plain i32 arithmetic on wasm32 */

#define WL_AT(T, b, off) (*(T *)((uintptr_t)(b) + (uintptr_t)(off)))
#define WL_LD32(P, b, off) WL_AT(int32_t, b, off)
#define WL_LD64(P, b, off) WL_AT(int64_t, b, off)
#define WL_LDF64(P, b, off) WL_AT(double, b, off)
#define WL_ST32(P, b, off, v) (WL_AT(int32_t, b, off) = (int32_t)(v))
#define WL_ST64(P, b, off, v) (WL_AT(int64_t, b, off) = (int64_t)(v))
#define WL_STF64(P, b, off, v) (WL_AT(double, b, off) = (double)(v))

typedef uintptr_t wl_view;
#define WL_VIEW(P, b, off, len) ((wl_view)((uintptr_t)(b) + (uintptr_t)(off)))
#define WL_VLD32(P, v, o) WL_AT(int32_t, v, o)
#define WL_VLD64(P, v, o) WL_AT(int64_t, v, o)
#define WL_VLDF64(P, v, o) WL_AT(double, v, o)
#define WL_VST32(P, v, o, x) (WL_AT(int32_t, v, o) = (int32_t)(x))
#define WL_VST64(P, v, o, x) (WL_AT(int64_t, v, o) = (int64_t)(x))
#define WL_VSTF64(P, v, o, x) (WL_AT(double, v, o) = (double)(x))

extern unsigned char __heap_base;

#define WL_CLASSES 16
static uintptr_t wl_top;                  /* bump pointer; 0 until the first allocation */
static uintptr_t wl_class_size[WL_CLASSES]; /* exact-size free lists, linked through word 0 */
static uintptr_t wl_class_head[WL_CLASSES];

static inline int64_t wl_reserve(int pool, uint64_t bytes) {
    (void)pool;
    (void)bytes;
    return 0;
}

/* Blocks carry a 16-byte header with their size; freed blocks are reused only by
 * requests of exactly the same size, which is all the workloads need. */
static inline wl_blk wl_alloc(int pool, uint64_t bytes) {
    (void)pool;
    if (bytes == 0 || bytes > (uint64_t)(SIZE_MAX / 2)) {
        return 0;
    }
    uintptr_t n = ((uintptr_t)bytes + 15) & ~(uintptr_t)15;
    for (int c = 0; c < WL_CLASSES; c++) {
        if (wl_class_size[c] == n && wl_class_head[c] != 0) {
            uintptr_t p = wl_class_head[c];
            wl_class_head[c] = *(uintptr_t *)p;
            return p;
        }
    }
    if (wl_top == 0) {
        wl_top = ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15;
    }
    uintptr_t p = wl_top + 16;
    uintptr_t end = p + n;
    if (end < p) {
        return 0;
    }
    uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * 65536u;
    if ((uint64_t)end > have) {
        uint64_t pages = ((uint64_t)end - have + 65535u) / 65536u;
        if (__builtin_wasm_memory_grow(0, (size_t)pages) == (size_t)-1) {
            return 0;
        }
    }
    *(uintptr_t *)(p - 16) = n;
    wl_top = end;
    return p;
}

static inline void wl_free(wl_blk b) {
    uintptr_t p = (uintptr_t)b;
    uintptr_t n = *(uintptr_t *)(p - 16);
    int empty = -1;
    for (int c = 0; c < WL_CLASSES; c++) {
        if (wl_class_size[c] == n) {
            *(uintptr_t *)p = wl_class_head[c];
            wl_class_head[c] = p;
            return;
        }
        if (empty < 0 && wl_class_size[c] == 0) {
            empty = c;
        }
    }
    if (empty >= 0) { /* else the block leaks: more sizes than classes */
        wl_class_size[empty] = n;
        *(uintptr_t *)p = 0;
        wl_class_head[empty] = p;
    }
}

static inline wl_blk wl_arena(int pool, uint64_t bytes) { return wl_alloc(pool, bytes); }

/* ======================================================================= HOST */
#elif defined(WL_HOST)

#include "tvm.h"

typedef uint64_t wl_off;

#define WL_LD32(P, b, off) tvm_load_i32((b), (int64_t)(off))
#define WL_LD64(P, b, off) tvm_load_i64((b), (int64_t)(off))
#define WL_LDF64(P, b, off) tvm_load_f64((b), (int64_t)(off))
#define WL_ST32(P, b, off, v) tvm_store_i32((b), (int64_t)(off), (int32_t)(v))
#define WL_ST64(P, b, off, v) tvm_store_i64((b), (int64_t)(off), (int64_t)(v))
#define WL_STF64(P, b, off, v) tvm_store_f64((b), (int64_t)(off), (double)(v))

typedef struct {
    wl_blk b;
    wl_off off;
} wl_view;
static inline wl_view wl_view_of(wl_blk b, wl_off off) {
    wl_view v = {b, off};
    return v;
}
#define WL_VIEW(P, b, off, len) wl_view_of((b), (wl_off)(off))
#define WL_VLD32(P, v, o) WL_LD32(P, (v).b, (v).off + (o))
#define WL_VLD64(P, v, o) WL_LD64(P, (v).b, (v).off + (o))
#define WL_VLDF64(P, v, o) WL_LDF64(P, (v).b, (v).off + (o))
#define WL_VST32(P, v, o, x) WL_ST32(P, (v).b, (v).off + (o), x)
#define WL_VST64(P, v, o, x) WL_ST64(P, (v).b, (v).off + (o), x)
#define WL_VSTF64(P, v, o, x) WL_STF64(P, (v).b, (v).off + (o), x)

static tvm_region_t wl_regions[WL_POOLS];

/* One FREE_LIST region per pool, 4 GiB of address space (committed as touched),
 * spillable so that a host with a resident budget can page it out. */
static inline int64_t wl_reserve(int pool, uint64_t bytes) {
    (void)bytes;
    if (wl_regions[pool] == 0) {
        tvm_region_t r = tvm_region_create(TVM_KIND_HOT_HEAP, TVM_CAPACITY_DEFAULT,
                                           TVM_ALLOCATOR_FREE_LIST | TVM_FLAG_SPILLABLE);
        if (r < 0) {
            return r;
        }
        wl_regions[pool] = r;
    }
    return 0;
}

static inline wl_blk wl_alloc(int pool, uint64_t bytes) { return tvm_alloc(wl_regions[pool], (int64_t)bytes); }
static inline void wl_free(wl_blk b) { tvm_free(b); }
/* An arena the workload sub-allocates by offsets: a lease, one host call. */
static inline wl_blk wl_arena(int pool, uint64_t bytes) { return tvm_lease(wl_regions[pool], (int64_t)bytes); }

/* ====================================================================== SHELL */
#elif defined(WL_SHELL)

#include "tvm_shell.h"

TVM_SHELL_POOL(0)
TVM_SHELL_POOL(1)
TVM_SHELL_POOL(2)
TVM_SHELL_POOL(3)

typedef uint64_t wl_off;

#define WL_LD32(P, b, off) WL_CAT(tvm_shell_load_i32_p, P)((b), (uint64_t)(off))
#define WL_LD64(P, b, off) WL_CAT(tvm_shell_load_i64_p, P)((b), (uint64_t)(off))
#define WL_LDF64(P, b, off) wl_f64(WL_CAT(tvm_shell_load_i64_p, P)((b), (uint64_t)(off)))
#define WL_ST32(P, b, off, v) WL_CAT(tvm_shell_store_i32_p, P)((b), (uint64_t)(off), (int32_t)(v))
#define WL_ST64(P, b, off, v) WL_CAT(tvm_shell_store_i64_p, P)((b), (uint64_t)(off), (int64_t)(v))
#define WL_STF64(P, b, off, v) WL_CAT(tvm_shell_store_i64_p, P)((b), (uint64_t)(off), wl_bits((double)(v)))

/* A failed window (< 0) becomes an address past any window: every access traps. */
typedef uint32_t wl_view;
#define WL_VIEW(P, b, off, len) ((wl_view)tvm_shell_window((b), (uint64_t)(off), (uint64_t)(len)))
#define WL_VLD32(P, v, o) WL_CAT(tvm_shell_wload_i32_p, P)((v) + (uint32_t)(o))
#define WL_VLD64(P, v, o) WL_CAT(tvm_shell_wload_i64_p, P)((v) + (uint32_t)(o))
#define WL_VLDF64(P, v, o) WL_CAT(tvm_shell_wload_f64_p, P)((v) + (uint32_t)(o))
#define WL_VST32(P, v, o, x) WL_CAT(tvm_shell_wstore_i32_p, P)((v) + (uint32_t)(o), (int32_t)(x))
#define WL_VST64(P, v, o, x) WL_CAT(tvm_shell_wstore_i64_p, P)((v) + (uint32_t)(o), (int64_t)(x))
#define WL_VSTF64(P, v, o, x) WL_CAT(tvm_shell_wstore_f64_p, P)((v) + (uint32_t)(o), (double)(x))

static tvm_region_t wl_regions[WL_POOLS];

/* The shell reserves a region's bytes in its pool up front (memory.grow), so the
 * capacity is what the workload will hold at most, plus slack for rounding. */
static inline int64_t wl_reserve(int pool, uint64_t bytes) {
    if (wl_regions[pool] == 0) {
        uint64_t capacity = bytes + bytes / 64 + 65536;
        if (capacity > 0x7fff0000ull) {
            return WL_E_ARGUMENT;
        }
        tvm_region_t r = tvm_shell_region_create(pool, TVM_SHELL_FREE_LIST, (uint32_t)capacity);
        if (r < 0) {
            return r;
        }
        wl_regions[pool] = r;
    }
    return 0;
}

static inline wl_blk wl_alloc(int pool, uint64_t bytes) { return tvm_shell_alloc(wl_regions[pool], bytes); }
static inline void wl_free(wl_blk b) { tvm_shell_free(b); }
static inline wl_blk wl_arena(int pool, uint64_t bytes) { return wl_alloc(pool, bytes); }

#endif

/* count blocks of `size` bytes into out[]; 0, or WL_E_ALLOC (nothing allocated). */
static inline int64_t wl_alloc_n(int pool, uint64_t size, int32_t count, wl_blk *out) {
#if defined(WL_HOST)
    tvm_status_t st = tvm_alloc_batch(wl_regions[pool], (int64_t)size, count, out);
    return st == count ? 0 : WL_E_ALLOC;
#else
    for (int32_t i = 0; i < count; i++) {
        out[i] = wl_alloc(pool, size);
        if (out[i] == 0) {
            while (i-- > 0) {
                wl_free(out[i]);
            }
            return WL_E_ALLOC;
        }
    }
    return 0;
#endif
}

#endif /* WL_H */
