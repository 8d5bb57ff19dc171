package dev.tvm.core.residency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The {@link EvictionPolicy} contract, run against every policy by a subclass each: victims are
 * always resident and evictable, removed keys never come back, counts are consistent, and a long
 * random sequence of operations agrees with a plain reference set.
 */
abstract class EvictionPolicyContractTest {
    static final int CAPACITY = 64;

    /** Keys that stress hashing: region-encoded pages, extremes, and keys sharing low bits. */
    static final long[] ODD_KEYS = {
        0L,
        1L,
        Long.MAX_VALUE,
        Long.MIN_VALUE,
        -2L,
        1L << 32,
        (65535L << 32) | 65535L,
        1L << 63 | 1L,
        0x1_0000_0000L * 7
    };

    abstract EvictionPolicy newPolicy(int capacity);

    static long page(int region, int page) {
        return (long) region << 32 | page;
    }

    @Test
    void emptyPolicyHasNoVictim() {
        EvictionPolicy policy = newPolicy(CAPACITY);
        assertEquals(0, policy.residentCount());
        assertEquals(EvictionPolicy.NO_KEY, policy.selectVictim(k -> true));
        assertEquals(EvictionPolicy.NO_KEY, policy.selectVictim(k -> false));
    }

    @Test
    void admittedKeysAreResidentAndCountedOnce() {
        EvictionPolicy policy = newPolicy(CAPACITY);
        for (long key : ODD_KEYS) {
            policy.admitted(key);
        }
        for (long key : ODD_KEYS) {
            policy.admitted(key); // again: an access, not a second copy
        }
        assertEquals(ODD_KEYS.length, policy.residentCount());
        for (long key : ODD_KEYS) {
            assertTrue(policy.isResident(key), Long.toHexString(key));
        }
        assertFalse(policy.isResident(42));
        assertEquals(Set.of(box(ODD_KEYS)), drain(policy));
    }

    @Test
    void noKeyIsNotAKey() {
        EvictionPolicy policy = newPolicy(CAPACITY);
        assertThrows(IllegalArgumentException.class, () -> policy.admitted(EvictionPolicy.NO_KEY));
        policy.recordAccess(EvictionPolicy.NO_KEY); // tolerated like any non-resident key
        policy.removed(EvictionPolicy.NO_KEY);
        assertEquals(0, policy.residentCount());
    }

    @Test
    void everyVictimIsResidentAndChosenOnce() {
        EvictionPolicy policy = newPolicy(CAPACITY);
        Set<Long> admitted = new HashSet<>();
        for (int i = 0; i < 3 * CAPACITY; i++) {
            long key = page(1 + i % 3, i);
            policy.admitted(key);
            admitted.add(key);
            if (i % 5 == 0) {
                policy.recordAccess(key);
            }
        }
        assertEquals(admitted.size(), policy.residentCount());
        Set<Long> chosen = new HashSet<>();
        for (int left = admitted.size(); left > 0; left--) {
            long victim = policy.selectVictim(k -> true);
            assertTrue(admitted.contains(victim), "never admitted: " + victim);
            assertTrue(chosen.add(victim), "chosen twice: " + victim);
            assertFalse(policy.isResident(victim));
            assertEquals(left - 1, policy.residentCount());
        }
        assertEquals(EvictionPolicy.NO_KEY, policy.selectVictim(k -> true));
    }

    @Test
    void refusedKeysAreNeverChosenAndKeepResidency() {
        EvictionPolicy policy = newPolicy(CAPACITY);
        Set<Long> pinned = new HashSet<>();
        for (int i = 0; i < 2 * CAPACITY; i++) {
            long key = page(2, i);
            policy.admitted(key);
            if (i % 3 == 0) {
                pinned.add(key);
            }
        }
        int total = policy.residentCount();
        int evicted = 0;
        while (true) {
            long victim = policy.selectVictim(k -> !pinned.contains(k));
            if (victim == EvictionPolicy.NO_KEY) {
                break;
            }
            assertFalse(pinned.contains(victim), "pinned key chosen: " + victim);
            evicted++;
        }
        assertEquals(total - pinned.size(), evicted);
        assertEquals(pinned.size(), policy.residentCount());
        for (long key : pinned) {
            assertTrue(policy.isResident(key));
        }
        assertEquals(EvictionPolicy.NO_KEY, policy.selectVictim(k -> false));
        assertEquals(pinned.size(), policy.residentCount());
        // Unpinned, they are ordinary victims again.
        assertEquals(pinned, drain(policy));
    }

