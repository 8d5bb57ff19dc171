/*
 * tvm_shell.h - C declarations of the guest-side TVM shell, the `tvm_shell`
 * import module.
 *
 * A guest written against this header is compiled as usual (clang, wasm32)
 * and then merged with a generated shell by `./tvm link --pools N guest.wasm
 * -o out.wasm`: every `tvm_shell.<name>` import becomes a direct call into the
 * shell, and the result is one module with N pool memories of up to 4 GiB each
 * and no host imports, which runs in any engine with multi-memory (Chicory,
 * Node 22+, Chromium). The contract is docs/guest-shell.md ("Exports").
 *
 * Types, handles and error codes are tvm.h's (the shell uses tvm-core's
 * semantics and HandleCodec's handle layout):
 *   tvm_region_t  i32  region reference (id << 12 | generation), > 0; a
 *                      negative value from tvm_shell_region_create is an error.
 *   tvm_handle_t  i64  allocation handle, 0 is null (test against 0).
 *   tvm_status_t  i32  0, or a negative enum tvm_error.
 *   offsets, lengths   uint64_t (i64): inside the allocation, checked unsigned.
 *   pointers      i32  address in the guest's own memory 0 (copy_in/copy_out).
 *
 * Failure reporting: status functions return a negative code, alloc returns
 * 0, size_of/resolve/region_stat/metrics return a negative code; loads and
 * stores TRAP (they have no spare result). Every failure also sets
 * tvm_shell_last_error() and counts in tvm_shell_metrics(0).
 *
 * Including tvm.h only declares the host ABI's imports; functions a guest
 * does not call are never imported, so a shell guest has no `tvm` imports.
 */
#ifndef TVM_SHELL_H
#define TVM_SHELL_H

#include "tvm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TVM_SHELL_IMPORT(name) __attribute__((import_module("tvm_shell"), import_name(#name)))

/* Allocators of tvm_shell_region_create (the shell has these two). */
#define TVM_SHELL_BUMP 1
#define TVM_SHELL_FREE_LIST 2

/* Fields of tvm_shell_region_stat. */
enum tvm_shell_stat {
    TVM_SHELL_STAT_POOL = 0,
    TVM_SHELL_STAT_ALLOCATOR = 1,
    TVM_SHELL_STAT_CAPACITY = 2,
    TVM_SHELL_STAT_LIVE_ALLOCATIONS = 3,
    TVM_SHELL_STAT_LIVE_BYTES = 4,
    TVM_SHELL_STAT_USED_BYTES = 5,
    TVM_SHELL_STAT_ALLOCATIONS = 6,
    TVM_SHELL_STAT_FREES = 7,
    TVM_SHELL_STAT_BASE = 8
};

/* Fields of tvm_shell_metrics. */
enum tvm_shell_metric {
    TVM_SHELL_METRIC_FAILURES = 0,
    TVM_SHELL_METRIC_REGIONS = 1,
    TVM_SHELL_METRIC_POOLS = 2
};

/* Regions ------------------------------------------------------------------ */

/* A region of `capacity` bytes (unsigned, rounded up to 8) carved from pool
 * `pool`, growing the pool as needed. Regions are never destroyed. Returns the
 * region or TVM_E_INVALID_ARGUMENT / TVM_E_TOO_MANY_REGIONS / TVM_E_NO_MEMORY. */
TVM_SHELL_IMPORT(region_create) tvm_region_t tvm_shell_region_create(int32_t pool, int32_t allocator, uint32_t capacity);
/* A statistic of the region (enum tvm_shell_stat), or a negative error. */
TVM_SHELL_IMPORT(region_stat) int64_t tvm_shell_region_stat(tvm_region_t region, int32_t field);
/* A shell-wide counter (enum tvm_shell_metric), or a negative error. */
TVM_SHELL_IMPORT(metrics) int64_t tvm_shell_metrics(int32_t field);
/* The number of pools, N. */
TVM_SHELL_IMPORT(pool_count) int32_t tvm_shell_pool_count(void);
/* Code of the most recent failure, 0 if none; success does not clear it. */
TVM_SHELL_IMPORT(last_error) int32_t tvm_shell_last_error(void);

/* Allocations -------------------------------------------------------------- */

/* `size` zeroed bytes; 0 on failure (see last_error). */
TVM_SHELL_IMPORT(alloc) tvm_handle_t tvm_shell_alloc(tvm_region_t region, uint64_t size);
/* Frees; the handle and all its copies are stale from now on. */
TVM_SHELL_IMPORT(free) tvm_status_t tvm_shell_free(tvm_handle_t handle);
/* The requested size, or a negative error. */
TVM_SHELL_IMPORT(size_of) int64_t tvm_shell_size_of(tvm_handle_t handle);
/* The checked pool address of [offset, offset + len), or a negative error;
 * tvm_shell_resolved_pool() then names the pool. */
TVM_SHELL_IMPORT(resolve) int64_t tvm_shell_resolve(tvm_handle_t handle, uint64_t offset, uint64_t len);
TVM_SHELL_IMPORT(resolved_pool) int32_t tvm_shell_resolved_pool(void);

