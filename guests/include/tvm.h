/*
 * tvm.h - C declarations of the raw fast-path ABI, the `tvm` import module.
 *
 * The contract is docs/raw-abi.md; this header mirrors it one to one. Every
 * function below is a WebAssembly import `tvm.<name>`; the host
 * (dev.tvm.chicory.TvmImports) rejects a module at instantiation if a name or
 * signature differs, so do not change a prototype without changing the doc.
 *
 * C type    <-> wasm type, and why:
 *   tvm_region_t  int32_t   i32  region reference (id << 12 | generation), > 0;
 *                                0 is null. Negative values returned by
 *                                tvm_region_create are error codes.
 *   tvm_handle_t  uint64_t  i64  allocation handle, 0 is null. Unsigned on
 *                                purpose: a valid handle may be negative as a
 *                                signed value (region id >= 32768), so never
 *                                test a handle's sign; test it against 0.
 *   tvm_status_t  int32_t   i32  0 / non-negative count, or a negative tvm_error.
 *   pointers      void *    i32  address in the guest's memory 0 (wasm32 only).
 *   offsets       int64_t   i64  byte offset inside an allocation, >= 0.
 *   read/write len int32_t  i32  0 <= len < 2^31; copy/fill len is int64_t (i64).
 *
 * Failure reporting (fixed per function, see "Errors" in the doc):
 *   status functions return a negative code; handle functions return 0;
 *   value functions (size_of, compact) return a negative code; loads and
 *   stores TRAP. Every failure also sets tvm_last_error(); success does not
 *   clear it.
 *
 * Works for wasm32-unknown-unknown (freestanding, no libc: only <stdint.h>
 * and <stddef.h> from the compiler are needed) and wasm32-wasi.
 */
#ifndef TVM_H
#define TVM_H

#include <stddef.h>
#include <stdint.h>

#if !defined(__wasm32__)
#error "tvm.h targets wasm32: pointer parameters must lower to i32"
#endif

