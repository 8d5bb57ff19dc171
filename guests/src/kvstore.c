/*
 * kvstore.c - a key-value store that keeps its state in malloc'd memory: the stateful guest for
 * density and hibernate/resume. A wasm32-wasi reactor (exports _initialize, no main).
 *
 * State: an open-addressing hash table (linear probing, power-of-two capacity, at most half full,
 * doubled when it would be more) of pointers to malloc'd entries. Each entry holds an i64 key, an
 * i64 value and a malloc'd payload string derived from its key, and is linked into a list in
 * insertion order (a put that replaces a value keeps the entry's place; a delete unlinks it).
 * 100000 entries take about 9 MiB of heap (entry 32 bytes + payload 9..49 bytes, each with malloc
 * overhead, plus a 1 MiB slot array).
 *
 *   payload of key k:   length 8 + guest_mix64(k) % 41 bytes (then a NUL), byte j is
 *                       'a' + guest_mix64(k + (j + 1) * GUEST_GOLDEN) % 26
 *
 * Exports (KV_MISSING = INT64_MIN, the one value that cannot be stored):
 *   kv_init(n, seed)        (i32,i64)->i32  empties the table, then puts n entries: entry i has key
 *                                           guest_mix64(seed + i * GUEST_GOLDEN) and value
 *                                           guest_mix64(key ^ seed) (KV_MISSING becomes 0); the count
 *                                           afterwards (n unless keys repeat), -1 if n < 0, -2 if out
 *                                           of memory (the entries put so far stay)
 *   kv_put(key, value)      (i64,i64)->i32  1 inserted, 0 replaced, -1 value is KV_MISSING (nothing
 *                                           changed), -2 out of memory (nothing changed)
 *   kv_get(key)             (i64)->i64      the value, or KV_MISSING
 *   kv_delete(key)          (i64)->i32      1 deleted (entry and payload freed), 0 absent
 *   kv_count()              ()->i32         entries
 *   kv_checksum()           ()->i64         over the entries in insertion order, from
 *                                           GUEST_FOLD_START: fold key, value, payload length, then
 *                                           each payload byte (guest_fold, one word each)
 *   kv_touch(percent)       (i32)->i32      rewrites the values of the first count * percent / 100
 *                                           entries in insertion order (percent 0..100, else -1):
 *                                           value = guest_mix64(value), KV_MISSING becomes 0; entries
 *                                           put by one kv_init are allocated in order, so this dirties
 *                                           about that share of the heap; the number rewritten
 *   kv_verify()             ()->i32         0 if the table is consistent, else the first broken
 *                                           invariant: 1 a list entry is not found by its key, 2 list
 *                                           length != count, 3 slots used != count, 4 a payload is not
 *                                           the one its key derives, 5 the list's back links are broken
 *   kv_heap_bytes()         ()->i64         bytes requested from malloc and not yet freed
 */
#include <stdint.h>
#include <stdlib.h>

#include "guest_mix.h"

#define KV_MISSING INT64_MIN
#define MIN_CAPACITY 16u
#define PAYLOAD_MIN 8u
#define PAYLOAD_SPREAD 41u

#define EXPORT(name) __attribute__((export_name(#name)))

struct entry {
    int64_t key;
    int64_t value;
    struct entry *prev; /* insertion order */
    struct entry *next;
    char *payload; /* payload_len bytes and a NUL */
    uint32_t payload_len;
};

static struct entry **slots;
static uint32_t capacity; /* a power of two, or 0 before the first put */
static uint32_t count;
static struct entry *first;
static struct entry *last;
static int64_t heap_bytes;

static void *counted_malloc(size_t size) {
    void *p = malloc(size);
    if (p != NULL) {
        heap_bytes += (int64_t)size;
    }
    return p;
}

static void counted_free(void *p, size_t size) {
    free(p);
    heap_bytes -= (int64_t)size;
}

static uint32_t home(int64_t key, uint32_t cap) {
    return (uint32_t)guest_mix64((uint64_t)key) & (cap - 1);
}

static uint32_t payload_length(int64_t key) {
    return PAYLOAD_MIN + (uint32_t)(guest_mix64((uint64_t)key) % PAYLOAD_SPREAD);
}

static char payload_byte(int64_t key, uint32_t j) {
    return (char)('a' + guest_mix64((uint64_t)key + (j + 1) * GUEST_GOLDEN) % 26);
}

/* The slot holding key, or the empty slot where it would go. */
static uint32_t find_slot(int64_t key) {
    uint32_t i = home(key, capacity);
    while (slots[i] != NULL && slots[i]->key != key) {
        i = (i + 1) & (capacity - 1);
    }
    return i;
}

/* Doubles the slot array (or creates it); 0 on success, -2 with nothing changed when out of memory. */
static int grow(void) {
    uint32_t new_capacity = capacity == 0 ? MIN_CAPACITY : capacity * 2;
    struct entry **new_slots = counted_malloc((size_t)new_capacity * sizeof *new_slots);
    if (new_slots == NULL) {
        return -2;
    }
    for (uint32_t i = 0; i < new_capacity; i++) {
        new_slots[i] = NULL;
    }
    for (struct entry *e = first; e != NULL; e = e->next) {
        uint32_t i = home(e->key, new_capacity);
        while (new_slots[i] != NULL) {
            i = (i + 1) & (new_capacity - 1);
        }
        new_slots[i] = e;
    }
    if (slots != NULL) {
        counted_free(slots, (size_t)capacity * sizeof *slots);
    }
    slots = new_slots;
    capacity = new_capacity;
    return 0;
}

static void free_entry(struct entry *e) {
    counted_free(e->payload, e->payload_len + 1u);
    counted_free(e, sizeof *e);
}

