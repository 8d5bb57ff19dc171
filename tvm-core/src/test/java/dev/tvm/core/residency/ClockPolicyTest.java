package dev.tvm.core.residency;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ClockPolicyTest extends EvictionPolicyContractTest {
    @Override
    EvictionPolicy newPolicy(int capacity) {
        return new ClockPolicy(capacity);
    }

    @Test
    void referencedKeysGetASecondChance() {
        ClockPolicy clock = new ClockPolicy(4);
        for (long k = 1; k <= 4; k++) {
            clock.admitted(k);
        }
        clock.recordAccess(1);
        clock.recordAccess(2);
        // The hand starts at 1: clears 1 and 2, takes 3.
        assertEquals(3, clock.selectVictim(k -> true));
        assertEquals(4, clock.selectVictim(k -> true));
        assertEquals(1, clock.selectVictim(k -> true));
    }

    @Test
    void newKeysAreExaminedLast() {
        ClockPolicy clock = new ClockPolicy(4);
        for (long k = 1; k <= 3; k++) {
            clock.admitted(k);
        }
        assertEquals(1, clock.selectVictim(k -> true));
        clock.admitted(9); // behind the hand, which now points at 2
        assertEquals(2, clock.selectVictim(k -> true));
        assertEquals(3, clock.selectVictim(k -> true));
        assertEquals(9, clock.selectVictim(k -> true));
    }

    @Test
    void skippedKeysKeepTheirReferenceBit() {
        ClockPolicy clock = new ClockPolicy(4);
        for (long k = 1; k <= 3; k++) {
            clock.admitted(k);
        }
        clock.recordAccess(1);
        assertEquals(2, clock.selectVictim(k -> k != 1)); // 1 is passed untouched
        clock.admitted(5); // circle from the hand: 3, 1, 5
        assertEquals(3, clock.selectVictim(k -> true));
        assertEquals(5, clock.selectVictim(k -> true)); // 1 still had its bit: second chance
        assertEquals(1, clock.selectVictim(k -> true));
    }
}