#ifdef __cplusplus
extern "C" {
#define TVM_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define TVM_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* ------------------------------------------------------------------ types */

typedef int32_t tvm_region_t;  /* region reference; 0 = null */
typedef uint64_t tvm_handle_t; /* allocation handle; 0 = null */
typedef int32_t tvm_status_t;  /* >= 0 success/count, < 0 enum tvm_error */

#define TVM_NULL_REGION ((tvm_region_t)0)
#define TVM_NULL_HANDLE ((tvm_handle_t)0)

/* Error codes, exactly as docs/raw-abi.md ("Errors"). */
enum tvm_error {
    TVM_OK = 0,
    TVM_E_INVALID_ARGUMENT = -1,     /* size 0, unknown kind, reserved flag bits, read/write len < 0 */
    TVM_E_NO_SUCH_REGION = -2,       /* no live region has that reference */
    TVM_E_STALE_REGION = -3,         /* the region was destroyed */
    TVM_E_STALE_HANDLE = -4,         /* freed, or its region reset (use after free) */
    TVM_E_FORGED_HANDLE = -5,        /* the handle was never issued */
    TVM_E_OUT_OF_BOUNDS = -6,        /* offset + len outside the allocation */
    TVM_E_REGION_FULL = -7,          /* no room for the request */
    TVM_E_ACCESS_DENIED = -8,        /* no capability for that region */
    TVM_E_PINNED = -9,               /* pinned; would move or destroy it */
    TVM_E_UNSUPPORTED = -10,         /* allocator or policy does not allow it */
    TVM_E_TOO_MANY_REGIONS = -11,    /* 65,535 regions are live, or this guest's region quota */
    TVM_E_GUEST_OUT_OF_BOUNDS = -12, /* ptr + len outside guest memory 0 */
    TVM_E_CLOSED = -13,              /* the host's directory is closed */
    TVM_E_TOO_MANY_HANDLES = -14,    /* handle table full (2^24 slots), or this guest's handle quota */
    TVM_E_NO_MEMORY = -15,           /* host could not reserve memory, or this guest's reserved or
                                        resident quota (docs/raw-abi.md, "Quotas") */
    TVM_E_SPILL_IO_ERROR = -16,      /* spill file read/write failed (disk full, EIO) */
    TVM_E_SPILL_CORRUPT = -17,       /* spilled page failed its checksum, or file damaged */
    TVM_E_READ_ONLY = -18            /* read-only region: no writes or allocations */
};
#define TVM_E_MIN TVM_E_READ_ONLY /* most negative code the doc defines */

/* Region kinds: the `kind` argument of tvm_region_create (RegionKind ordinal). */
enum tvm_kind {
    TVM_KIND_HOT_HEAP = 0,     /* FREE_LIST, pinnable */
    TVM_KIND_OBJECT_ARENA = 1, /* SLAB 16 B - 64 KiB classes, pinnable, spillable */
    TVM_KIND_BLOB_ARENA = 2,   /* BUMP, pinnable, spillable */
    TVM_KIND_PAGE_STORE = 3,   /* PAGE, one allocation <= one 64 KiB page, spillable */
    TVM_KIND_SCRATCH = 4,      /* BUMP, pinnable */
    TVM_KIND_CODE_CACHE = 5,   /* BUMP, pinnable */
    TVM_KIND_DEVICE_STATE = 6, /* FREE_LIST, pinnable */
    TVM_KIND_COUNT = 7
};

/* Allocators: bits 0-2 of the create `flags`, and tvm_region_info.allocator. */
enum tvm_allocator {
    TVM_ALLOCATOR_DEFAULT = 0, /* flags only: the kind's default */
    TVM_ALLOCATOR_BUMP = 1,
    TVM_ALLOCATOR_FREE_LIST = 2,
    TVM_ALLOCATOR_SLAB = 3,
    TVM_ALLOCATOR_PAGE = 4
};
#define TVM_FLAGS_ALLOCATOR_MASK 0x7 /* bits 0-2 */
/* Create flag bit 3: the region may be spilled under the directory's resident
 * budget even if its kind's default policy says otherwise. Other bits must be 0. */
#define TVM_FLAG_SPILLABLE 0x8

/* tvm_region_info.tier */
enum tvm_tier { TVM_TIER_HOT = 0, TVM_TIER_WARM = 1, TVM_TIER_COLD = 2, TVM_TIER_EXTERNAL = 3 };

/* tvm_region_info.policy_flags bits */
#define TVM_POLICY_PINNABLE 0x1u
#define TVM_POLICY_SPILLABLE 0x2u

#define TVM_CAPACITY_DEFAULT 0LL        /* 0 = 4 GiB */
#define TVM_CAPACITY_GRANULE 65536LL    /* capacities round up to this */

/* The 64-byte record written by tvm_region_describe (little-endian). */
typedef struct tvm_region_info {
    int32_t ref;              /*  0 region reference */
    int32_t kind;             /*  4 enum tvm_kind */
    int32_t allocator;        /*  8 enum tvm_allocator (1..4) */
    int32_t tier;             /* 12 enum tvm_tier */
    int32_t pin_count;        /* 16 */
    uint32_t policy_flags;    /* 20 TVM_POLICY_* */
    int64_t capacity;         /* 24 bytes */
    int64_t live_allocations; /* 32 */
    int64_t live_bytes;       /* 40 requested bytes of live allocations */
    int64_t used_bytes;       /* 48 bytes the allocator holds, rounding included */
    int64_t touched_bytes;    /* 56 high-water mark since the last reset/compaction */
} tvm_region_info_t;

/* The 128-byte record written by tvm_metrics: sixteen little-endian i64. */
typedef struct tvm_metrics {
    int64_t allocations;      /*   0 */
    int64_t frees;            /*   8 */
    int64_t leases;           /*  16 */
    int64_t bytes_allocated;  /*  24 */
    int64_t bytes_freed;      /*  32 */
    int64_t live_allocations; /*  40 */
    int64_t live_bytes;       /*  48 */
    int64_t used_bytes;       /*  56 */
    int64_t touched_bytes;    /*  64 */
    int64_t bytes_read;       /*  72 */
    int64_t bytes_written;    /*  80 */
    int64_t compactions;      /*  88 */
    int64_t bytes_moved;      /*  96 */
    int64_t resets;           /* 104 */
    int64_t handle_failures;  /* 112 all kinds */
    int64_t live_regions;     /* 120 1 for a region, the count for totals */
} tvm_metrics_t;

TVM_STATIC_ASSERT(sizeof(tvm_region_t) == 4 && sizeof(tvm_handle_t) == 8, "value widths");
TVM_STATIC_ASSERT(sizeof(void *) == 4, "wasm32 pointers are i32");
TVM_STATIC_ASSERT(sizeof(tvm_region_info_t) == 64, "tvm_region_info is 64 bytes");
TVM_STATIC_ASSERT(offsetof(tvm_region_info_t, ref) == 0, "ref @0");
TVM_STATIC_ASSERT(offsetof(tvm_region_info_t, kind) == 4, "kind @4");
TVM_STATIC_ASSERT(offsetof(tvm_region_info_t, allocator) == 8, "allocator @8");
TVM_STATIC_ASSERT(offsetof(tvm_region_info_t, tier) == 12, "tier @12");
TVM_STATIC_ASSERT(offsetof(tvm_region_info_t, pin_count) == 16, "pin_count @16");
TVM_STATIC_ASSERT(offsetof(tvm_region_info_t, policy_flags) == 20, "policy_flags @20");
TVM_STATIC_ASSERT(offsetof(tvm_region_info_t, capacity) == 24, "capacity @24");
TVM_STATIC_ASSERT(offsetof(tvm_region_info_t, live_allocations) == 32, "live_allocations @32");
TVM_STATIC_ASSERT(offsetof(tvm_region_info_t, live_bytes) == 40, "live_bytes @40");
TVM_STATIC_ASSERT(offsetof(tvm_region_info_t, used_bytes) == 48, "used_bytes @48");
TVM_STATIC_ASSERT(offsetof(tvm_region_info_t, touched_bytes) == 56, "touched_bytes @56");
TVM_STATIC_ASSERT(sizeof(tvm_metrics_t) == 128, "tvm_metrics is 128 bytes");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, allocations) == 0, "allocations @0");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, frees) == 8, "frees @8");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, leases) == 16, "leases @16");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, bytes_allocated) == 24, "bytes_allocated @24");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, bytes_freed) == 32, "bytes_freed @32");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, live_allocations) == 40, "live_allocations @40");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, live_bytes) == 48, "live_bytes @48");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, used_bytes) == 56, "used_bytes @56");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, touched_bytes) == 64, "touched_bytes @64");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, bytes_read) == 72, "bytes_read @72");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, bytes_written) == 80, "bytes_written @80");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, compactions) == 88, "compactions @88");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, bytes_moved) == 96, "bytes_moved @96");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, resets) == 104, "resets @104");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, handle_failures) == 112, "handle_failures @112");
TVM_STATIC_ASSERT(offsetof(tvm_metrics_t, live_regions) == 120, "live_regions @120");

