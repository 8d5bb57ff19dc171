/*
 * typed.c - the typed-path test guest: calls every function of the
 * tvm:memory@0.1.0 interfaces (wit/tvm.wit) through their canonical-ABI core
 * signatures, error results included. wasm32-unknown-unknown, no libc.
 *
 * The declarations below are written by hand from the WIT, following the
 * canonical ABI for core modules:
 *   - import module "tvm:memory/<interface>@0.1.0", import name = function name;
 *   - parameters flatten to core values (u32/enum/u8 -> i32, u64 -> i64,
 *     string/list -> i32 pointer + i32 length, record handle -> its u64);
 *   - a result that flattens to more than one core value (every result,
 *     option, list, string and record here) is written by the host into a
 *     return area whose address is passed as an extra last i32 parameter;
 *   - strings and lists the host returns are allocated in this module's
 *     memory by calling its exported cabi_realloc (a bump allocator below,
 *     reset at the start of every exported entry point).
 * The return-area structs mirror the canonical ABI's layouts; TM_LAYOUT and
 * TM_OFFSET assert them here (clang) and TypedGuestLayoutTest checks the same
 * lines against the host's layout engine, so C and Java cannot drift apart.
 *
 * Error convention of the exports: a negative number is a tvm error code,
 * -(error-code case index + 1), the same numbers as the raw ABI's codes.
 *
 * Exports (see guests/README.md):
 *   typed_selftest()                    0, or the number of the failing step
 *   typed_kept_region(), typed_kept_handle()   what the selftest leaves alive
 *   typed_realloc_calls()               cabi_realloc calls so far
 *   typed_buffer()                      4 KiB scratch buffer for strings
 *   typed_create_named(kind, cap, len)  create-region named by buffer[0..len)
 *   typed_describe_field(region, f)     one field of describe (f 1: the name,
 *                                       copied to the buffer, returns its length)
 *   typed_metrics_field(region, f)      one field of metrics / directory-metrics
 *   typed_residency_field(f)            one field of residency, -1 for none
 *   typed_alloc(region, size)           alloc: handle or error
 *   typed_alloc_batch(region, size, n)  alloc-batch: count or error
 *   typed_write_pattern(h, off, len, seed)  write: 0 or error
 *   typed_read_sum(h, off, len)         read: byte sum or error
 *   typed_op(op, arg)                   one region/handle operation: 0 or error
 *   typed_last_error()                  last-error: code, 0 for none
 *   typed_last_error_message()          last-error-message copied to the buffer: length
 *   typed_list_count(), typed_list_ref(i), typed_region_count()
 *   typed_trap(kind)                    a canonical-ABI violation: must trap
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define TM_IMPORT(iface, fname) __attribute__((import_module("tvm:memory/" #iface "@0.1.0"), import_name(fname)))

/* ------------------------------------------------------------------ types */

