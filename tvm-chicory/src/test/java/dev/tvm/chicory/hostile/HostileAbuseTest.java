package dev.tvm.chicory.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TestGuests;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.chicory.TvmTrapException;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A guest attacking its own tenancy ({@code guests/src/hostile_abuse.wat}): forged and tampered
 * handles, stale handles after free, reset and destroy, double frees, huge lengths, negative and
 * wrapping offsets, pointers outside its memory. Every attack must be refused with the code
 * {@code docs/raw-abi.md} documents (loads and stores: a trap carrying it), the victim
 * allocation must keep its bytes, and the host must stay healthy. Both engines.
 */
class HostileAbuseTest {
    private static final int OK = 0;
    private static final int YES = 1; // a guest-side check that held
    private static final int INVALID = ErrorCode.INVALID_ARGUMENT.code();
    private static final int NO_REGION = ErrorCode.NO_SUCH_REGION.code();
    private static final int STALE_REGION = ErrorCode.STALE_REGION.code();
    private static final int STALE = ErrorCode.STALE_HANDLE.code();
    private static final int FORGED = ErrorCode.FORGED_HANDLE.code();
    private static final int OOB = ErrorCode.OUT_OF_BOUNDS.code();
    private static final int DENIED = ErrorCode.ACCESS_DENIED.code();
    private static final int GUEST_OOB = ErrorCode.GUEST_OUT_OF_BOUNDS.code();

    /** tamper(victim, i) of the guest, and the code each use of it must fail with. */
    private static final int[] TAMPER = {
        FORGED, // 0 slot generation + 1
        FORGED, // 1 slot generation 0
        FORGED, // 2 slot generation 4095
        FORGED, // 3 next slot, never issued
        FORGED, // 4 largest slot
        DENIED, // 5 region generation + 1
        DENIED, // 6 region generation - 1 (= 0)
        DENIED, // 7 region id + 1
        DENIED, // 8 sign bit: region id + 32768
        FORGED, // 9 null handle
        DENIED, // 10 all ones
    };

    /** attack_bounds of the guest, in order. */
    private static final int[] BOUNDS = {
        INVALID, INVALID, INVALID, INVALID, // 0-3 read/write len 2^31, 2^32-1
        GUEST_OOB, GUEST_OOB, // 4-5 len 2^31-1 overruns memory 0
        OOB, // 6 257 bytes of a 256-byte allocation
        OOB, OOB, OOB, OOB, OOB, // 7-11 offset -1, 2^63, 2^63-8 + 16 (wraps), -8, 250 + 8
        OK, // 12 empty read at the very end
        OOB, // 13 empty read past the end
        OOB, OOB, OOB, OOB, // 14-17 fill len 2^63, 2^63-1, 2^64-1, 2^32-1
        OOB, OOB, OOB, OOB, // 18-21 copy len 2^63, 2^64-1, dst offset 2^63-1, src offset -8
        GUEST_OOB, GUEST_OOB, GUEST_OOB, GUEST_OOB, GUEST_OOB, // 22-26 pointers past memory 0
        GUEST_OOB, GUEST_OOB, GUEST_OOB, // 27-29 describe/metrics records past memory 0
        INVALID, INVALID, INVALID, INVALID, INVALID, // 30-34 alloc/lease of 2^63, -1, 0, 2^32, 2^63-1
        INVALID, INVALID, // 35-36 alloc_batch count -1, 2^31-1
        GUEST_OOB, GUEST_OOB, // 37-38 alloc_batch handles past memory 0
        INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, // 39-45 bad kind/capacity/flags
        NO_REGION, DENIED, DENIED, DENIED, DENIED, // 46-50 null, -1, 0x7FFFFFFF, gen + 1, -5
        INVALID, // 51 unpin of an unpinned region
    };

    /** attack_stale of the guest, in order (numbered in the .wat). */
    private static final int[] STALE_REPLAY = {
        OK,
        STALE,
        STALE,
        STALE,
        STALE,
        STALE, // 0-5 free, then read/write/fill/size_of/free again
        YES, // 6 the next allocation reuses the slot
        STALE,
        STALE,
        STALE,
        STALE, // 7-10 read, write, copy into and out of the new occupant
        YES, // 11 the new occupant is untouched (zero)
        OK, // 12
        OK,
        STALE,
        YES,
        STALE, // 13-16 reset; old handle stale, new allocation zero
        OK,
        STALE_REGION,
        STALE_REGION,
        STALE_REGION, // 17-20 destroy; read, destroy, alloc after it
        YES,
        STALE_REGION,
        STALE_REGION, // 21-23 the id is reused; old handle and reference stay stale
        OK, // 24
    };

    private RegionDirectory dir;

    @BeforeEach
    void open() {
        dir = RegionDirectory.builder().build();
    }

    @AfterEach
    void close() {
        dir.close();
    }

    private TvmGuest attacker(Engine engine) {
        TvmGuest g = TvmGuest.builder(TestGuests.module("hostile_abuse.wasm"), dir)
                .withEngine(engine)
                .build();
        assertEquals(0, g.call("setup")[0], "setup");
        return g;
    }

    private static long victimChecksum(TvmGuest g) {
        long victim = g.call("victim")[0];
        long sum = g.call("checksum", victim, 256)[0];
        assertTrue(sum > 0, "checksum failed: " + sum);
        return sum;
    }