/* ---------------------------------------------------------------- imports */

#define TVM_IMPORT(name) __attribute__((import_module("tvm"), import_name(#name)))

/* Regions ----------------------------------------------------------------- */

/* Creates a region of `kind` (enum tvm_kind). capacity: bytes, 0 = 4 GiB,
 * rounded up to 64 KiB. flags: TVM_ALLOCATOR_* in bits 0-2, TVM_FLAG_SPILLABLE,
 * rest 0.
 * Returns the region reference (> 0) or a negative error. status */
TVM_IMPORT(region_create) tvm_region_t tvm_region_create(int32_t kind, int64_t capacity, int32_t flags);
/* Destroys the region and releases its memory; TVM_E_PINNED if pinned. status */
TVM_IMPORT(region_destroy) tvm_status_t tvm_region_destroy(tvm_region_t region);
/* Writes a 64-byte tvm_region_info at `out`. status */
TVM_IMPORT(region_describe) tvm_status_t tvm_region_describe(tvm_region_t region, tvm_region_info_t *out);

/* Allocations ------------------------------------------------------------- */

/* Allocates `size` zeroed bytes. Returns the handle, 0 on failure. */
TVM_IMPORT(alloc) tvm_handle_t tvm_alloc(tvm_region_t region, int64_t size);
/* Allocates `count` allocations of `size` bytes; writes `count` handles at
 * `out`. All or nothing. Returns count or a negative error. status */
TVM_IMPORT(alloc_batch)
tvm_status_t tvm_alloc_batch(tvm_region_t region, int64_t size, int32_t count, tvm_handle_t *out);
/* Takes an arena lease: one allocation the guest sub-allocates by offsets
 * (see tvm_lease_t below). Freed with tvm_free. Returns the handle, 0 on failure. */