/* Canonical-ABI layout checks: size, alignment, field offsets. */
#define TM_LAYOUT(type, size, align)                                                                   \
    _Static_assert(sizeof(type) == (size) && _Alignof(type) == (align), #type " layout")
#define TM_OFFSET(type, field, offset) _Static_assert(offsetof(type, field) == (offset), #type "." #field)

typedef uint32_t tm_region_t; /* type region = u32 */

enum tm_region_kind { /* enum region-kind: u8 in memory, i32 flat */
    TM_HOT_HEAP,
    TM_OBJECT_ARENA,
    TM_BLOB_ARENA,
    TM_PAGE_STORE,
    TM_SCRATCH,
    TM_CODE_CACHE,
    TM_DEVICE_STATE
};
enum tm_allocator { TM_BUMP, TM_FREE_LIST, TM_SLAB, TM_PAGE };
enum tm_tier { TM_HOT, TM_WARM, TM_COLD, TM_EXTERNAL };
#define TM_POLICY_PINNABLE 1u /* flags policy: bit i = flag i */
#define TM_POLICY_SPILLABLE 2u

enum tm_error_code { /* enum error-code: case i is raw code -(i + 1) */
    TM_INVALID_ARGUMENT,
    TM_NO_SUCH_REGION,
    TM_STALE_REGION,
    TM_STALE_HANDLE,
    TM_FORGED_HANDLE,
    TM_OUT_OF_BOUNDS,
    TM_REGION_FULL,
    TM_ACCESS_DENIED,
    TM_PINNED,
    TM_UNSUPPORTED,
    TM_TOO_MANY_REGIONS,
    TM_GUEST_OUT_OF_BOUNDS,
    TM_CLOSED,
    TM_TOO_MANY_HANDLES,
    TM_NO_MEMORY,
    TM_SPILL_IO_ERROR,
    TM_SPILL_CORRUPT,
    TM_READ_ONLY,
    TM_ERROR_CODES
};

typedef struct tm_handle { /* record handle { raw: u64 } */
    uint64_t raw;
} tm_handle_t;
TM_LAYOUT(tm_handle_t, 8, 8);

typedef struct tm_string { /* string: UTF-8 bytes */
    const char *ptr;
    size_t len;
} tm_string_t;
TM_LAYOUT(tm_string_t, 8, 4);

typedef struct tm_bytes { /* list<u8> */
    uint8_t *ptr;
    size_t len;
} tm_bytes_t;
TM_LAYOUT(tm_bytes_t, 8, 4);

typedef struct tm_handle_list { /* list<handle> */
    tm_handle_t *ptr;
    size_t len;
} tm_handle_list_t;
TM_LAYOUT(tm_handle_list_t, 8, 4);

typedef struct tm_region_info { /* record region-info */
    tm_region_t region;
    tm_string_t name;
    uint8_t kind;      /* enum region-kind */
    uint8_t allocator; /* enum allocator */
    uint8_t tier;      /* enum tier */
    uint8_t policy;    /* flags policy */
    bool read_only;
    uint32_t pin_count;
    uint64_t capacity;
    uint64_t live_allocations;
    uint64_t live_bytes;
    uint64_t used_bytes;
    uint64_t touched_bytes;
    uint64_t resident_bytes;
    uint64_t spilled_bytes;
} tm_region_info_t;
TM_LAYOUT(tm_region_info_t, 80, 8);
TM_OFFSET(tm_region_info_t, region, 0);
TM_OFFSET(tm_region_info_t, name, 4);
TM_OFFSET(tm_region_info_t, kind, 12);
TM_OFFSET(tm_region_info_t, allocator, 13);
TM_OFFSET(tm_region_info_t, tier, 14);
TM_OFFSET(tm_region_info_t, policy, 15);
TM_OFFSET(tm_region_info_t, read_only, 16);
TM_OFFSET(tm_region_info_t, pin_count, 20);
TM_OFFSET(tm_region_info_t, capacity, 24);
TM_OFFSET(tm_region_info_t, live_allocations, 32);
TM_OFFSET(tm_region_info_t, spilled_bytes, 72);

typedef struct tm_info_list { /* list<region-info> */
    tm_region_info_t *ptr;
    size_t len;
} tm_info_list_t;
TM_LAYOUT(tm_info_list_t, 8, 4);

typedef struct tm_compact_result { /* record compact-result */
    tm_region_t region;
    uint32_t allocations_moved;
    uint64_t bytes_moved;
    uint64_t touched_before;
    uint64_t touched_after;
    uint64_t bytes_reclaimed;
} tm_compact_result_t;
TM_LAYOUT(tm_compact_result_t, 40, 8);
TM_OFFSET(tm_compact_result_t, allocations_moved, 4);
TM_OFFSET(tm_compact_result_t, bytes_moved, 8);
TM_OFFSET(tm_compact_result_t, bytes_reclaimed, 32);

typedef struct tm_failure_count { /* record failure-count */
    uint8_t code; /* enum error-code */
    uint64_t count;
} tm_failure_count_t;
TM_LAYOUT(tm_failure_count_t, 16, 8);
TM_OFFSET(tm_failure_count_t, count, 8);

#define TM_METRICS_COUNTERS 16
typedef struct tm_region_metrics { /* record region-metrics */
    uint64_t counters[TM_METRICS_COUNTERS]; /* allocations .. live-regions, in WIT order */
    struct {
        tm_failure_count_t *ptr;
        size_t len;
    } failures; /* list<failure-count> */
} tm_region_metrics_t;
TM_LAYOUT(tm_region_metrics_t, 136, 8);
TM_OFFSET(tm_region_metrics_t, failures, 128);
enum { M_ALLOCATIONS, M_FREES, M_LEASES, M_BYTES_ALLOCATED, M_BYTES_FREED, M_LIVE_ALLOCATIONS, M_LIVE_BYTES,
       M_USED_BYTES, M_TOUCHED_BYTES, M_BYTES_READ, M_BYTES_WRITTEN, M_COMPACTIONS, M_BYTES_MOVED, M_RESETS,
       M_HANDLE_FAILURES, M_LIVE_REGIONS };

#define TM_RESIDENCY_FIELDS 9
typedef struct tm_residency_stats { /* record residency-stats: nine u64, in WIT order */
    uint64_t fields[TM_RESIDENCY_FIELDS];
} tm_residency_stats_t;
TM_LAYOUT(tm_residency_stats_t, 72, 8);

/* result<T, error-code> is a variant: u8 discriminant (0 ok, 1 error), then
 * the payload at the larger of the two alignments. option<T>: 0 none, 1 some. */
typedef struct { uint8_t is_err; uint8_t err; } tm_result_unit_t;                                  /* result<_, e> */
typedef struct { uint8_t is_err; union { uint32_t ok; uint8_t err; } val; } tm_result_u32_t;       /* result<region, e> */
typedef struct { uint8_t is_err; union { uint64_t ok; uint8_t err; } val; } tm_result_u64_t;       /* result<u64, e> */
typedef struct { uint8_t is_err; union { tm_handle_t ok; uint8_t err; } val; } tm_result_handle_t; /* result<handle, e> */
typedef struct { uint8_t is_err; union { tm_handle_list_t ok; uint8_t err; } val; } tm_result_handles_t;
typedef struct { uint8_t is_err; union { tm_region_info_t ok; uint8_t err; } val; } tm_result_info_t;
typedef struct { uint8_t is_err; union { tm_compact_result_t ok; uint8_t err; } val; } tm_result_compact_t;
typedef struct { uint8_t is_err; union { tm_bytes_t ok; uint8_t err; } val; } tm_result_bytes_t;
typedef struct { uint8_t is_err; union { tm_region_metrics_t ok; uint8_t err; } val; } tm_result_metrics_t;
typedef struct { uint8_t is_some; tm_residency_stats_t val; } tm_option_residency_t;
typedef struct { uint8_t is_some; uint8_t val; } tm_option_error_t;
TM_LAYOUT(tm_result_unit_t, 2, 1);
TM_OFFSET(tm_result_unit_t, err, 1);
TM_LAYOUT(tm_result_u32_t, 8, 4);
TM_OFFSET(tm_result_u32_t, val, 4);
TM_LAYOUT(tm_result_u64_t, 16, 8);
TM_OFFSET(tm_result_u64_t, val, 8);
TM_LAYOUT(tm_result_handle_t, 16, 8);
TM_OFFSET(tm_result_handle_t, val, 8);
TM_LAYOUT(tm_result_handles_t, 12, 4);
TM_OFFSET(tm_result_handles_t, val, 4);
TM_LAYOUT(tm_result_info_t, 88, 8);
TM_OFFSET(tm_result_info_t, val, 8);
TM_LAYOUT(tm_result_compact_t, 48, 8);
TM_OFFSET(tm_result_compact_t, val, 8);
TM_LAYOUT(tm_result_bytes_t, 12, 4);
TM_OFFSET(tm_result_bytes_t, val, 4);
TM_LAYOUT(tm_result_metrics_t, 144, 8);
TM_OFFSET(tm_result_metrics_t, val, 8);
TM_LAYOUT(tm_option_residency_t, 80, 8);
TM_OFFSET(tm_option_residency_t, val, 8);
TM_LAYOUT(tm_option_error_t, 2, 1);
TM_OFFSET(tm_option_error_t, val, 1);

/* ---------------------------------------------------------------- imports */

/* interface manager */
TM_IMPORT(manager, "create-region")
void tm_create_region(int32_t kind, uint64_t capacity, const char *name, size_t name_len, tm_result_u32_t *ret);
TM_IMPORT(manager, "destroy-region") void tm_destroy_region(tm_region_t region, tm_result_unit_t *ret);
TM_IMPORT(manager, "describe") void tm_describe(tm_region_t region, tm_result_info_t *ret);
TM_IMPORT(manager, "list-regions") void tm_list_regions(tm_info_list_t *ret);
TM_IMPORT(manager, "pin") void tm_pin(tm_region_t region, tm_result_unit_t *ret);
TM_IMPORT(manager, "unpin") void tm_unpin(tm_region_t region, tm_result_unit_t *ret);
TM_IMPORT(manager, "reset") void tm_reset(tm_region_t region, tm_result_unit_t *ret);
TM_IMPORT(manager, "compact") void tm_compact(tm_region_t region, tm_result_compact_t *ret);
TM_IMPORT(manager, "alloc") void tm_alloc(tm_region_t region, uint64_t size, tm_result_handle_t *ret);
TM_IMPORT(manager, "alloc-batch")
void tm_alloc_batch(tm_region_t region, uint64_t size, uint32_t count, tm_result_handles_t *ret);
TM_IMPORT(manager, "free") void tm_free(uint64_t handle, tm_result_unit_t *ret);
TM_IMPORT(manager, "size-of") void tm_size_of(uint64_t handle, tm_result_u64_t *ret);
/* interface bytes */
TM_IMPORT(bytes, "write")
void tm_write(uint64_t handle, uint64_t offset, const uint8_t *data, size_t len, tm_result_unit_t *ret);
TM_IMPORT(bytes, "read") void tm_read(uint64_t handle, uint64_t offset, uint32_t len, tm_result_bytes_t *ret);
TM_IMPORT(bytes, "copy")
void tm_copy(uint64_t dst, uint64_t dst_offset, uint64_t src, uint64_t src_offset, uint64_t len, tm_result_unit_t *ret);
TM_IMPORT(bytes, "fill")
void tm_fill(uint64_t handle, uint64_t offset, uint64_t len, uint8_t value, tm_result_unit_t *ret);
/* interface diagnostics */
TM_IMPORT(diagnostics, "metrics") void tm_metrics(tm_region_t region, tm_result_metrics_t *ret);
TM_IMPORT(diagnostics, "directory-metrics") void tm_directory_metrics(tm_region_metrics_t *ret);
TM_IMPORT(diagnostics, "residency") void tm_residency(tm_option_residency_t *ret);
TM_IMPORT(diagnostics, "region-count") uint32_t tm_region_count(void);
TM_IMPORT(diagnostics, "last-error") void tm_last_error(tm_option_error_t *ret);
TM_IMPORT(diagnostics, "last-error-message") void tm_last_error_message(tm_string_t *ret);

/* ------------------------------------------------------------ cabi_realloc */

/* Bump allocator over a static arena; everything is dropped at the start of
 * each exported entry point (heap_reset), so nothing is ever freed one by one.
 * Out of space traps, as the canonical ABI expects of a failing realloc. */
static uint8_t heap[512 * 1024] __attribute__((aligned(16)));
static size_t heap_top;
static int32_t realloc_calls;

static void heap_reset(void) { heap_top = 0; }

EXPORT(cabi_realloc) void *cabi_realloc(void *old_ptr, size_t old_size, size_t align, size_t new_size) {
    realloc_calls++;
    if (align == 0 || (align & (align - 1)) != 0) {
        __builtin_trap();
    }
    size_t start = (heap_top + align - 1) & ~(align - 1);
    if (start > sizeof heap || new_size > sizeof heap - start) {
        __builtin_trap();
    }
    uint8_t *p = heap + start;
    heap_top = start + new_size;
    if (old_ptr != NULL) {
        const uint8_t *src = old_ptr;
        for (size_t i = 0; i < old_size && i < new_size; i++) {
            p[i] = src[i];
        }
    }
    return p;
}

/* ---------------------------------------------------------------- helpers */

#define CODE(err) (-(int32_t)(err)-1) /* error-code case -> raw code */

static bool same(const void *a, const void *b, size_t n) {
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return false;
        }
    }
    return true;
}

