package dev.tvm.chicory.guests13;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reference model of {@code guests/src/kvstore.c}: the same operations on a {@link
 * LinkedHashMap} (insertion order, a replaced value keeps its place), with the guest's key, value
 * and payload formulas and its checksum. The guest's hash table layout is not modelled: every
 * result of the guest's exports is a function of this map alone.
 */
final class KvModel {
    /** The value {@code kv_get} returns for a missing key, which {@code kv_put} refuses to store. */
    static final long MISSING = Long.MIN_VALUE;

    private static final int PAYLOAD_MIN = 8;
    private static final int PAYLOAD_SPREAD = 41;

    private final Map<Long, Long> entries = new LinkedHashMap<>();

    /** {@code kv_init}: empties, then puts n entries; the count. */
    int init(int n, long seed) {
        entries.clear();
        for (int i = 0; i < n; i++) {
            long key = GuestMix.mix64(seed + i * GuestMix.GOLDEN);
            long value = GuestMix.mix64(key ^ seed);
            put(key, value == MISSING ? 0 : value);
        }
        return entries.size();
    }

    /** {@code kv_put}: 1 inserted, 0 replaced, -1 refused. */
    int put(long key, long value) {
        if (value == MISSING) {
            return -1;
        }
        return entries.put(key, value) == null ? 1 : 0;
    }

    /** {@code kv_get}. */
    long get(long key) {
        return entries.getOrDefault(key, MISSING);
    }

    /** {@code kv_delete}: 1 deleted, 0 absent. */
    int delete(long key) {
        return entries.remove(key) != null ? 1 : 0;
    }

    /** {@code kv_count}. */
    int count() {
        return entries.size();
    }

    /** {@code kv_touch}: rewrites the first count * percent / 100 values; how many. */
    int touch(int percent) {
        int n = (int) ((long) entries.size() * percent / 100);
        Iterator<Map.Entry<Long, Long>> it = entries.entrySet().iterator();
        for (int i = 0; i < n; i++) {
            Map.Entry<Long, Long> e = it.next();
            long value = GuestMix.mix64(e.getValue());
            e.setValue(value == MISSING ? 0 : value);
        }
        return n;
    }

    /** {@code kv_checksum}: key, value, payload length and payload bytes of every entry, in order. */
    long checksum() {
        long c = GuestMix.FOLD_START;
        for (Map.Entry<Long, Long> e : entries.entrySet()) {
            long key = e.getKey();
            byte[] payload = payload(key);
            c = GuestMix.fold(c, key);
            c = GuestMix.fold(c, e.getValue());
            c = GuestMix.fold(c, payload.length);
            for (byte b : payload) {
                c = GuestMix.fold(c, b & 0xFF);
            }
        }
        return c;
    }

    /** The keys in insertion order. */
    Iterable<Long> keys() {
        return entries.keySet();
    }

    /** The payload string the guest derives from a key (without its NUL). */
    static byte[] payload(long key) {
        int length = PAYLOAD_MIN + (int) Long.remainderUnsigned(GuestMix.mix64(key), PAYLOAD_SPREAD);
        byte[] bytes = new byte[length];
        for (int j = 0; j < length; j++) {
            bytes[j] = (byte) ('a' + Long.remainderUnsigned(GuestMix.mix64(key + (j + 1) * GuestMix.GOLDEN), 26));
        }
        return bytes;
    }
}