TVM_IMPORT(lease) tvm_handle_t tvm_lease(tvm_region_t region, int64_t size);
/* Frees an allocation; every copy of its handle is stale from now on. status */
TVM_IMPORT(free) tvm_status_t tvm_free(tvm_handle_t handle);
/* The allocation's requested size, or a negative error. value */
TVM_IMPORT(size_of) int64_t tvm_size_of(tvm_handle_t handle);

/* Bulk copies ------------------------------------------------------------- */

/* Copies `len` bytes from the allocation at `offset` to guest memory `dst`. status */
TVM_IMPORT(read) tvm_status_t tvm_read(tvm_handle_t handle, int64_t offset, void *dst, int32_t len);
/* Copies `len` bytes from guest memory `src` into the allocation at `offset`. status */
TVM_IMPORT(write) tvm_status_t tvm_write(tvm_handle_t handle, int64_t offset, const void *src, int32_t len);
/* Copies between two allocations (any regions), memmove semantics. status */
TVM_IMPORT(copy)
tvm_status_t tvm_copy(tvm_handle_t dst, int64_t dst_offset, tvm_handle_t src, int64_t src_offset, int64_t len);
/* Sets `len` bytes to the low byte of `value`. status */
TVM_IMPORT(fill) tvm_status_t tvm_fill(tvm_handle_t handle, int64_t offset, int64_t len, int32_t value);

/* Loads and stores: little-endian; TRAP on any error ----------------------- */

TVM_IMPORT(load_i32) int32_t tvm_load_i32(tvm_handle_t handle, int64_t offset);
TVM_IMPORT(load_i64) int64_t tvm_load_i64(tvm_handle_t handle, int64_t offset);
TVM_IMPORT(load_f32) float tvm_load_f32(tvm_handle_t handle, int64_t offset);
TVM_IMPORT(load_f64) double tvm_load_f64(tvm_handle_t handle, int64_t offset);
TVM_IMPORT(store_i32) void tvm_store_i32(tvm_handle_t handle, int64_t offset, int32_t value);
TVM_IMPORT(store_i64) void tvm_store_i64(tvm_handle_t handle, int64_t offset, int64_t value);
TVM_IMPORT(store_f32) void tvm_store_f32(tvm_handle_t handle, int64_t offset, float value);
TVM_IMPORT(store_f64) void tvm_store_f64(tvm_handle_t handle, int64_t offset, double value);

/* Region maintenance ------------------------------------------------------ */

/* Pins the region (nests); TVM_E_UNSUPPORTED if its policy is not pinnable. status */
TVM_IMPORT(pin) tvm_status_t tvm_pin(tvm_region_t region);
/* Releases one pin. status */
TVM_IMPORT(unpin) tvm_status_t tvm_unpin(tvm_region_t region);
/* Frees every allocation at once; all handles go stale, memory reads as zero. status */
TVM_IMPORT(reset) tvm_status_t tvm_reset(tvm_region_t region);
/* Slides live allocations together (handles stay valid). Returns bytes
 * reclaimed or a negative error (PINNED; UNSUPPORTED for SLAB/PAGE). value */
TVM_IMPORT(compact) int64_t tvm_compact(tvm_region_t region);
/* Writes a 128-byte tvm_metrics at `out`: the region's counters, or with
 * region 0 the totals over the whole host directory. status */
TVM_IMPORT(metrics) tvm_status_t tvm_metrics(tvm_region_t region, tvm_metrics_t *out);
/* This instance's most recent failure code, 0 if none yet. */
TVM_IMPORT(last_error) int32_t tvm_last_error(void);
/* Where the allocation starts inside its region's address space: add it to
 * the base of the memory the region is imported as for native loads. Valid
 * while the region is pinned (imported regions are). Or a negative error. value */
TVM_IMPORT(address_of) int64_t tvm_address_of(tvm_handle_t handle);

#undef TVM_IMPORT

/* ---------------------------------------------------------------- helpers */

/* The region reference a handle belongs to (handle >> 36, per HandleCodec). */
static inline tvm_region_t tvm_handle_region(tvm_handle_t handle) {
    return (tvm_region_t)(handle >> 36);
}

/* The error a handle function (alloc, lease) just reported: the negative
 * last_error, or TVM_E_INVALID_ARGUMENT if the host reported none. */
static inline tvm_status_t tvm_handle_error(void) {
    int32_t e = tvm_last_error();
    return e < 0 ? e : TVM_E_INVALID_ARGUMENT;
}