/* Windows: checked direct access for hot loops. tvm_shell_window checks
 * [offset, offset + len) of the allocation once, makes it the window of the
 * allocation's pool (one window per pool; a new one replaces it) and returns
 * its pool address, or a negative error (the old window stays). Then
 * tvm_shell_wload_i64_pK(addr) and friends (declared by TVM_SHELL_POOL(K))
 * reach pool addresses inside pool K's window with two compares, small enough
 * for engines to inline; outside it they trap. Freeing any byte of the window
 * closes it, so a window never reaches a block's next owner. */
TVM_SHELL_IMPORT(window) int64_t tvm_shell_window(tvm_handle_t handle, uint64_t offset, uint64_t len);

/* Loads and stores (trap on any error) ------------------------------------- */

TVM_SHELL_IMPORT(load_i32) int32_t tvm_shell_load_i32(tvm_handle_t h, uint64_t offset);
TVM_SHELL_IMPORT(load_i64) int64_t tvm_shell_load_i64(tvm_handle_t h, uint64_t offset);
TVM_SHELL_IMPORT(load_f32) float tvm_shell_load_f32(tvm_handle_t h, uint64_t offset);
TVM_SHELL_IMPORT(load_f64) double tvm_shell_load_f64(tvm_handle_t h, uint64_t offset);
TVM_SHELL_IMPORT(store_i32) void tvm_shell_store_i32(tvm_handle_t h, uint64_t offset, int32_t v);
TVM_SHELL_IMPORT(store_i64) void tvm_shell_store_i64(tvm_handle_t h, uint64_t offset, int64_t v);
TVM_SHELL_IMPORT(store_f32) void tvm_shell_store_f32(tvm_handle_t h, uint64_t offset, float v);
TVM_SHELL_IMPORT(store_f64) void tvm_shell_store_f64(tvm_handle_t h, uint64_t offset, double v);

/* Per-pool specialised loads and stores: a static memory index, no dispatch
 * on the pool. They also trap if the handle's region is not in pool K. Declare
 * the ones a guest uses with TVM_SHELL_POOL(K), K = 0 .. N-1, at file scope:
 * it defines tvm_shell_load_i32_pK, _load_i64_pK, _store_i32_pK, _store_i64_pK
 * (by handle) and tvm_shell_wload_{i32,i64,f64}_pK, _wstore_{i32,i64,f64}_pK
 * (by pool address inside pool K's window). */
#define TVM_SHELL_POOL(K)                                                                              \
    TVM_SHELL_IMPORT(load_i32_p##K) int32_t tvm_shell_load_i32_p##K(tvm_handle_t h, uint64_t offset);  \
    TVM_SHELL_IMPORT(load_i64_p##K) int64_t tvm_shell_load_i64_p##K(tvm_handle_t h, uint64_t offset);  \
    TVM_SHELL_IMPORT(store_i32_p##K) void tvm_shell_store_i32_p##K(tvm_handle_t h, uint64_t offset,    \
                                                                   int32_t v);                        \
    TVM_SHELL_IMPORT(store_i64_p##K) void tvm_shell_store_i64_p##K(tvm_handle_t h, uint64_t offset,    \
                                                                   int64_t v);                        \
    TVM_SHELL_IMPORT(wload_i32_p##K) int32_t tvm_shell_wload_i32_p##K(uint32_t addr);                   \
    TVM_SHELL_IMPORT(wload_i64_p##K) int64_t tvm_shell_wload_i64_p##K(uint32_t addr);                   \
    TVM_SHELL_IMPORT(wload_f64_p##K) double tvm_shell_wload_f64_p##K(uint32_t addr);                    \
    TVM_SHELL_IMPORT(wstore_i32_p##K) void tvm_shell_wstore_i32_p##K(uint32_t addr, int32_t v);         \
    TVM_SHELL_IMPORT(wstore_i64_p##K) void tvm_shell_wstore_i64_p##K(uint32_t addr, int64_t v);         \
    TVM_SHELL_IMPORT(wstore_f64_p##K) void tvm_shell_wstore_f64_p##K(uint32_t addr, double v);

/* Bulk --------------------------------------------------------------------- */

/* Copies len bytes between allocations (memmove within a pool); the source
 * is checked first. */
TVM_SHELL_IMPORT(copy)
tvm_status_t tvm_shell_copy(tvm_handle_t dst, uint64_t dst_offset, tvm_handle_t src, uint64_t src_offset, uint64_t len);
/* Sets len bytes to the low byte of value. */
TVM_SHELL_IMPORT(fill) tvm_status_t tvm_shell_fill(tvm_handle_t h, uint64_t offset, uint64_t len, int32_t value);
/* Guest memory -> allocation; TVM_E_OUT_OF_BOUNDS if either range is out. */
TVM_SHELL_IMPORT(copy_in)
tvm_status_t tvm_shell_copy_in(tvm_handle_t dst, uint64_t dst_offset, const void *src, uint64_t len);
/* Allocation -> guest memory; TVM_E_OUT_OF_BOUNDS if either range is out. */
TVM_SHELL_IMPORT(copy_out)
tvm_status_t tvm_shell_copy_out(void *dst, tvm_handle_t src, uint64_t src_offset, uint64_t len);

#ifdef __cplusplus
}
#endif

#endif /* TVM_SHELL_H */
