/*
 * demo.c - the guest bundled with `./tvm demo` (wasm32-unknown-unknown, no
 * libc, imports only `tvm`). The host CLI drives it through this protocol:
 *
 *   int32_t demo_init(int32_t regions, int64_t bytes_per_region)
 *       Creates `regions` (1..16) regions, region i of kind
 *       KINDS[i % 6] = BLOB_ARENA, PAGE_STORE, HOT_HEAP, OBJECT_ARENA,
 *       SCRATCH, DEVICE_STATE, each with capacity 0 (= 4 GiB) and the kind's
 *       default allocator. Each region holds bytes_per_region / 65536 blocks
 *       of 64 KiB; bytes_per_region must be a positive multiple of 65536 and
 *       at most 4 GiB (65536 blocks), else -1. Calling it again first
 *       destroys the previous regions. Returns 0 or a negative error (a tvm
 *       error code; -15 NO_MEMORY if guest memory cannot grow for the block
 *       table). On failure no region is left behind.
 *   int32_t demo_region_ref(int32_t index)
 *       The region reference of region `index` (> 0), or -1 if there is no
 *       such region.
 *   int64_t demo_fill(int32_t index, int32_t first_block, int32_t blocks)
 *       Allocates blocks [first_block, first_block + blocks) of region
 *       `index` (64 KiB each; OBJECT_ARENA regions take them all in one
 *       alloc_batch call, the other kinds one alloc per block), generates
 *       each block's pattern and writes it with one `write` call. A block
 *       that is already allocated is rewritten in place, not reallocated.
 *       Returns the bytes written (blocks * 65536), -1 for a bad index or
 *       range, or the host's negative error code.
 *   int64_t demo_verify(int32_t index, int32_t first_block, int32_t blocks)
 *       Reads each block back with one `read` call and compares it, as u64
 *       words, with the regenerated pattern. Returns the bytes verified
 *       (blocks * 65536), -1 for a bad index or range, the host's negative
 *       error code (e.g. -5 FORGED_HANDLE for a block never filled: its
 *       handle is 0), or DEMO_MISMATCH (-1000) at the first block that
 *       differs, which is then reported by demo_bad_region/demo_bad_block.
 *   int32_t demo_bad_block(void)
 *       Block number (within its region) of the last mismatch, -1 if none.
 *       Cleared at the start of every demo_verify call.
 *   int32_t demo_destroy(void)
 *       Destroys every region. Returns 0 or the first negative error (it
 *       still tries the others and forgets them all).
 *
 * Extra read-only queries: demo_bad_region() (region index of the last
 * mismatch or -1), demo_region_count(), demo_blocks() (blocks per region),
 * demo_region_kind(index) (tvm kind ordinal or -1), and
 * demo_block_handle(index, block) (the block's handle, 0 if unallocated or
 * out of range).
 *
 * Pattern (so the host can regenerate it too): block b of region index i is
 * 8192 little-endian u64 words w[0..8191]:
 *     x = splitmix64(((uint64_t)i << 40) | b)   (if x == 0: x = 0x9E3779B97F4A7C15)
 *     for k in 0..8191: x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
 *                       w[k] = x * 0x2545F4914F6CDD1D       (xorshift64*)
 * with splitmix64(z) = { z += 0x9E3779B97F4A7C15;
 *                        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
 *                        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
 *                        return z ^ (z >> 31); }
 *
 * Guest memory: one static 64 KiB block buffer plus a handle table of
 * regions * blocks u64s placed at __heap_base; memory grows as needed
 * (at most 16 * 65536 * 8 = 8 MiB of table).
 */
#include "tvm.h"

#define EXPORT(name) __attribute__((export_name(#name)))

#define BLOCK_SIZE 65536
#define BLOCK_WORDS (BLOCK_SIZE / 8)
#define MAX_REGIONS 16
#define MAX_BLOCKS 65536 /* 4 GiB / 64 KiB: the default capacity */
#define NKINDS 6
#define DEMO_MISMATCH (-1000)
#define DEMO_E_ARG TVM_E_INVALID_ARGUMENT
#define BATCH 256

static const int32_t KINDS[NKINDS] = {
    TVM_KIND_BLOB_ARENA, TVM_KIND_PAGE_STORE, TVM_KIND_HOT_HEAP,
    TVM_KIND_OBJECT_ARENA, TVM_KIND_SCRATCH, TVM_KIND_DEVICE_STATE,
};