static size_t cstrlen(const char *s) {
    size_t n = 0;
    while (s[n] != 0) {
        n++;
    }
    return n;
}

static bool str_is(tm_string_t s, const char *want) {
    size_t n = cstrlen(want);
    return s.len == n && same(s.ptr, want, n);
}

static bool contains(tm_string_t s, const char *needle) {
    size_t n = cstrlen(needle);
    for (size_t i = 0; i + n <= s.len; i++) {
        if (same(s.ptr + i, needle, n)) {
            return true;
        }
    }
    return false;
}

/* Return areas: static, so clang never needs memset/memcpy. */
static tm_result_unit_t r_unit;
static tm_result_u32_t r_u32;
static tm_result_u64_t r_u64;
static tm_result_handle_t r_handle;
static tm_result_handles_t r_handles;
static tm_result_info_t r_info;
static tm_result_compact_t r_compact;
static tm_result_bytes_t r_bytes;
static tm_result_metrics_t r_metrics;
static tm_region_metrics_t dir_metrics;
static tm_option_residency_t r_residency;
static tm_option_error_t r_error;
static tm_info_list_t r_list;
static tm_string_t r_string;

static uint8_t buffer[4096] __attribute__((aligned(16)));

/* 0 on success, the raw error code otherwise. */
static int32_t unit_status(void) { return r_unit.is_err ? CODE(r_unit.err) : 0; }

