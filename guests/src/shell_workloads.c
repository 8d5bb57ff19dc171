/*
 * shell_workloads.c - a guest for the guest-side model: written against
 * tvm_shell.h, compiled with clang for wasm32 (no libc), then linked with a
 * generated shell by `./tvm link --pools 4`. Every workload is deterministic
 * (xorshift from a seed) and returns a non-negative checksum, or a negative
 * error code (a tvm_error, or -1000.. for a failed self-check), so one linked
 * module can be run in Chicory, Node and Chromium and the results compared.
 *
 *   wl_setup(pools, mib)          one FREE_LIST region of `mib` MiB per pool
 *   wl_list_walk(n, seed)         n nodes spread over the pools, linked in a
 *                                 shuffled order, walked and freed
 *   wl_columnar(rows, seed)       key/price/qty columns in pools 0/1/2, filled
 *                                 through copy_in, filtered and summed
 *   wl_alloc_loop(iters, seed)    random alloc/verify/free in pool 3's region
 *   wl_big(pools, mib, seed)      a BUMP region of `mib` MiB in each pool, every
 *                                 64 KiB page stamped and verified: a working
 *                                 set of pools * mib MiB (beyond 4 GiB if asked)
 */
#include "tvm_shell.h"

TVM_SHELL_POOL(0)
TVM_SHELL_POOL(2)

#define EXPORT(name) __attribute__((export_name(#name)))
#define MAX_POOLS 4
#define MAX_NODES 65536
#define CHUNK 4096
#define CHECKSUM(x) ((int64_t)((uint64_t)(x) & 0x3fffffffffffffffull)) /* >= 0; errors are < 0 */
#define MAX_LIVE 2048 /* below the shell's 4096 handle slots per region */

static tvm_region_t heaps[MAX_POOLS];
static int32_t heap_count;
static uint64_t rng;
static tvm_handle_t nodes[MAX_NODES];
static uint32_t order[MAX_NODES];
static uint8_t buffer[CHUNK * 8];

static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void seed(int64_t s) {
    rng = (uint64_t)s * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    if (rng == 0) {
        rng = 1;
    }
}

EXPORT(wl_setup) int32_t wl_setup(int32_t pools, int32_t mib) {
    if (pools < 1 || pools > MAX_POOLS || pools > tvm_shell_pool_count()) {
        return TVM_E_INVALID_ARGUMENT;
    }
    for (int32_t p = 0; p < pools; p++) {
        tvm_region_t r = tvm_shell_region_create(p, TVM_SHELL_FREE_LIST, (uint32_t)mib << 20);
        if (r < 0) {
            return r;
        }
        heaps[p] = r;
    }
    heap_count = pools;
    return pools;
}

/* Node: [next handle i64 @0, value i64 @8]. */
EXPORT(wl_list_walk) int64_t wl_list_walk(int32_t n, int64_t s) {
    if (n < 1 || n > MAX_NODES || heap_count == 0) {
        return TVM_E_INVALID_ARGUMENT;
    }
    seed(s);
    int64_t expected = 0;
    for (int32_t i = 0; i < n; i++) {
        tvm_handle_t h = tvm_shell_alloc(heaps[i % heap_count], 16);
        if (h == 0) {
            return tvm_shell_last_error();
        }
        int64_t v = (int64_t)(next() >> 16);
        tvm_shell_store_i64(h, 8, v);
        expected += v;
        nodes[i] = h;
        order[i] = (uint32_t)i;
    }
    for (int32_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
        uint32_t j = (uint32_t)(next() % (uint64_t)(i + 1));
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int32_t i = 0; i + 1 < n; i++) {
        tvm_shell_store_i64(nodes[order[i]], 0, (int64_t)nodes[order[i + 1]]);
    }
    int64_t sum = 0;
    int64_t count = 0;
    int64_t weighted = 0;
    for (tvm_handle_t h = nodes[order[0]]; h != 0; h = (tvm_handle_t)tvm_shell_load_i64(h, 0)) {
        int64_t v = tvm_shell_load_i64(h, 8);
        sum += v;
        weighted = weighted * 31 + v;
        count++;
    }
    for (int32_t i = 0; i < n; i++) {
        if (tvm_shell_free(nodes[i]) != 0) {
            return tvm_shell_last_error();
        }
    }
    if (sum != expected || count != n) {
        return -1000;
    }
    return CHECKSUM(weighted ^ count);
}

