package dev.tvm.core.residency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The contract for the default (adaptive) W-TinyLFU, plus what makes W-TinyLFU what it is. */
class TinyLfuPolicyTest extends EvictionPolicyContractTest {
    @Override
    EvictionPolicy newPolicy(int capacity) {
        return new TinyLfuPolicy(capacity);
    }

    /** Drives a policy the way the residency manager will: on a miss, evict if full, then admit. */
    static final class Cache {
        final EvictionPolicy policy;
        final int capacity;
        final Set<Long> resident = new HashSet<>();
        long hits;

        Cache(EvictionPolicy policy, int capacity) {
            this.policy = policy;
            this.capacity = capacity;
        }

        void access(long key) {
            if (resident.contains(key)) {
                hits++;
                policy.recordAccess(key);
                return;
            }
            if (resident.size() >= capacity) {
                long victim = policy.selectVictim(k -> true);
                assertTrue(resident.remove(victim));
            }
            policy.admitted(key);
            resident.add(key);
        }
    }

    @Test
    void sizesItsSegments() {
        TinyLfuPolicy policy = new TinyLfuPolicy(1000, 0.01, false);
        assertEquals(10, policy.windowCapacity());
        assertEquals(792, policy.protectedCapacity());
        assertFalse(policy.isAdaptive());
        assertEquals(1, new TinyLfuPolicy(10, 0.01, false).windowCapacity()); // at least one key
        assertTrue(new TinyLfuPolicy(1000).isAdaptive());
        assertEquals(10, new TinyLfuPolicy(1000).windowCapacity());
        assertEquals("W-TinyLFU 1% fixed", policy.name());
        assertEquals("W-TinyLFU 0.50% fixed", new TinyLfuPolicy(1000, 0.005, false).name());
        assertEquals("W-TinyLFU adaptive", new TinyLfuPolicy(1000).name());
        assertThrows(IllegalArgumentException.class, () -> new TinyLfuPolicy(0));
        assertThrows(IllegalArgumentException.class, () -> new TinyLfuPolicy(10, 1.5, false));
        assertThrows(IllegalArgumentException.class, () -> new TinyLfuPolicy(10, Double.NaN, false));
    }

    @Test
    void capacityOfOneIsLru() {
        Cache cache = new Cache(new TinyLfuPolicy(1), 1);
        for (long k = 0; k < 100; k++) {
            cache.access(k % 3);
            assertEquals(Set.of(k % 3), cache.resident);
        }
    }

    @Test
    void aOneTimeScanDoesNotFlushTheHotSet() {
        int capacity = 200;
        Cache cache = new Cache(new TinyLfuPolicy(capacity, 0.01, false), capacity);
        for (int round = 0; round < 20; round++) {
            for (long k = 0; k < 150; k++) {
                cache.access(k);
            }
        }
        for (long k = 0; k < 5_000; k++) {
            cache.access(1_000_000 + k);
        }
        int survivors = 0;
        for (long k = 0; k < 150; k++) {
            survivors += cache.resident.contains(k) ? 1 : 0;
        }
        assertTrue(survivors >= 148, "hot keys left after the scan: " + survivors);
        // LRU, for contrast, keeps none.
        Cache lru = new Cache(new LruPolicy(capacity), capacity);
        for (long k = 0; k < 150; k++) {
            lru.access(k);
        }
        for (long k = 0; k < 5_000; k++) {
            lru.access(1_000_000 + k);
        }
        assertTrue(lru.resident.stream().allMatch(k -> k >= 1_000_000));
    }

    /**
     * Regression: with evict-then-admit, the window is exactly full when a victim is needed. If
     * the duel ran only when the window was over its size, the admission would move the window's
     * LRU key into the room just made in main, every time, and the policy would be LRU: 0% here.
     */
    @Test
    void aLoopLargerThanTheCacheMostlyHits() {
        int capacity = 500;
        Cache cache = new Cache(new TinyLfuPolicy(capacity, 0.01, false), capacity);
        int loop = capacity * 11 / 10;
        for (int pass = 0; pass < 100; pass++) {
            for (long k = 0; k < loop; k++) {
                cache.access(k);
            }
        }
        double hitRate = cache.hits / (100.0 * loop);
        assertTrue(hitRate > 0.75, "loop hit rate " + hitRate);
    }