/* ---------------------------------------------------------------- selftest */

static tm_region_t kept_region;
static uint64_t kept_handle;

#define CHECK(cond)                                                                                   \
    do {                                                                                              \
        step++;                                                                                       \
        if (!(cond)) {                                                                                \
            return step;                                                                              \
        }                                                                                             \
    } while (0)
/* The last call failed with exactly `code` (an enum tm_error_code). */
#define FAILED(result, code) ((result).is_err == 1 && (result).val.err == (code))
#define IS_ERR_UNIT(code) (r_unit.is_err == 1 && r_unit.err == (code))

static const char HELLO[] = "hello, typed path";
#define HELLO_LEN (sizeof HELLO - 1)

static const tm_region_info_t *find_info(tm_region_t region) {
    for (size_t i = 0; i < r_list.len; i++) {
        if (r_list.ptr[i].region == region) {
            return &r_list.ptr[i];
        }
    }
    return NULL;
}

static uint64_t failures_of(const tm_region_metrics_t *m, uint8_t code) {
    for (size_t i = 0; i < m->failures.len; i++) {
        if (m->failures.ptr[i].code == code) {
            return m->failures.ptr[i].count;
        }
    }
    return 0;
}

EXPORT(typed_selftest) int32_t typed_selftest(void) {
    int32_t step = 0;
    heap_reset();
    int32_t calls_before = realloc_calls;
    uint32_t count0 = tm_region_count();

    /* create-region (string param), describe (string result in a record). */
    static const char NAME[] = "typed-heap";
    tm_create_region(TM_HOT_HEAP, 1 << 20, NAME, sizeof NAME - 1, &r_u32);
    CHECK(!r_u32.is_err && r_u32.val.ok != 0);                                        /* 1 */
    tm_region_t r = r_u32.val.ok;
    CHECK(tm_region_count() == count0 + 1);                                           /* 2 */
    tm_describe(r, &r_info);
    CHECK(!r_info.is_err && r_info.val.ok.region == r);                               /* 3 */
    const tm_region_info_t *info = &r_info.val.ok;
    CHECK(str_is(info->name, NAME));                                                  /* 4 */
    CHECK(info->kind == TM_HOT_HEAP && info->allocator == TM_FREE_LIST && info->tier == TM_HOT); /* 5 */
    CHECK(info->policy == TM_POLICY_PINNABLE && !info->read_only && info->pin_count == 0);     /* 6 */
    CHECK(info->capacity == 1 << 20 && info->live_allocations == 0);                  /* 7 */

    /* alloc, size-of, write (list param), read (list result), fill. */
    tm_alloc(r, 64, &r_handle);
    CHECK(!r_handle.is_err && r_handle.val.ok.raw != 0);                              /* 8 */
    uint64_t h = r_handle.val.ok.raw;
    tm_size_of(h, &r_u64);
    CHECK(!r_u64.is_err && r_u64.val.ok == 64);                                       /* 9 */
    tm_write(h, 0, (const uint8_t *)HELLO, HELLO_LEN, &r_unit);
    CHECK(unit_status() == 0);                                                        /* 10 */
    tm_read(h, 0, HELLO_LEN, &r_bytes);
    CHECK(!r_bytes.is_err && r_bytes.val.ok.len == HELLO_LEN);                        /* 11 */
    CHECK(same(r_bytes.val.ok.ptr, HELLO, HELLO_LEN));                                /* 12 */
    CHECK((uint8_t *)r_bytes.val.ok.ptr >= heap && (uint8_t *)r_bytes.val.ok.ptr < heap + sizeof heap); /* 13 */
    tm_fill(h, 32, 16, 0xAB, &r_unit);
    CHECK(unit_status() == 0);                                                        /* 14 */
    tm_read(h, 32, 16, &r_bytes);
    CHECK(!r_bytes.is_err && r_bytes.val.ok.len == 16);                               /* 15 */
    bool filled = true;
    for (int i = 0; i < 16; i++) {
        filled = filled && r_bytes.val.ok.ptr[i] == 0xAB;
    }
    CHECK(filled);                                                                    /* 16 */

    /* alloc-batch (list<record> result), copy. */
    tm_alloc_batch(r, 32, 4, &r_handles);
    CHECK(!r_handles.is_err && r_handles.val.ok.len == 4);                            /* 17 */
    uint64_t b[4];
    for (int i = 0; i < 4; i++) {
        b[i] = r_handles.val.ok.ptr[i].raw;
    }
    CHECK(b[0] && b[1] && b[2] && b[3] && b[0] != b[1] && b[1] != b[2] && b[2] != b[3] && b[0] != h); /* 18 */
    tm_copy(b[0], 0, h, 0, HELLO_LEN, &r_unit);
    CHECK(unit_status() == 0);                                                        /* 19 */
    tm_read(b[0], 0, HELLO_LEN, &r_bytes);
    CHECK(!r_bytes.is_err && same(r_bytes.val.ok.ptr, HELLO, HELLO_LEN));             /* 20 */

    /* list-regions (list of records holding strings). */
    tm_list_regions(&r_list);
    const tm_region_info_t *listed = find_info(r);
    CHECK(listed != NULL && str_is(listed->name, NAME) && listed->live_allocations == 5); /* 21 */

    /* metrics. */
    tm_metrics(r, &r_metrics);
    CHECK(!r_metrics.is_err);                                                         /* 22 */
    CHECK(r_metrics.val.ok.counters[M_ALLOCATIONS] == 5 && r_metrics.val.ok.counters[M_LIVE_ALLOCATIONS] == 5); /* 23 */
    CHECK(r_metrics.val.ok.counters[M_BYTES_WRITTEN] == HELLO_LEN + 16 + HELLO_LEN &&
          r_metrics.val.ok.counters[M_LIVE_REGIONS] == 1);                            /* 24 */

    /* pin, unpin and the errors a pin causes. */
    tm_pin(r, &r_unit);
    CHECK(unit_status() == 0);                                                        /* 25 */
    tm_describe(r, &r_info);
    CHECK(!r_info.is_err && r_info.val.ok.pin_count == 1);                            /* 26 */
    tm_compact(r, &r_compact);
    CHECK(FAILED(r_compact, TM_PINNED));                                              /* 27 */
    tm_destroy_region(r, &r_unit);
    CHECK(IS_ERR_UNIT(TM_PINNED));                                                    /* 28 */
    tm_unpin(r, &r_unit);
    CHECK(unit_status() == 0);                                                        /* 29 */
    tm_unpin(r, &r_unit);
    CHECK(IS_ERR_UNIT(TM_INVALID_ARGUMENT));                                          /* 30 */

    /* free; stale handle; last-error and its message. */
    tm_free(b[1], &r_unit);
    CHECK(unit_status() == 0);                                                        /* 31 */
    tm_free(b[1], &r_unit);
    CHECK(IS_ERR_UNIT(TM_STALE_HANDLE));                                              /* 32 */
    tm_last_error(&r_error);
    CHECK(r_error.is_some && r_error.val == TM_STALE_HANDLE);                         /* 33 */
    tm_last_error_message(&r_string);
    CHECK(r_string.len > 0 && contains(r_string, "handle"));                          /* 34 */
    tm_size_of(b[1], &r_u64);
    CHECK(FAILED(r_u64, TM_STALE_HANDLE));                                            /* 35 */

    /* out-of-bounds read and write. */
    tm_read(h, 60, 8, &r_bytes);
    CHECK(FAILED(r_bytes, TM_OUT_OF_BOUNDS));                                         /* 36 */
    tm_last_error(&r_error);
    CHECK(r_error.is_some && r_error.val == TM_OUT_OF_BOUNDS);                        /* 37 */
    tm_write(h, 62, (const uint8_t *)HELLO, 4, &r_unit);
    CHECK(IS_ERR_UNIT(TM_OUT_OF_BOUNDS));                                             /* 38 */
    tm_fill(h, 0, 65, 0, &r_unit);
    CHECK(IS_ERR_UNIT(TM_OUT_OF_BOUNDS));                                             /* 39 */
    tm_copy(b[0], 16, h, 0, 17, &r_unit);
    CHECK(IS_ERR_UNIT(TM_OUT_OF_BOUNDS));                                             /* 40 */
    tm_read(h, 0, 0x80000000u, &r_bytes);
    CHECK(FAILED(r_bytes, TM_INVALID_ARGUMENT));                                      /* 41 */

    /* compact: handles stay valid, the record reports what moved. */
    tm_compact(r, &r_compact);
    CHECK(!r_compact.is_err && r_compact.val.ok.region == r);                         /* 42 */
    const tm_compact_result_t *c = &r_compact.val.ok;
    CHECK(c->touched_after <= c->touched_before &&
          c->bytes_reclaimed == c->touched_before - c->touched_after);                /* 43 */
    tm_read(b[0], 0, HELLO_LEN, &r_bytes);
    CHECK(!r_bytes.is_err && same(r_bytes.val.ok.ptr, HELLO, HELLO_LEN));             /* 44 */

    /* reset: every handle goes stale. */
    tm_reset(r, &r_unit);
    CHECK(unit_status() == 0);                                                        /* 45 */
    tm_size_of(h, &r_u64);
    CHECK(FAILED(r_u64, TM_STALE_HANDLE));                                            /* 46 */

    /* metrics after the failures: failures by kind add up. */
    tm_metrics(r, &r_metrics);
    CHECK(!r_metrics.is_err);                                                         /* 47 */
    const tm_region_metrics_t *m = &r_metrics.val.ok;
    CHECK(m->counters[M_RESETS] == 1 && m->counters[M_COMPACTIONS] == 1 && m->counters[M_LIVE_ALLOCATIONS] == 0); /* 48 */
    uint64_t sum = 0;
    for (size_t i = 0; i < m->failures.len; i++) {
        sum += m->failures.ptr[i].count;
    }
    CHECK(m->failures.len >= 2 && sum == m->counters[M_HANDLE_FAILURES]);             /* 49 */
    CHECK(failures_of(m, TM_STALE_HANDLE) >= 3 && failures_of(m, TM_OUT_OF_BOUNDS) >= 4); /* 50 */

    /* directory-metrics, residency. */
    tm_directory_metrics(&dir_metrics);
    CHECK(dir_metrics.counters[M_LIVE_REGIONS] >= 1 && dir_metrics.counters[M_ALLOCATIONS] >= 5); /* 51 */
    tm_residency(&r_residency);
    CHECK(!r_residency.is_some || r_residency.val.fields[0] > 0);                     /* 52 */

    /* destroy; the stale region afterwards. */
    tm_destroy_region(r, &r_unit);
    CHECK(unit_status() == 0);                                                        /* 53 */
    tm_describe(r, &r_info);
    CHECK(FAILED(r_info, TM_STALE_REGION));                                           /* 54 */
    tm_alloc(r, 8, &r_handle);
    CHECK(FAILED(r_handle, TM_STALE_REGION));                                         /* 55 */
    tm_destroy_region(r, &r_unit);
    CHECK(IS_ERR_UNIT(TM_STALE_REGION));                                              /* 56 */
    tm_free(b[0], &r_unit);
    CHECK(IS_ERR_UNIT(TM_STALE_REGION));                                              /* 57 */
    CHECK(tm_region_count() == count0);                                               /* 58 */

    /* A kind that is not pinnable and allocates pages; an empty name. */
    tm_create_region(TM_PAGE_STORE, 0, "", 0, &r_u32);
    CHECK(!r_u32.is_err);                                                             /* 59 */
    tm_region_t p = r_u32.val.ok;
    tm_describe(p, &r_info);
    CHECK(!r_info.is_err && str_is(r_info.val.ok.name, "PAGE_STORE") && r_info.val.ok.allocator == TM_PAGE &&
          r_info.val.ok.policy == TM_POLICY_SPILLABLE && r_info.val.ok.capacity == 1ull << 32); /* 60 */
    tm_pin(p, &r_unit);
    CHECK(IS_ERR_UNIT(TM_UNSUPPORTED));                                               /* 61 */
    tm_compact(p, &r_compact);
    CHECK(FAILED(r_compact, TM_UNSUPPORTED));                                         /* 62 */
    tm_alloc(p, 1 << 20, &r_handle);
    CHECK(FAILED(r_handle, TM_INVALID_ARGUMENT));                                     /* 63 */
    tm_alloc_batch(p, 64, (1u << 20) + 1, &r_handles);
    CHECK(FAILED(r_handles, TM_INVALID_ARGUMENT));                                    /* 64 */
    tm_destroy_region(p, &r_unit);
    CHECK(unit_status() == 0);                                                        /* 65 */

    /* Arguments no region or handle can have. */
    tm_create_region(TM_BLOB_ARENA, 8ull << 30, "too big", 7, &r_u32);
    CHECK(FAILED(r_u32, TM_INVALID_ARGUMENT));                                        /* 66 */
    tm_describe(0, &r_info);
    CHECK(FAILED(r_info, TM_NO_SUCH_REGION));                                         /* 67 */
    tm_describe(0x80000000u, &r_info);
    CHECK(FAILED(r_info, TM_ACCESS_DENIED));                                          /* 68 */
    tm_free(0, &r_unit);
    CHECK(IS_ERR_UNIT(TM_FORGED_HANDLE));                                             /* 69 */

    /* Leave one region for the host to inspect. */
    static const char KEPT[] = "kept by the typed guest";
    tm_create_region(TM_BLOB_ARENA, 1 << 16, "typed-kept", 10, &r_u32);
    CHECK(!r_u32.is_err);                                                             /* 70 */
    kept_region = r_u32.val.ok;
    tm_alloc(kept_region, sizeof KEPT - 1, &r_handle);
    CHECK(!r_handle.is_err);                                                          /* 71 */
    kept_handle = r_handle.val.ok.raw;
    tm_write(kept_handle, 0, (const uint8_t *)KEPT, sizeof KEPT - 1, &r_unit);
    CHECK(unit_status() == 0);                                                        /* 72 */

    /* Strings and lists came through cabi_realloc. */
    CHECK(realloc_calls > calls_before);                                              /* 73 */
    return 0;
}