/* Typed accessors. get/put of fixed-width values are the loads and stores
 * (they trap on error); the byte helpers return a status instead. */
static inline int32_t tvm_get_i32(tvm_handle_t h, int64_t off) { return tvm_load_i32(h, off); }
static inline uint32_t tvm_get_u32(tvm_handle_t h, int64_t off) { return (uint32_t)tvm_load_i32(h, off); }
static inline int64_t tvm_get_i64(tvm_handle_t h, int64_t off) { return tvm_load_i64(h, off); }
static inline uint64_t tvm_get_u64(tvm_handle_t h, int64_t off) { return (uint64_t)tvm_load_i64(h, off); }
static inline float tvm_get_f32(tvm_handle_t h, int64_t off) { return tvm_load_f32(h, off); }
static inline double tvm_get_f64(tvm_handle_t h, int64_t off) { return tvm_load_f64(h, off); }
/* A handle stored inside an allocation (e.g. a linked-list "next" field). */
static inline tvm_handle_t tvm_get_handle(tvm_handle_t h, int64_t off) { return (tvm_handle_t)tvm_load_i64(h, off); }

static inline void tvm_put_i32(tvm_handle_t h, int64_t off, int32_t v) { tvm_store_i32(h, off, v); }
static inline void tvm_put_u32(tvm_handle_t h, int64_t off, uint32_t v) { tvm_store_i32(h, off, (int32_t)v); }
static inline void tvm_put_i64(tvm_handle_t h, int64_t off, int64_t v) { tvm_store_i64(h, off, v); }
static inline void tvm_put_u64(tvm_handle_t h, int64_t off, uint64_t v) { tvm_store_i64(h, off, (int64_t)v); }
static inline void tvm_put_f32(tvm_handle_t h, int64_t off, float v) { tvm_store_f32(h, off, v); }
static inline void tvm_put_f64(tvm_handle_t h, int64_t off, double v) { tvm_store_f64(h, off, v); }
static inline void tvm_put_handle(tvm_handle_t h, int64_t off, tvm_handle_t v) { tvm_store_i64(h, off, (int64_t)v); }

/* One byte: 0..255, or a negative error (does not trap). */
static inline int32_t tvm_get_u8(tvm_handle_t h, int64_t off) {
    uint8_t b;
    tvm_status_t s = tvm_read(h, off, &b, 1);
    return s < 0 ? s : (int32_t)b;
}
static inline tvm_status_t tvm_put_u8(tvm_handle_t h, int64_t off, uint8_t v) { return tvm_write(h, off, &v, 1); }
/* Byte ranges to/from guest memory (len < 2^31). status */
static inline tvm_status_t tvm_get_bytes(tvm_handle_t h, int64_t off, void *dst, size_t len) {
    return len > 0x7fffffffu ? TVM_E_INVALID_ARGUMENT : tvm_read(h, off, dst, (int32_t)len);
}
static inline tvm_status_t tvm_put_bytes(tvm_handle_t h, int64_t off, const void *src, size_t len) {
    return len > 0x7fffffffu ? TVM_E_INVALID_ARGUMENT : tvm_write(h, off, src, (int32_t)len);
}

/* Arena lease: one host allocation, sub-allocated by the guest with a bump
 * cursor, so N small objects cost one host call. Objects are (handle, offset)
 * pairs; access them with the loads/stores above on `handle`. */
typedef struct tvm_lease {
    tvm_handle_t handle; /* the lease allocation, 0 if none */
    int64_t size;        /* bytes leased */
    int64_t cursor;      /* next free offset */
} tvm_lease_t;

/* Takes a lease of `size` bytes in `region`. Returns 0, or a negative error
 * (the lease is then empty: every tvm_lease_alloc fails). */
static inline tvm_status_t tvm_lease_init(tvm_lease_t *l, tvm_region_t region, int64_t size) {
    l->handle = tvm_lease(region, size);
    l->size = l->handle ? size : 0;
    l->cursor = 0;
    return l->handle ? TVM_OK : tvm_handle_error();
}

/* Adopts an existing allocation of `size` bytes as a lease (cursor 0). */
static inline void tvm_lease_attach(tvm_lease_t *l, tvm_handle_t handle, int64_t size) {
    l->handle = handle;
    l->size = handle ? size : 0;
    l->cursor = 0;
}