    @Test
    void evictableIsOnlyAskedAboutResidentKeys() {
        EvictionPolicy policy = newPolicy(CAPACITY);
        Set<Long> resident = new HashSet<>();
        for (int i = 0; i < 2 * CAPACITY; i++) {
            policy.admitted(page(3, i));
            resident.add(page(3, i));
        }
        for (int i = 0; i < CAPACITY; i += 2) {
            policy.removed(page(3, i));
            resident.remove(page(3, i));
        }
        while (!resident.isEmpty()) {
            // Odd keys are refused while an even key is left.
            boolean evenLeft = resident.stream().anyMatch(k -> (k & 1) == 0);
            long victim = policy.selectVictim(k -> {
                assertTrue(resident.contains(k), "asked about non-resident " + k);
                return (k & 1) == 0 || !evenLeft;
            });
            assertNotEquals(EvictionPolicy.NO_KEY, victim);
            assertTrue(evenLeft ? (victim & 1) == 0 : (victim & 1) == 1);
            assertTrue(resident.remove(victim));
        }
    }

    @Test
    void removedKeysAreNeverChosen() {
        EvictionPolicy policy = newPolicy(CAPACITY);
        Set<Long> kept = new HashSet<>();
        for (int i = 0; i < 2 * CAPACITY; i++) {
            policy.admitted(page(4, i));
            policy.recordAccess(page(4, i));
            kept.add(page(4, i));
        }
        for (int i = 0; i < 2 * CAPACITY; i += 3) {
            policy.removed(page(4, i));
            policy.removed(page(4, i)); // twice: a no-op
            kept.remove(page(4, i));
            assertFalse(policy.isResident(page(4, i)));
        }
        policy.removed(page(9, 9)); // never admitted: a no-op
        assertEquals(kept.size(), policy.residentCount());
        assertEquals(kept, drain(policy));
    }

    @Test
    void accessesToNonResidentKeysChangeNothing() {
        EvictionPolicy policy = newPolicy(CAPACITY);
        for (int i = 0; i < CAPACITY; i++) {
            policy.admitted(page(5, i));
        }
        long victim = policy.selectVictim(k -> true);
        for (int i = 0; i < 1000; i++) {
            policy.recordAccess(page(6, i % 50)); // never admitted
            policy.recordAccess(victim); // evicted since
        }
        assertEquals(CAPACITY - 1, policy.residentCount());
        assertFalse(policy.isResident(victim));
        assertFalse(policy.isResident(page(6, 0)));
        Set<Long> drained = drain(policy);
        assertFalse(drained.contains(victim));
        assertEquals(CAPACITY - 1, drained.size());
    }

    @Test
    void holdsMoreKeysThanItsCapacityUntilAskedForVictims() {
        EvictionPolicy policy = newPolicy(CAPACITY);
        int n = 10 * CAPACITY;
        for (int i = 0; i < n; i++) {
            policy.admitted(page(7, i));
        }
        assertEquals(n, policy.residentCount());
        for (int i = 0; i < n; i++) {
            assertTrue(policy.isResident(page(7, i)));
        }
        assertEquals(n, drain(policy).size());
    }

    @Test
    void readmittedVictimIsResidentAgain() {
        EvictionPolicy policy = newPolicy(CAPACITY);
        for (int i = 0; i < CAPACITY; i++) {
            policy.admitted(page(8, i));
        }
        long victim = policy.selectVictim(k -> true);
        policy.admitted(victim); // the manager could not evict it after all
        assertTrue(policy.isResident(victim));
        assertEquals(CAPACITY, policy.residentCount());
    }