EXPORT(typed_kept_region) int32_t typed_kept_region(void) { return (int32_t)kept_region; }
EXPORT(typed_kept_handle) int64_t typed_kept_handle(void) { return (int64_t)kept_handle; }
EXPORT(typed_realloc_calls) int32_t typed_realloc_calls(void) { return realloc_calls; }
EXPORT(typed_buffer) int32_t typed_buffer(void) { return (int32_t)(uintptr_t)buffer; }

/* ------------------------------------------------------- host-driven calls */

/* create-region named by buffer[0 .. name_len): the region, or an error code. */
EXPORT(typed_create_named) int64_t typed_create_named(int32_t kind, int64_t capacity, int32_t name_len) {
    heap_reset();
    if (name_len < 0 || (size_t)name_len > sizeof buffer) {
        return CODE(TM_INVALID_ARGUMENT);
    }
    tm_create_region(kind, (uint64_t)capacity, (const char *)buffer, (size_t)name_len, &r_u32);
    return r_u32.is_err ? CODE(r_u32.val.err) : (int64_t)r_u32.val.ok;
}

/* One field of describe(region), in WIT order (0 region, 1 name, 2 kind, ...
 * 14 spilled-bytes). Field 1 copies the name to the buffer and returns its
 * length. An error code on failure, -100 for a bad field. */