/* Columns: key i32 in pool 0, price f64 in pool 1, qty i64 in pool 2. */
EXPORT(wl_columnar) int64_t wl_columnar(int32_t rows, int64_t s) {
    if (rows < 1 || heap_count < 3) {
        return TVM_E_INVALID_ARGUMENT;
    }
    seed(s);
    tvm_handle_t key = tvm_shell_alloc(heaps[0], (uint64_t)rows * 4);
    tvm_handle_t price = tvm_shell_alloc(heaps[1], (uint64_t)rows * 8);
    tvm_handle_t qty = tvm_shell_alloc(heaps[2], (uint64_t)rows * 8);
    if (key == 0 || price == 0 || qty == 0) {
        return tvm_shell_last_error();
    }
    /* fill each column chunk by chunk: generate in guest memory, copy_in */
    for (int32_t col = 0; col < 3; col++) {
        uint32_t width = col == 0 ? 4 : 8;
        tvm_handle_t h = col == 0 ? key : col == 1 ? price : qty;
        for (int32_t row = 0; row < rows; row += CHUNK) {
            int32_t m = rows - row < CHUNK ? rows - row : CHUNK;
            for (int32_t i = 0; i < m; i++) {
                uint64_t r = next();
                if (col == 0) {
                    ((int32_t *)buffer)[i] = (int32_t)(r % 1000);
                } else if (col == 1) {
                    ((double *)buffer)[i] = (double)(r % 100000) / 100.0;
                } else {
                    ((int64_t *)buffer)[i] = (int64_t)(r % 50) + 1;
                }
            }
            tvm_status_t st = tvm_shell_copy_in(h, (uint64_t)row * width, buffer, (uint64_t)m * width);
            if (st != 0) {
                return st;
            }
        }
    }
    /* the last chunk of qty comes back out unchanged */
    int32_t tail = rows < CHUNK ? rows : CHUNK;
    tvm_status_t st = tvm_shell_copy_out(buffer, qty, (uint64_t)(rows - tail) * 8, (uint64_t)tail * 8);
    if (st != 0) {
        return st;
    }
    for (int32_t i = 0; i < tail; i++) {
        if (((int64_t *)buffer)[i] != tvm_shell_load_i64_p2(qty, (uint64_t)(rows - tail + i) * 8)) {
            return -1001;
        }
    }
    int64_t matches = 0;
    int64_t units = 0;
    double revenue = 0;
    for (int32_t i = 0; i < rows; i++) {
        int32_t k = tvm_shell_load_i32_p0(key, (uint64_t)i * 4);
        if (k % 7 == 3) {
            int64_t q = tvm_shell_load_i64_p2(qty, (uint64_t)i * 8);
            matches++;
            units += q;
            revenue += tvm_shell_load_f64(price, (uint64_t)i * 8) * (double)q;
        }
    }
    tvm_shell_free(key);
    tvm_shell_free(price);
    tvm_shell_free(qty);
    return CHECKSUM(matches * 1000003 + units * 7919 + (int64_t)revenue);
}

/* Random allocations of 16..1024 bytes in the last pool's region, each stamped
 * at both ends; frees verify the stamps first. */