    private static long expectedChecksum() {
        long sum = 0;
        for (int i = 0; i < 256; i++) {
            sum += (long) ((i * 7 + 3) & 0xFF) * (i + 1);
        }
        return sum;
    }

    private void assertVictimIntact(TvmGuest g) {
        assertEquals(expectedChecksum(), victimChecksum(g), "victim bytes changed");
        Region region = dir.region((int) g.call("region")[0]);
        assertEquals(1, region.stats().liveAllocations(), "only the victim is live");
        HostUnharmed.assertHealthy(dir);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void tamperedHandlesAreRefusedByEveryFunction(Engine engine) {
        try (TvmGuest g = attacker(engine)) {
            for (int which = 0; which < TAMPER.length; which++) {
                int n = (int) g.call("attack_tamper", which)[0];
                int[] expected = new int[n];
                java.util.Arrays.fill(expected, TAMPER[which]);
                assertArrayEquals(expected, HostUnharmed.codes(g, n), "tamper variant " + which);
                int variant = which;
                TvmTrapException load = assertThrows(TvmTrapException.class, () -> g.call("load_tampered", variant));
                assertEquals(TAMPER[which], load.code().code(), "load, variant " + which);
                TvmTrapException store = assertThrows(TvmTrapException.class, () -> g.call("store_tampered", variant));
                assertEquals(TAMPER[which], store.code().code(), "store, variant " + which);
                assertEquals(TAMPER[which], g.tvm().lastError());
            }
            assertVictimIntact(g);
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void randomHandlesNeverSucceed(Engine engine) {
        try (TvmGuest g = attacker(engine)) {
            // Random 64-bit values: other regions, so no capability.
            assertEquals(0, g.call("attack_random", 0x5EED_0001L, 5000, 0)[0], "random handle succeeded");
            assertEquals(1 << -DENIED, g.call("random_mask")[0], "codes seen (bit -code)");
            // The guest's own region bits with random slot and generation: never issued.
            assertEquals(0, g.call("attack_random", 0x5EED_0002L, 5000, 1)[0], "forged handle succeeded");
            assertEquals(1 << -FORGED, g.call("random_mask")[0], "codes seen (bit -code)");
            Region region = dir.region((int) g.call("region")[0]);
            assertEquals(5000L * 4, region.stats().failures(ErrorCode.FORGED_HANDLE), "forgeries counted");
            assertVictimIntact(g);
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void staleHandlesAndReferencesAreRefusedAfterFreeResetAndDestroy(Engine engine) {
        try (TvmGuest g = attacker(engine)) {
            int n = (int) g.call("attack_stale")[0];
            assertArrayEquals(STALE_REPLAY, HostUnharmed.codes(g, n));
            assertVictimIntact(g);
            assertEquals(1, TestGuests.tenantRegions(dir), "the guest's scratch regions are gone");
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void hugeLengthsBadOffsetsAndForeignPointersAreRefused(Engine engine) {
        try (TvmGuest g = attacker(engine)) {
            int n = (int) g.call("attack_bounds")[0];
            assertArrayEquals(BOUNDS, HostUnharmed.codes(g, n));
            assertEquals(1, TestGuests.tenantRegions(dir), "no bad region_create made a region");
            assertVictimIntact(g);
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void loadsAndStoresOutsideTheAllocationTrap(Engine engine) {
        long[][] offsets = { // {offset, code}
            {-1, OOB}, {Long.MIN_VALUE, OOB}, {Long.MAX_VALUE, OOB}, {249, OOB}, {256, OOB}, {-8, OOB}
        };
        try (TvmGuest g = attacker(engine)) {
            long victim = g.call("victim")[0];
            for (long[] c : offsets) {
                TvmTrapException load = assertThrows(TvmTrapException.class, () -> g.call("load_at", victim, c[0]));
                assertEquals(c[1], load.code().code(), "load at " + c[0]);
                TvmTrapException store =
                        assertThrows(TvmTrapException.class, () -> g.call("store_at", victim, c[0], -1L));
                assertEquals(c[1], store.code().code(), "store at " + c[0]);
            }
            TvmTrapException load32 = assertThrows(TvmTrapException.class, () -> g.call("load32_at", victim, 253));
            assertEquals(OOB, load32.code().code());
            // The edges themselves are fine, and the guest keeps running after its traps.
            int le = 0;
            for (int i = 3; i >= 0; i--) {
                le = (le << 8) | (((252 + i) * 7 + 3) & 0xFF);
            }
            assertEquals(le, (int) g.call("load32_at", victim, 252)[0]);
            g.call("load_at", victim, 248);
            assertVictimIntact(g);
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void failuresAreCountedNotFatal(Engine engine) {
        try (TvmGuest g = attacker(engine)) {
            g.call("attack_bounds");
            g.call("attack_stale");
            Region region = dir.region((int) g.call("region")[0]);
            Set<ErrorCode> seen = EnumSet.noneOf(ErrorCode.class);
            seen.addAll(region.stats().handleFailures().keySet());
            assertTrue(seen.contains(ErrorCode.OUT_OF_BOUNDS), "out-of-bounds attempts counted: " + seen);
            assertTrue(seen.contains(ErrorCode.STALE_HANDLE), "stale replays counted: " + seen);
            assertVictimIntact(g);
        }
    }
}