EXPORT(typed_describe_field) int64_t typed_describe_field(int32_t region, int32_t field) {
    heap_reset();
    tm_describe((tm_region_t)region, &r_info);
    if (r_info.is_err) {
        return CODE(r_info.val.err);
    }
    const tm_region_info_t *i = &r_info.val.ok;
    switch (field) {
    case 0: return i->region;
    case 1:
        if (i->name.len > sizeof buffer) {
            return -100;
        }
        for (size_t k = 0; k < i->name.len; k++) {
            buffer[k] = (uint8_t)i->name.ptr[k];
        }
        return (int64_t)i->name.len;
    case 2: return i->kind;
    case 3: return i->allocator;
    case 4: return i->tier;
    case 5: return i->policy;
    case 6: return i->read_only;
    case 7: return i->pin_count;
    case 8: return (int64_t)i->capacity;
    case 9: return (int64_t)i->live_allocations;
    case 10: return (int64_t)i->live_bytes;
    case 11: return (int64_t)i->used_bytes;
    case 12: return (int64_t)i->touched_bytes;
    case 13: return (int64_t)i->resident_bytes;
    case 14: return (int64_t)i->spilled_bytes;
    default: return -100;
    }
}

/* One field of metrics(region), or of directory-metrics() for region 0:
 * 0..15 the counters in WIT order, 16 the length of `failures`, 100 + c the
 * failures of error-code case c (0 if absent). An error code on failure,
 * -100 for a bad field. */