static void clear(void) {
    struct entry *e = first;
    while (e != NULL) {
        struct entry *next = e->next;
        free_entry(e);
        e = next;
    }
    first = last = NULL;
    count = 0;
    for (uint32_t i = 0; i < capacity; i++) {
        slots[i] = NULL;
    }
}

EXPORT(kv_put) int32_t kv_put(int64_t key, int64_t value) {
    if (value == KV_MISSING) {
        return -1;
    }
    if (capacity != 0) {
        uint32_t i = find_slot(key);
        if (slots[i] != NULL) {
            slots[i]->value = value;
            return 0;
        }
    }
    if ((uint64_t)(count + 1) * 2 > capacity && grow() != 0) {
        return -2;
    }
    uint32_t len = payload_length(key);
    struct entry *e = counted_malloc(sizeof *e);
    char *payload = counted_malloc(len + 1u);
    if (e == NULL || payload == NULL) {
        if (e != NULL) {
            counted_free(e, sizeof *e);
        }
        if (payload != NULL) {
            counted_free(payload, len + 1u);
        }
        return -2;
    }
    for (uint32_t j = 0; j < len; j++) {
        payload[j] = payload_byte(key, j);
    }
    payload[len] = '\0';
    e->key = key;
    e->value = value;
    e->payload = payload;
    e->payload_len = len;
    e->next = NULL;
    e->prev = last;
    if (last != NULL) {
        last->next = e;
    } else {
        first = e;
    }
    last = e;
    slots[find_slot(key)] = e;
    count++;
    return 1;
}

EXPORT(kv_init) int32_t kv_init(int32_t n, int64_t seed) {
    if (n < 0) {
        return -1;
    }
    if (capacity != 0) {
        clear();
    }
    for (int32_t i = 0; i < n; i++) {
        int64_t key = (int64_t)guest_mix64((uint64_t)seed + (uint64_t)i * GUEST_GOLDEN);
        int64_t value = (int64_t)guest_mix64((uint64_t)(key ^ seed));
        if (kv_put(key, value == KV_MISSING ? 0 : value) == -2) {
            return -2;
        }
    }
    return (int32_t)count;
}

EXPORT(kv_get) int64_t kv_get(int64_t key) {
    if (capacity == 0) {
        return KV_MISSING;
    }
    struct entry *e = slots[find_slot(key)];
    return e == NULL ? KV_MISSING : e->value;
}

/* Backward-shift deletion: no tombstones, so probe sequences stay as short as at insertion. */
EXPORT(kv_delete) int32_t kv_delete(int64_t key) {
    if (capacity == 0) {
        return 0;
    }
    uint32_t hole = find_slot(key);
    struct entry *e = slots[hole];
    if (e == NULL) {
        return 0;
    }
    uint32_t mask = capacity - 1;
    for (uint32_t i = (hole + 1) & mask; slots[i] != NULL; i = (i + 1) & mask) {
        uint32_t want = home(slots[i]->key, capacity);
        /* slots[i] may move to the hole unless its home lies cyclically in (hole, i] */
        if (((i - want) & mask) >= ((i - hole) & mask)) {
            slots[hole] = slots[i];
            hole = i;
        }
    }
    slots[hole] = NULL;
    if (e->prev != NULL) {
        e->prev->next = e->next;
    } else {
        first = e->next;
    }
    if (e->next != NULL) {
        e->next->prev = e->prev;
    } else {
        last = e->prev;
    }
    free_entry(e);
    count--;
    return 1;
}

EXPORT(kv_count) int32_t kv_count(void) {
    return (int32_t)count;
}

EXPORT(kv_checksum) int64_t kv_checksum(void) {
    uint64_t c = GUEST_FOLD_START;
    for (const struct entry *e = first; e != NULL; e = e->next) {
        c = guest_fold(c, (uint64_t)e->key);
        c = guest_fold(c, (uint64_t)e->value);
        c = guest_fold(c, e->payload_len);
        for (uint32_t j = 0; j < e->payload_len; j++) {
            c = guest_fold(c, (unsigned char)e->payload[j]);
        }
    }
    return (int64_t)c;
}

EXPORT(kv_touch) int32_t kv_touch(int32_t percent) {
    if (percent < 0 || percent > 100) {
        return -1;
    }
    uint32_t n = (uint32_t)((uint64_t)count * (uint32_t)percent / 100u);
    struct entry *e = first;
    for (uint32_t i = 0; i < n; i++, e = e->next) {
        int64_t value = (int64_t)guest_mix64((uint64_t)e->value);
        e->value = value == KV_MISSING ? 0 : value;
    }
    return (int32_t)n;
}

EXPORT(kv_verify) int32_t kv_verify(void) {
    uint32_t listed = 0;
    const struct entry *prev = NULL;
    for (const struct entry *e = first; e != NULL; prev = e, e = e->next) {
        if (capacity == 0 || slots[find_slot(e->key)] != e) {
            return 1;
        }
        if (e->prev != prev) {
            return 5;
        }
        if (e->payload_len != payload_length(e->key) || e->payload[e->payload_len] != '\0') {
            return 4;
        }
        for (uint32_t j = 0; j < e->payload_len; j++) {
            if (e->payload[j] != payload_byte(e->key, j)) {
                return 4;
            }
        }
        listed++;
    }
    if (listed != count) {
        return 2;
    }
    if (last != prev) {
        return 5;
    }
    uint32_t used = 0;
    for (uint32_t i = 0; i < capacity; i++) {
        used += slots[i] != NULL;
    }
    return used == count ? 0 : 3;
}

EXPORT(kv_heap_bytes) int64_t kv_heap_bytes(void) {
    return heap_bytes;
}