    /**
     * A long random sequence of admissions, accesses (to resident and non-resident keys),
     * removals and victim selections with a changing pinned set, checked step by step against a
     * plain reference set: every victim was resident and not pinned; {@link
     * EvictionPolicy#NO_KEY} comes back exactly when every resident key is pinned; the count and
     * residency agree with the model throughout.
     */
    @Test
    void agreesWithAReferenceSetUnderRandomOperations() {
        for (long seed = 1; seed <= 3; seed++) {
            runModel(seed, 120_000);
        }
    }

    private void runModel(long seed, int operations) {
        Random random = new Random(seed);
        EvictionPolicy policy = newPolicy(CAPACITY);
        List<Long> universe = new ArrayList<>();
        for (int i = 0; i < 6 * CAPACITY; i++) {
            universe.add(page(1 + random.nextInt(4), random.nextInt(1 << 16)));
        }
        for (long key : ODD_KEYS) {
            universe.add(key);
        }
        Set<Long> model = new HashSet<>();
        Set<Long> pinned = new HashSet<>();
        int victims = 0;
        int[] skipped = {0};
        for (int op = 0; op < operations; op++) {
            long key = universe.get(
                    Math.min(universe.size() - 1, (int) Math.abs(random.nextGaussian() * universe.size() / 3)));
            int choice = random.nextInt(100);
            if (choice < 35) {
                // A fault: make room if full (like the manager), then admit.
                if (!model.contains(key) && model.size() >= CAPACITY && random.nextInt(10) != 0) {
                    long victim = policy.selectVictim(k -> {
                        if (!model.contains(k)) {
                            fail("seed " + seed + ": asked about non-resident " + k);
                        }
                        if (pinned.contains(k)) {
                            skipped[0]++;
                            return false;
                        }
                        return true;
                    });
                    if (victim == EvictionPolicy.NO_KEY) {
                        if (!pinned.containsAll(model)) {
                            fail("seed " + seed + " op " + op + ": no victim although an unpinned key is resident");
                        }
                    } else {
                        victims++;
                        if (!model.remove(victim)) {
                            fail("seed " + seed + " op " + op + ": victim " + victim + " was not resident");
                        }
                        if (pinned.contains(victim)) {
                            fail("seed " + seed + " op " + op + ": victim " + victim + " is pinned");
                        }
                    }
                }
                policy.admitted(key);
                model.add(key);
            } else if (choice < 80) {
                policy.recordAccess(key);
            } else if (choice < 88) {
                policy.removed(key);
                model.remove(key);
            } else if (choice < 96) {
                if (!pinned.remove(key)) {
                    pinned.add(key);
                }
            } else {
                pinned.clear();
            }
            if (policy.residentCount() != model.size()) {
                fail("seed " + seed + " op " + op + ": count " + policy.residentCount() + ", model " + model.size());
            }
            if (policy.isResident(key) != model.contains(key)) {
                fail("seed " + seed + " op " + op + ": residency of " + key + " disagrees");
            }
        }
        assertTrue(victims > operations / 20, "too few victims exercised: " + victims);
        assertTrue(skipped[0] > operations / 500, "too few pinned keys skipped: " + skipped[0]);
        pinned.clear();
        assertEquals(model, drain(policy), "seed " + seed + ": final contents");
    }

    /** Selects victims until none is left; returns them. */
    static Set<Long> drain(EvictionPolicy policy) {
        Set<Long> out = new HashSet<>();
        while (true) {
            long victim = policy.selectVictim(k -> true);
            if (victim == EvictionPolicy.NO_KEY) {
                assertEquals(0, policy.residentCount());
                return out;
            }
            assertTrue(out.add(victim), "chosen twice: " + victim);
        }
    }

    static Long[] box(long[] keys) {
        Long[] out = new Long[keys.length];
        for (int i = 0; i < keys.length; i++) {
            out[i] = keys[i];
        }
        return out;
    }
}