EXPORT(typed_metrics_field) int64_t typed_metrics_field(int32_t region, int32_t field) {
    heap_reset();
    const tm_region_metrics_t *m;
    if (region == 0) {
        tm_directory_metrics(&dir_metrics);
        m = &dir_metrics;
    } else {
        tm_metrics((tm_region_t)region, &r_metrics);
        if (r_metrics.is_err) {
            return CODE(r_metrics.val.err);
        }
        m = &r_metrics.val.ok;
    }
    if (field >= 0 && field < TM_METRICS_COUNTERS) {
        return (int64_t)m->counters[field];
    }
    if (field == 16) {
        return (int64_t)m->failures.len;
    }
    if (field >= 100 && field < 100 + TM_ERROR_CODES) {
        return (int64_t)failures_of(m, (uint8_t)(field - 100));
    }
    return -100;
}

/* One field of residency() (0..8 in WIT order), -1 when it is none. */
EXPORT(typed_residency_field) int64_t typed_residency_field(int32_t field) {
    heap_reset();
    tm_residency(&r_residency);
    if (!r_residency.is_some) {
        return -1;
    }
    return field >= 0 && field < TM_RESIDENCY_FIELDS ? (int64_t)r_residency.val.fields[field] : -100;
}

/* alloc: the handle, or an error code. */
EXPORT(typed_alloc) int64_t typed_alloc(int32_t region, int64_t size) {
    heap_reset();
    tm_alloc((tm_region_t)region, (uint64_t)size, &r_handle);
    return r_handle.is_err ? CODE(r_handle.val.err) : (int64_t)r_handle.val.ok.raw;
}

/* alloc-batch: the number of distinct non-null handles, or an error code. */
EXPORT(typed_alloc_batch) int64_t typed_alloc_batch(int32_t region, int64_t size, int32_t count) {
    heap_reset();
    tm_alloc_batch((tm_region_t)region, (uint64_t)size, (uint32_t)count, &r_handles);
    if (r_handles.is_err) {
        return CODE(r_handles.val.err);
    }
    int64_t n = 0;
    for (size_t i = 0; i < r_handles.val.ok.len; i++) {
        bool fresh = r_handles.val.ok.ptr[i].raw != 0;
        for (size_t j = 0; j < i && fresh; j++) {
            fresh = r_handles.val.ok.ptr[j].raw != r_handles.val.ok.ptr[i].raw;
        }
        n += fresh;
    }
    return n;
}