    @Test
    void aFrequentCandidateReplacesAnInfrequentVictim() {
        TinyLfuPolicy policy = new TinyLfuPolicy(10, 0.1, false); // window 1, main 9
        for (long k = 1; k <= 10; k++) {
            policy.admitted(k);
        }
        assertEquals(TinyLfuPolicy.WINDOW, policy.segmentOf(10));
        assertEquals(TinyLfuPolicy.PROBATION, policy.segmentOf(1));
        for (int i = 0; i < 5; i++) {
            policy.recordAccess(10); // a hit in the window
        }
        // Key 11 arrives: the window's 10 (frequency 6) duels probation's 1 (frequency 1).
        assertEquals(1, policy.selectVictim(k -> true));
        policy.admitted(11);
        assertEquals(TinyLfuPolicy.PROBATION, policy.segmentOf(10));
        // Key 12 arrives: the window's 11 (frequency 1) loses to probation's 2 (frequency 1): ties
        // go to the incumbent.
        assertEquals(11, policy.selectVictim(k -> true));
        policy.admitted(12);
        assertTrue(policy.isResident(2));
    }

    @Test
    void accessesToNonResidentKeysCountTowardsAdmission() {
        TinyLfuPolicy policy = new TinyLfuPolicy(10, 0.1, false); // window 1, main 9
        for (long k = 1; k <= 10; k++) {
            policy.admitted(k);
        }
        for (int i = 0; i < 3; i++) {
            policy.recordAccess(99); // not resident: counted in the history only
        }
        assertFalse(policy.isResident(99));
        assertEquals(3, policy.frequency(99));
        // 99 faults in: the window's 10 ties with probation's 1 and loses.
        assertEquals(10, policy.selectVictim(k -> true));
        policy.admitted(99);
        // 100 faults in: the window's 99 (frequency 4) beats probation's 1.
        assertEquals(1, policy.selectVictim(k -> true));
        policy.admitted(100);
        assertEquals(TinyLfuPolicy.PROBATION, policy.segmentOf(99));
        // 101 faults in: 100, seen once, does not get past probation's 2.
        assertEquals(100, policy.selectVictim(k -> true));
    }

    @Test
    void hitsPromoteToProtectedWithinItsBound() {
        TinyLfuPolicy policy = new TinyLfuPolicy(100, 0.01, false);
        for (long k = 0; k < 100; k++) {
            policy.admitted(k);
        }
        for (int round = 0; round < 3; round++) {
            for (long k = 0; k < 100; k++) {
                policy.recordAccess(k);
            }
        }
        assertEquals(policy.protectedCapacity(), policy.keysOf(TinyLfuPolicy.PROTECTED).length);
        assertEquals(100, policy.residentCount());
    }

    @Test
    void theAdaptiveWindowGrowsForRecencyAndShrinksForALoop() {
        int capacity = 1_000;
        TinyLfuPolicy recency = new TinyLfuPolicy(capacity);
        PolicySimulator.run(Traces.recency(400_000, 0.2, 20_000, 0.8, 7), capacity, recency);
        assertTrue(recency.windowAdjustments() > 10);
        assertTrue(recency.windowCapacity() > capacity / 4, "window " + recency.windowCapacity());

        TinyLfuPolicy loop = new TinyLfuPolicy(capacity);
        PolicySimulator.run(Traces.loop(capacity * 11 / 10, 300), capacity, loop);
        assertTrue(loop.windowAdjustments() > 10);
        assertTrue(loop.windowCapacity() <= capacity / 20, "window " + loop.windowCapacity());
    }
}
