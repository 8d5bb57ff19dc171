/*
 * list_sum.c - example guest: linked lists and allocation micro-benchmarks on
 * the raw fast path. wasm32-unknown-unknown, no libc, imports only `tvm`.
 *
 * Allocation modes (the `mode` argument everywhere):
 *   0  ALLOC  one tvm_alloc per object
 *   1  BATCH  tvm_alloc_batch, 256 objects per host call
 *   2  LEASE  one tvm_lease for everything, sub-allocated in the guest with
 *             tvm_lease_alloc (8-aligned bump)
 *
 * Result conventions (so a Java test can compare with its own computation):
 *   - error results are small negative numbers: a tvm error code (-1..-15,
 *     tvm.h enum tvm_error) or LS_E_ARG (-1, INVALID_ARGUMENT) for a bad
 *     argument caught by the guest itself;
 *   - loads and stores trap on host errors, so a bad handle passed to
 *     sum_list traps rather than returning a code.
 *
 * Linked list layout: node = { int64 value @0, int64 next @8 } (16 bytes).
 * Node i (i = 0 is the head) holds value i, so sum_list returns n(n-1)/2.
 *   mode 0/1: each node is its own allocation; `next` is the next node's
 *             handle, 0 after the last node; build_list returns the head
 *             node's handle (0 for n == 0).
 *   mode 2:   all nodes live in one lease; node i is at offset 16*i; `next`
 *             is the next node's offset inside the lease, -1 after the last
 *             node; build_list returns the lease handle (the head is at
 *             offset 0; for n == 0 it returns 0 and takes no lease).
 * A head handle is a full 64-bit handle and may be negative as a signed
 * value; it can only fall in [-15, -1] for region id 65535 with region
 * generation 4095 (tests never get there), so "-15 <= r < 0" means error.
 */
#include "tvm.h"

#define EXPORT(name) __attribute__((export_name(#name)))

#define NODE_SIZE 16
#define BATCH 256
#define MAX_BULK 65536
#define LS_E_ARG TVM_E_INVALID_ARGUMENT

enum { MODE_ALLOC = 0, MODE_BATCH = 1, MODE_LEASE = 2 };

static tvm_handle_t batch[BATCH];
static uint8_t bulk[MAX_BULK] __attribute__((aligned(16)));

/* ------------------------------------------------------------------ lists */

/* Builds the list n-1 .. 0 back to front so each node's `next` is known when
 * it is written: two stores per node, no read-modify-write. */
/* Frees a partially built chain (on failure), keeping the error to report. */
static int64_t abandon(tvm_handle_t node, int64_t error) {
    while (node != 0) {
        tvm_handle_t next = tvm_get_handle(node, 8);
        tvm_free(node);
        node = next;
    }
    return error;
}

static int64_t build_alloc(tvm_region_t region, int32_t n) {
    tvm_handle_t next = 0;
    for (int32_t i = n - 1; i >= 0; i--) {
        tvm_handle_t node = tvm_alloc(region, NODE_SIZE);
        if (node == 0) {
            return abandon(next, tvm_handle_error());
        }
        tvm_put_i64(node, 0, i);
        tvm_put_handle(node, 8, next);
        next = node;
    }
    return (int64_t)next;
}

static int64_t build_batch(tvm_region_t region, int32_t n) {
    tvm_handle_t next = 0;
    int32_t i = n; /* nodes [i, n) are built */
    while (i > 0) {
        int32_t count = i < BATCH ? i : BATCH;
        tvm_status_t s = tvm_alloc_batch(region, NODE_SIZE, count, batch);
        if (s < 0) {
            return abandon(next, s); /* alloc_batch is all or nothing */
        }
        /* batch[j] becomes node i - count + j */
        for (int32_t j = count - 1; j >= 0; j--) {
            tvm_put_i64(batch[j], 0, i - count + j);
            tvm_put_handle(batch[j], 8, next);
            next = batch[j];
        }
        i -= count;
    }
    return (int64_t)next;
}