/* write of `len` <= 4096 bytes (i * 7 + seed) & 0xFF: 0 or an error code. */
EXPORT(typed_write_pattern) int32_t typed_write_pattern(int64_t handle, int64_t offset, int32_t len, int32_t seed) {
    heap_reset();
    if (len < 0 || (size_t)len > sizeof buffer) {
        return CODE(TM_INVALID_ARGUMENT);
    }
    for (int32_t i = 0; i < len; i++) {
        buffer[i] = (uint8_t)(i * 7 + seed);
    }
    tm_write((uint64_t)handle, (uint64_t)offset, buffer, (size_t)len, &r_unit);
    return unit_status();
}

/* read: the sum of the bytes read, or an error code. */
EXPORT(typed_read_sum) int64_t typed_read_sum(int64_t handle, int64_t offset, int32_t len) {
    heap_reset();
    tm_read((uint64_t)handle, (uint64_t)offset, (uint32_t)len, &r_bytes);
    if (r_bytes.is_err) {
        return CODE(r_bytes.val.err);
    }
    if (r_bytes.val.ok.len != (uint32_t)len) {
        return -100;
    }
    int64_t sum = 0;
    for (size_t i = 0; i < r_bytes.val.ok.len; i++) {
        sum += r_bytes.val.ok.ptr[i];
    }
    return sum;
}

/* One operation on a region or handle `arg`: 0 or an error code.
 *   0 describe  1 destroy-region  2 pin  3 unpin  4 reset  5 compact
 *   6 free  7 size-of  8 metrics  9 fill(arg, 0, 1, 0)  10 copy(arg, 0, arg, 0, 1) */
EXPORT(typed_op) int32_t typed_op(int32_t op, int64_t arg) {
    heap_reset();
    tm_region_t region = (tm_region_t)arg;
    uint64_t handle = (uint64_t)arg;
    switch (op) {
    case 0: tm_describe(region, &r_info); return r_info.is_err ? CODE(r_info.val.err) : 0;
    case 1: tm_destroy_region(region, &r_unit); return unit_status();
    case 2: tm_pin(region, &r_unit); return unit_status();
    case 3: tm_unpin(region, &r_unit); return unit_status();
    case 4: tm_reset(region, &r_unit); return unit_status();
    case 5: tm_compact(region, &r_compact); return r_compact.is_err ? CODE(r_compact.val.err) : 0;
    case 6: tm_free(handle, &r_unit); return unit_status();
    case 7: tm_size_of(handle, &r_u64); return r_u64.is_err ? CODE(r_u64.val.err) : 0;
    case 8: tm_metrics(region, &r_metrics); return r_metrics.is_err ? CODE(r_metrics.val.err) : 0;
    case 9: tm_fill(handle, 0, 1, 0, &r_unit); return unit_status();
    case 10: tm_copy(handle, 0, handle, 0, 1, &r_unit); return unit_status();
    default: return -100;
    }
}

/* last-error: its raw code, 0 for none. */
EXPORT(typed_last_error) int32_t typed_last_error(void) {
    heap_reset();
    tm_last_error(&r_error);
    return r_error.is_some ? CODE(r_error.val) : 0;
}

/* last-error-message copied to the buffer (truncated to 4096 bytes): its full length. */
EXPORT(typed_last_error_message) int32_t typed_last_error_message(void) {
    heap_reset();
    tm_last_error_message(&r_string);
    for (size_t i = 0; i < r_string.len && i < sizeof buffer; i++) {
        buffer[i] = (uint8_t)r_string.ptr[i];
    }
    return (int32_t)r_string.len;
}

/* list-regions: how many; and the region of entry i (-1 past the end). */
EXPORT(typed_list_count) int32_t typed_list_count(void) {
    heap_reset();
    tm_list_regions(&r_list);
    return (int32_t)r_list.len;
}
EXPORT(typed_list_ref) int32_t typed_list_ref(int32_t i) {
    heap_reset();
    tm_list_regions(&r_list);
    return i >= 0 && (size_t)i < r_list.len ? (int32_t)r_list.ptr[i].region : -1;
}

EXPORT(typed_region_count) int32_t typed_region_count(void) { return (int32_t)tm_region_count(); }

/* A canonical-ABI violation the host must trap on (none of these returns):
 *   0 create-region with enum discriminant 99
 *   1 a misaligned return area (describe needs 8-byte alignment)
 *   2 a return area past the end of memory
 *   3 a region name that is not UTF-8
 *   4 a write whose list<u8> reaches past the end of memory */
EXPORT(typed_trap) int32_t typed_trap(int32_t kind) {
    heap_reset();
    static const uint8_t NOT_UTF8[] = {0x66, 0xff, 0xfe, 0x6f};
    uint8_t *end_of_memory = (uint8_t *)(__builtin_wasm_memory_size(0) * 65536);
    switch (kind) {
    case 0: tm_create_region(99, 0, "x", 1, &r_u32); break;
    case 1: tm_describe(kept_region, (tm_result_info_t *)(buffer + 4)); break;
    case 2: tm_describe(kept_region, (tm_result_info_t *)(end_of_memory - 8)); break;
    case 3: tm_create_region(TM_SCRATCH, 0, (const char *)NOT_UTF8, sizeof NOT_UTF8, &r_u32); break;
    case 4: tm_write(kept_handle, 0, end_of_memory - 4, 8, &r_unit); break;
    default: return -100;
    }
    return 0;
}