extern unsigned char __heap_base; /* provided by wasm-ld */

static tvm_region_t refs[MAX_REGIONS];
static int32_t region_count;
static int32_t blocks_per_region;
static tvm_handle_t *table; /* region r, block b at table[r * blocks_per_region + b] */
static int32_t bad_region = -1;
static int32_t bad_block = -1;
static tvm_handle_t batch[BATCH];
static uint64_t buffer[BLOCK_WORDS] __attribute__((aligned(16)));

/* ---------------------------------------------------------------- pattern */

#define GOLDEN 0x9E3779B97F4A7C15ULL
#define XS_MUL 0x2545F4914F6CDD1DULL

static inline uint64_t splitmix64(uint64_t z) {
    z += GOLDEN;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t seed_of(int32_t index, int32_t block) {
    uint64_t x = splitmix64(((uint64_t)(uint32_t)index << 40) | (uint32_t)block);
    return x != 0 ? x : GOLDEN;
}

static void generate(uint64_t *restrict out, int32_t index, int32_t block) {
    uint64_t x = seed_of(index, block);
    for (int32_t k = 0; k < BLOCK_WORDS; k++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out[k] = x * XS_MUL;
    }
}

/* 0 if `in` holds the block's pattern; no branch in the loop. */
static uint64_t compare(const uint64_t *restrict in, int32_t index, int32_t block) {
    uint64_t x = seed_of(index, block);
    uint64_t diff = 0;
    for (int32_t k = 0; k < BLOCK_WORDS; k++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        diff |= in[k] ^ (x * XS_MUL);
    }
    return diff;
}

/* ---------------------------------------------------------------- helpers */

static int valid_range(int32_t index, int32_t first_block, int32_t blocks) {
    return index >= 0 && index < region_count && first_block >= 0 && blocks >= 0
           && (int64_t)first_block + blocks <= blocks_per_region;
}

static tvm_handle_t *slots_of(int32_t index) {
    return table + (size_t)index * (size_t)blocks_per_region;
}

/* Makes sure memory covers [0, end); 0 or TVM_E_NO_MEMORY. */
static int32_t ensure_memory(uint64_t end) {
    uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * 65536u;
    if (end <= have) {
        return 0;
    }
    if (end > 0xFFFFFFFFull) {
        return TVM_E_NO_MEMORY;
    }
    uint64_t pages = (end - have + 65535u) / 65536u;
    return __builtin_wasm_memory_grow(0, (size_t)pages) == (size_t)-1 ? TVM_E_NO_MEMORY : 0;
}

/* Allocates the unallocated blocks of [first, first + blocks) in one
 * alloc_batch call when the whole range is fresh (the handles land directly
 * in the table), else in batches of up to 256. 0 or a negative error. */
static int32_t allocate_batched(int32_t index, int32_t first, int32_t blocks) {
    tvm_handle_t *slots = slots_of(index) + first;
    int32_t missing = 0;
    for (int32_t b = 0; b < blocks; b++) {
        missing += slots[b] == 0;
    }
    if (missing == 0) {
        return 0;
    }
    if (missing == blocks) {
        tvm_status_t s = tvm_alloc_batch(refs[index], BLOCK_SIZE, blocks, slots);
        return s < 0 ? s : 0;
    }
    int32_t b = 0;
    while (missing > 0) {
        int32_t count = missing < BATCH ? missing : BATCH;
        tvm_status_t s = tvm_alloc_batch(refs[index], BLOCK_SIZE, count, batch);
        if (s < 0) {
            return s;
        }
        for (int32_t j = 0; j < count; b++) {
            if (slots[b] == 0) {
                slots[b] = batch[j++];
            }
        }
        missing -= count;
    }
    return 0;
}

/* ---------------------------------------------------------------- exports */

EXPORT(demo_destroy) int32_t demo_destroy(void) {
    int32_t first_error = 0;
    for (int32_t i = 0; i < region_count; i++) {
        tvm_status_t s = tvm_region_destroy(refs[i]);
        if (s < 0 && first_error == 0) {
            first_error = s;
        }
        refs[i] = 0;
    }
    region_count = 0;
    return first_error;
}

EXPORT(demo_init) int32_t demo_init(int32_t regions, int64_t bytes_per_region) {
    if (region_count > 0) {
        demo_destroy();
    }
    bad_region = -1;
    bad_block = -1;
    if (regions < 1 || regions > MAX_REGIONS || bytes_per_region <= 0
        || bytes_per_region % BLOCK_SIZE != 0 || bytes_per_region / BLOCK_SIZE > MAX_BLOCKS) {
        return DEMO_E_ARG;
    }
    int32_t blocks = (int32_t)(bytes_per_region / BLOCK_SIZE);
    uintptr_t base = ((uintptr_t)&__heap_base + 15u) & ~(uintptr_t)15u;
    uint64_t entries = (uint64_t)regions * (uint64_t)blocks;
    int32_t grown = ensure_memory((uint64_t)base + entries * sizeof(tvm_handle_t));
    if (grown < 0) {
        return grown;
    }
    table = (tvm_handle_t *)base;
    for (uint64_t e = 0; e < entries; e++) { /* may hold a previous run's handles */
        table[e] = 0;
    }
    blocks_per_region = blocks;
    for (int32_t i = 0; i < regions; i++) {
        tvm_region_t r = tvm_region_create(KINDS[i % NKINDS], TVM_CAPACITY_DEFAULT, TVM_ALLOCATOR_DEFAULT | TVM_FLAG_SPILLABLE);
        if (r <= 0) {
            demo_destroy();
            return r < 0 ? r : DEMO_E_ARG;
        }
        refs[i] = r;
        region_count = i + 1;
    }
    return 0;
}

EXPORT(demo_region_ref) int32_t demo_region_ref(int32_t index) {
    return index >= 0 && index < region_count ? refs[index] : DEMO_E_ARG;
}

EXPORT(demo_region_count) int32_t demo_region_count(void) { return region_count; }

EXPORT(demo_blocks) int32_t demo_blocks(void) { return region_count > 0 ? blocks_per_region : 0; }

EXPORT(demo_region_kind) int32_t demo_region_kind(int32_t index) {
    return index >= 0 && index < region_count ? KINDS[index % NKINDS] : DEMO_E_ARG;
}

EXPORT(demo_block_handle) int64_t demo_block_handle(int32_t index, int32_t block) {
    return valid_range(index, block, 1) ? (int64_t)slots_of(index)[block] : 0;
}

EXPORT(demo_fill) int64_t demo_fill(int32_t index, int32_t first_block, int32_t blocks) {
    if (!valid_range(index, first_block, blocks)) {
        return DEMO_E_ARG;
    }
    tvm_handle_t *slots = slots_of(index);
    if (KINDS[index % NKINDS] == TVM_KIND_OBJECT_ARENA) {
        int32_t s = allocate_batched(index, first_block, blocks);
        if (s < 0) {
            return s;
        }
    }
    for (int32_t b = first_block; b < first_block + blocks; b++) {
        if (slots[b] == 0) {
            tvm_handle_t h = tvm_alloc(refs[index], BLOCK_SIZE);
            if (h == 0) {
                return tvm_handle_error();
            }
            slots[b] = h;
        }
        generate(buffer, index, b);
        tvm_status_t s = tvm_write(slots[b], 0, buffer, BLOCK_SIZE);
        if (s < 0) {
            return s;
        }
    }
    return (int64_t)blocks * BLOCK_SIZE;
}

EXPORT(demo_verify) int64_t demo_verify(int32_t index, int32_t first_block, int32_t blocks) {
    bad_region = -1;
    bad_block = -1;
    if (!valid_range(index, first_block, blocks)) {
        return DEMO_E_ARG;
    }
    tvm_handle_t *slots = slots_of(index);
    for (int32_t b = first_block; b < first_block + blocks; b++) {
        tvm_status_t s = tvm_read(slots[b], 0, buffer, BLOCK_SIZE);
        if (s < 0) {
            return s;
        }
        if (compare(buffer, index, b) != 0) {
            bad_region = index;
            bad_block = b;
            return DEMO_MISMATCH;
        }
    }
    return (int64_t)blocks * BLOCK_SIZE;
}

EXPORT(demo_bad_block) int32_t demo_bad_block(void) { return bad_block; }

EXPORT(demo_bad_region) int32_t demo_bad_region(void) { return bad_region; }