static int64_t build_lease(tvm_region_t region, int32_t n) {
    if (n == 0) {
        return 0;
    }
    tvm_lease_t lease;
    tvm_status_t s = tvm_lease_init(&lease, region, (int64_t)n * NODE_SIZE);
    if (s < 0) {
        return s;
    }
    /* Node i is written once node i + 1's offset is known: two stores per node. */
    int64_t prev = tvm_lease_alloc(&lease, NODE_SIZE); /* node 0, offset 0 */
    for (int32_t i = 1; i <= n; i++) {
        int64_t off = i < n ? tvm_lease_alloc(&lease, NODE_SIZE) : -1; /* 16 * i */
        if (i < n && off < 0) {
            tvm_lease_release(&lease);
            return LS_E_ARG; /* cannot happen: the lease is exactly n nodes */
        }
        tvm_put_i64(lease.handle, prev, i - 1);
        tvm_put_i64(lease.handle, prev + 8, off);
        prev = off;
    }
    return (int64_t)lease.handle;
}

/* Builds a list of n >= 0 nodes with values 0..n-1 in `region` using `mode`.
 * Returns the head (see the file comment) or a negative error. */
EXPORT(build_list) int64_t build_list(int32_t region, int32_t n, int32_t mode) {
    if (n < 0) {
        return LS_E_ARG;
    }
    switch (mode) {
    case MODE_ALLOC: return build_alloc(region, n);
    case MODE_BATCH: return build_batch(region, n);
    case MODE_LEASE: return build_lease(region, n);
    default: return LS_E_ARG;
    }
}

/* Walks the list returned by build_list(.., mode) and returns the sum of its
 * values: n(n-1)/2 for a list of n nodes. Every node costs two load_i64
 * calls. -1 for an unknown mode; traps if a handle is stale or foreign. */
EXPORT(sum_list) int64_t sum_list(int64_t head, int32_t mode) {
    int64_t sum = 0;
    if (mode == MODE_ALLOC || mode == MODE_BATCH) {
        for (tvm_handle_t node = (tvm_handle_t)head; node != 0; node = tvm_get_handle(node, 8)) {
            sum += tvm_get_i64(node, 0);
        }
        return sum;
    }
    if (mode == MODE_LEASE) {
        if (head == 0) {
            return 0;
        }
        for (int64_t off = 0; off >= 0; off = tvm_get_i64((tvm_handle_t)head, off + 8)) {
            sum += tvm_get_i64((tvm_handle_t)head, off);
        }
        return sum;
    }
    return LS_E_ARG;
}

/* Number of nodes of the list (same walk as sum_list, values ignored). */
EXPORT(list_length) int64_t list_length(int64_t head, int32_t mode) {
    int64_t n = 0;
    if (mode == MODE_ALLOC || mode == MODE_BATCH) {
        for (tvm_handle_t node = (tvm_handle_t)head; node != 0; node = tvm_get_handle(node, 8)) {
            n++;
        }
        return n;
    }
    if (mode == MODE_LEASE) {
        if (head == 0) {
            return 0;
        }
        for (int64_t off = 0; off >= 0; off = tvm_get_i64((tvm_handle_t)head, off + 8)) {
            n++;
        }
        return n;
    }
    return LS_E_ARG;
}

/* Frees the list: every node for mode 0/1, the lease for mode 2. Returns the
 * number of host frees (n for mode 0/1, 1 for mode 2, 0 for an empty list)
 * or a negative error. Afterwards every node handle is stale (-4). */
EXPORT(free_list) int64_t free_list(int64_t head, int32_t mode) {
    if (mode == MODE_ALLOC || mode == MODE_BATCH) {
        int64_t freed = 0;
        tvm_handle_t node = (tvm_handle_t)head;
        while (node != 0) {
            tvm_handle_t next = tvm_get_handle(node, 8);
            tvm_status_t s = tvm_free(node);
            if (s < 0) {
                return s;
            }
            freed++;
            node = next;
        }
        return freed;
    }
    if (mode == MODE_LEASE) {
        if (head == 0) {
            return 0;
        }
        tvm_status_t s = tvm_free((tvm_handle_t)head);
        return s < 0 ? s : 1;
    }
    return LS_E_ARG;
}

