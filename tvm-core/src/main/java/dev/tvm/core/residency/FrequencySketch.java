package dev.tvm.core.residency;

/**
 * A 4-bit Count-Min sketch with periodic halving: the approximate, aging access history that
 * TinyLFU admits by.
 *
 * <p>Counters are 4 bits, 16 to a {@code long}; the table holds one {@code long} per expected key
 * (rounded up to a power of two), that is 16 counters per key in 8 bytes. A key maps to four
 * counters (depth 4) by double hashing one 64-bit mix of the key: counter {@code i} is in word
 * {@code (g_i >>> 32) & mask} at nibble {@code g_i & 15}, with {@code g_i = h1 + i * h2} and
 * {@code h2} odd, so the four nibbles always differ. {@link #increment} raises each of the four
 * counters that is below 15; {@link #frequency} is the smallest of the four, which overestimates
 * only through collisions.
 *
 * <p>Aging: once {@code 10 × expectedKeys} increments have raised some counter (the sample), every
 * counter is halved (the "reset" of the TinyLFU paper), so the history follows a shifting
 * popularity, and a counter of 15 means "very frequent lately". The bookkeeping follows Caffeine's
 * {@code FrequencySketch}: the sample size is corrected for the halving's truncation of odd
 * counters.
 */
final class FrequencySketch {
    static final int MAX_FREQUENCY = 15;

    private static final long RESET_MASK = 0x7777_7777_7777_7777L;
    private static final long ONE_MASK = 0x1111_1111_1111_1111L;
    private static final int MAX_TABLE = 1 << 26;

    private final long[] table;
    private final int mask;
    private final int sampleSize;
    private int additions;
    private long resets;

    /** @param expectedKeys the number of keys the cache holds (at least 1) */
    FrequencySketch(int expectedKeys) {
        int keys = Math.max(1, expectedKeys);
        int length = Math.min(MAX_TABLE, NodeLists.ceilingPowerOfTwo(Math.max(keys, 8)));
        table = new long[length];
        mask = length - 1;
        sampleSize = (int) Math.min(Integer.MAX_VALUE, 10L * keys);
    }

    /** The estimated number of recent accesses to {@code key}, 0..15. */
    int frequency(long key) {
        long h1 = NodeLists.mix(key);
        long h2 = secondHash(h1);
        int min = MAX_FREQUENCY;
        for (int i = 0; i < 4; i++) {
            long g = h1 + i * h2;
            int shift = ((int) g & 15) << 2;
            int count = (int) (table[(int) (g >>> 32) & mask] >>> shift) & 15;
            min = Math.min(min, count);
        }
        return min;
    }

    /** Counts one access to {@code key}; may trigger a halving of all counters. */
    void increment(long key) {
        long h1 = NodeLists.mix(key);
        long h2 = secondHash(h1);
        boolean added = false;
        for (int i = 0; i < 4; i++) {
            long g = h1 + i * h2;
            int shift = ((int) g & 15) << 2;
            int index = (int) (g >>> 32) & mask;
            if (((table[index] >>> shift) & 15) != MAX_FREQUENCY) {
                table[index] += 1L << shift;
                added = true;
            }
        }
        if (added && ++additions >= sampleSize) {
            halve();
        }
    }

    /** How many times the counters were halved (for tests and diagnostics). */
    long resets() {
        return resets;
    }

    int sampleSize() {
        return sampleSize;
    }

    private void halve() {
        int odd = 0;
        for (int i = 0; i < table.length; i++) {
            odd += Long.bitCount(table[i] & ONE_MASK);
            table[i] = (table[i] >>> 1) & RESET_MASK;
        }
        additions = (additions - (odd >>> 2)) >>> 1;
        resets++;
    }

    private static long secondHash(long h1) {
        return ((h1 >>> 29) ^ (h1 * 0x9E3779B97F4A7C15L)) | 1L;
    }
}