/* Bump-allocates `n` > 0 bytes at an 8-aligned offset. Returns the offset
 * inside the lease, or -1 if it does not fit (or n <= 0). No host call. */
static inline int64_t tvm_lease_alloc(tvm_lease_t *l, int64_t n) {
    int64_t start = (l->cursor + 7) & ~(int64_t)7;
    if (n <= 0 || start > l->size || n > l->size - start) {
        return -1;
    }
    l->cursor = start + n;
    return start;
}

/* Bytes still available (ignoring alignment of the next request). */
static inline int64_t tvm_lease_remaining(const tvm_lease_t *l) {
    return l->size - l->cursor;
}

/* Forgets every sub-allocation (cursor back to 0); the bytes are not cleared. */
static inline void tvm_lease_reset(tvm_lease_t *l) { l->cursor = 0; }

/* Frees the lease allocation and empties `l`. status */
static inline tvm_status_t tvm_lease_release(tvm_lease_t *l) {
    tvm_status_t s = l->handle ? tvm_free(l->handle) : TVM_OK;
    l->handle = 0;
    l->size = 0;
    l->cursor = 0;
    return s;
}

/* The doc's name of an error code ("STALE_HANDLE"), "OK" for 0 or a
 * non-negative count, "UNKNOWN" otherwise. */
static inline const char *tvm_error_name(int32_t code) {
    switch (code) {
    case TVM_E_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case TVM_E_NO_SUCH_REGION: return "NO_SUCH_REGION";
    case TVM_E_STALE_REGION: return "STALE_REGION";
    case TVM_E_STALE_HANDLE: return "STALE_HANDLE";
    case TVM_E_FORGED_HANDLE: return "FORGED_HANDLE";
    case TVM_E_OUT_OF_BOUNDS: return "OUT_OF_BOUNDS";
    case TVM_E_REGION_FULL: return "REGION_FULL";
    case TVM_E_ACCESS_DENIED: return "ACCESS_DENIED";
    case TVM_E_PINNED: return "PINNED";
    case TVM_E_UNSUPPORTED: return "UNSUPPORTED";
    case TVM_E_TOO_MANY_REGIONS: return "TOO_MANY_REGIONS";
    case TVM_E_GUEST_OUT_OF_BOUNDS: return "GUEST_OUT_OF_BOUNDS";
    case TVM_E_CLOSED: return "CLOSED";
    case TVM_E_TOO_MANY_HANDLES: return "TOO_MANY_HANDLES";
    case TVM_E_NO_MEMORY: return "NO_MEMORY";
    case TVM_E_SPILL_IO_ERROR: return "SPILL_IO_ERROR";
    case TVM_E_SPILL_CORRUPT: return "SPILL_CORRUPT";
    case TVM_E_READ_ONLY: return "READ_ONLY";
    default: return code >= 0 ? "OK" : "UNKNOWN";
    }
}

/* A one-line description of an error code, as in the doc's table. */
static inline const char *tvm_strerror(int32_t code) {
    switch (code) {
    case TVM_E_INVALID_ARGUMENT: return "invalid argument";
    case TVM_E_NO_SUCH_REGION: return "no such region";
    case TVM_E_STALE_REGION: return "stale region (destroyed)";
    case TVM_E_STALE_HANDLE: return "stale handle (use after free)";
    case TVM_E_FORGED_HANDLE: return "forged handle (never issued)";
    case TVM_E_OUT_OF_BOUNDS: return "out of bounds of the allocation";
    case TVM_E_REGION_FULL: return "region full";
    case TVM_E_ACCESS_DENIED: return "access denied (no capability)";
    case TVM_E_PINNED: return "region pinned";
    case TVM_E_UNSUPPORTED: return "unsupported by the region";
    case TVM_E_TOO_MANY_REGIONS: return "too many regions";
    case TVM_E_GUEST_OUT_OF_BOUNDS: return "out of bounds of guest memory";
    case TVM_E_CLOSED: return "directory closed";
    case TVM_E_TOO_MANY_HANDLES: return "too many handles";
    case TVM_E_NO_MEMORY: return "host out of memory or over its resident budget";
    case TVM_E_SPILL_IO_ERROR: return "spill file I/O error";
    case TVM_E_SPILL_CORRUPT: return "spill file corrupt";
    case TVM_E_READ_ONLY: return "region is read-only";
    default: return code >= 0 ? "ok" : "unknown error";
    }
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TVM_H */