EXPORT(wl_alloc_loop) int64_t wl_alloc_loop(int32_t iters, int64_t s) {
    if (iters < 1 || heap_count == 0) {
        return TVM_E_INVALID_ARGUMENT;
    }
    seed(s);
    tvm_region_t region = heaps[heap_count - 1];
    int32_t live = 0;
    int64_t check = 0;
    for (int32_t i = 0; i < iters; i++) {
        uint64_t r = next();
        if (live > 0 && (live >= MAX_LIVE || (r & 1) == 0)) {
            uint32_t k = (uint32_t)((r >> 8) % (uint64_t)live);
            tvm_handle_t h = nodes[k];
            int64_t size = tvm_shell_size_of(h);
            int64_t a = tvm_shell_load_i64(h, 0);
            int64_t b = tvm_shell_load_i64(h, (uint64_t)size - 8);
            if (a != (int64_t)h || b != ~(int64_t)h) {
                return -1002;
            }
            check = check * 31 + size;
            if (tvm_shell_free(h) != 0) {
                return tvm_shell_last_error();
            }
            nodes[k] = nodes[--live];
        } else {
            uint64_t size = 16 + ((r >> 20) % 127) * 8;
            tvm_handle_t h = tvm_shell_alloc(region, size);
            if (h == 0) {
                return tvm_shell_last_error();
            }
            tvm_shell_store_i64(h, 0, (int64_t)h);
            tvm_shell_store_i64(h, size - 8, ~(int64_t)h);
            nodes[live++] = h;
        }
    }
    int64_t stats = tvm_shell_region_stat(region, TVM_SHELL_STAT_LIVE_ALLOCATIONS);
    if (stats != live) {
        return -1003;
    }
    while (live > 0) {
        tvm_shell_free(nodes[--live]);
    }
    return CHECKSUM(check ^ (stats << 40) ^ tvm_shell_region_stat(region, TVM_SHELL_STAT_ALLOCATIONS));
}

static int64_t stamp(int32_t pool, uint32_t page, uint64_t salt) {
    uint64_t x = ((uint64_t)pool << 32 | page) ^ salt;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (int64_t)x;
}

/* Returns the number of 64 KiB pages verified (pools * mib * 16), or an
 * error/mismatch code (< 0). */
EXPORT(wl_big) int64_t wl_big(int32_t pools, int32_t mib, int64_t s) {
    if (pools < 1 || pools > MAX_POOLS || mib < 1 || mib > 4095) {
        return TVM_E_INVALID_ARGUMENT;
    }
    uint64_t salt = (uint64_t)s;
    uint32_t pages = (uint32_t)mib * 16;
    tvm_handle_t blocks[MAX_POOLS];
    for (int32_t p = 0; p < pools; p++) {
        uint32_t bytes = (uint32_t)mib << 20;
        tvm_region_t r = tvm_shell_region_create(p, TVM_SHELL_BUMP, bytes);
        if (r < 0) {
            return r;
        }
        blocks[p] = tvm_shell_alloc(r, bytes);
        if (blocks[p] == 0) {
            return tvm_shell_last_error();
        }
        tvm_status_t st = tvm_shell_fill(blocks[p], 0, bytes, 0xA0 + p); /* touches every byte */
        if (st != 0) {
            return st;
        }
        for (uint32_t page = 0; page < pages; page++) {
            int64_t v = stamp(p, page, salt);
            uint64_t at = (uint64_t)page * 65536 + ((uint64_t)v & 0xfff8);
            tvm_shell_store_i64(blocks[p], at, v);
        }
    }
    int64_t verified = 0;
    for (int32_t p = 0; p < pools; p++) {
        int32_t fill = (0xA0 + p) * 0x01010101;
        for (uint32_t page = 0; page < pages; page++) {
            int64_t v = stamp(p, page, salt);
            uint64_t at = (uint64_t)page * 65536 + ((uint64_t)v & 0xfff8);
            if (tvm_shell_load_i64(blocks[p], at) != v) {
                return -1004;
            }
            uint64_t other = (uint64_t)page * 65536 + (((uint64_t)v & 0xfff8) ^ 0x8000);
            if (tvm_shell_load_i32(blocks[p], other) != fill) {
                return -1005;
            }
            verified++;
        }
    }
    return verified;
}