/* ------------------------------------------------------------ benchmarks */

/* Allocates n >= 0 objects of `size` > 0 bytes in `region` with `mode` and
 * keeps none of the handles (free them with tvm_reset on the region).
 * Returns n, or a negative error (mode 1 is all-or-nothing per batch of 256,
 * so on failure up to n - 1 objects may already exist).
 *   mode 0: n alloc calls
 *   mode 1: ceil(n / 256) alloc_batch calls
 *   mode 2: 1 lease call of n * round_up(size, 8) bytes, then n guest-side
 *           tvm_lease_alloc bumps (no host call per object). */
EXPORT(alloc_objects) int64_t alloc_objects(int32_t region, int32_t n, int32_t mode, int64_t size) {
    if (n < 0 || size <= 0) {
        return LS_E_ARG;
    }
    switch (mode) {
    case MODE_ALLOC:
        for (int32_t i = 0; i < n; i++) {
            if (tvm_alloc(region, size) == 0) {
                return tvm_handle_error();
            }
        }
        return n;
    case MODE_BATCH:
        for (int32_t i = 0; i < n; i += BATCH) {
            int32_t count = n - i < BATCH ? n - i : BATCH;
            tvm_status_t s = tvm_alloc_batch(region, size, count, batch);
            if (s < 0) {
                return s;
            }
        }
        return n;
    case MODE_LEASE: {
        if (n == 0) {
            return 0;
        }
        int64_t slot = (size + 7) & ~(int64_t)7;
        if (slot <= 0 || slot > INT64_MAX / n) {
            return LS_E_ARG;
        }
        tvm_lease_t lease;
        tvm_status_t s = tvm_lease_init(&lease, region, slot * n);
        if (s < 0) {
            return s;
        }
        /* The last offset proves all n fit: n * slot - slot. */
        int64_t last = -1;
        for (int32_t i = 0; i < n; i++) {
            last = tvm_lease_alloc(&lease, size);
            if (last < 0) {
                return LS_E_ARG;
            }
        }
        return last == slot * (n - 1) ? n : LS_E_ARG;
    }
    default:
        return LS_E_ARG;
    }
}

/* Reads `len` (0..65536) bytes at offset 0 of `handle` into a static guest
 * buffer `reps` >= 1 times. Returns the unsigned byte sum of the last read
 * (0 .. 255 * 65536, so never negative) or a negative error. For a buffer
 * filled with tvm_fill(h, 0, len, v) the result is len * (v & 0xFF). */
EXPORT(bulk_read) int32_t bulk_read(int64_t handle, int32_t len, int32_t reps) {
    if (len < 0 || len > MAX_BULK || reps < 1) {
        return LS_E_ARG;
    }
    for (int32_t r = 0; r < reps; r++) {
        tvm_status_t s = tvm_read((tvm_handle_t)handle, 0, bulk, len);
        if (s < 0) {
            return s;
        }
    }
    uint32_t sum = 0;
    for (int32_t i = 0; i < len; i++) {
        sum += bulk[i];
    }
    return (int32_t)sum;
}

/* Writes `len` (0..65536) bytes at offset 0 of `handle` from a static guest
 * buffer `reps` >= 1 times; byte i of the buffer is (i * 7 + seed) & 0xFF.
 * Returns the unsigned byte sum of the buffer, or a negative error, so
 * bulk_write(h, len, 1, seed) == bulk_read(h, len, 1). */
EXPORT(bulk_write) int32_t bulk_write(int64_t handle, int32_t len, int32_t reps, int32_t seed) {
    if (len < 0 || len > MAX_BULK || reps < 1) {
        return LS_E_ARG;
    }
    uint32_t sum = 0;
    for (int32_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)(i * 7 + seed);
        bulk[i] = b;
        sum += b;
    }
    for (int32_t r = 0; r < reps; r++) {
        tvm_status_t s = tvm_write((tvm_handle_t)handle, 0, bulk, len);
        if (s < 0) {
            return s;
        }
    }
    return (int32_t)sum;
}
