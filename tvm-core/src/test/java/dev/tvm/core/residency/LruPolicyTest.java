package dev.tvm.core.residency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LruPolicyTest extends EvictionPolicyContractTest {
    @Override
    EvictionPolicy newPolicy(int capacity) {
        return new LruPolicy(capacity);
    }

    @Test
    void evictsTheLeastRecentlyUsed() {
        LruPolicy lru = new LruPolicy(4);
        for (long k = 1; k <= 4; k++) {
            lru.admitted(k);
        }
        lru.recordAccess(1);
        lru.recordAccess(3);
        assertArrayEquals(new long[] {2, 4, 1, 3}, lru.keysInOrder());
        assertEquals(2, lru.selectVictim(k -> true));
        assertEquals(4, lru.selectVictim(k -> true));
    }

    @Test
    void skippedKeysKeepTheirPlace() {
        LruPolicy lru = new LruPolicy(4);
        for (long k = 1; k <= 4; k++) {
            lru.admitted(k);
        }
        assertEquals(2, lru.selectVictim(k -> k != 1));
        assertArrayEquals(new long[] {1, 3, 4}, lru.keysInOrder());
        assertEquals(1, lru.selectVictim(k -> true)); // unpinned: still the oldest
    }
}
