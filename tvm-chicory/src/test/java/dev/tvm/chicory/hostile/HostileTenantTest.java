package dev.tvm.chicory.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TestGuests;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.chicory.TvmTrapException;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionStats;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two tenants on one directory, each with its own {@code TvmImports}: the attacker ({@code
 * guests/src/hostile_tenant.wat}) is handed the victim's region reference and handle and tries
 * every function of the ABI on them, guesses references, and keeps using a capability after the
 * region it named was destroyed and its id reused. Every attempt fails with ACCESS_DENIED
 * (STALE_REGION for the destroyed incarnation it really held); the victim's bytes and counters
 * do not change, and both tenants keep working.
 */
class HostileTenantTest {
    private static final int DENIED = ErrorCode.ACCESS_DENIED.code();
    private static final int ATTACKS = 21;

    private RegionDirectory dir;

    @BeforeEach
    void open() {
        dir = RegionDirectory.builder().build();
    }

    @AfterEach
    void close() {
        dir.close();
    }

    private TvmGuest tenant(Engine engine, int seed) {
        TvmGuest g = TvmGuest.builder(TestGuests.module("hostile_tenant.wasm"), dir)
                .withEngine(engine)
                .build();
        assertNotEquals(0, g.call("own_setup", seed)[0], "own_setup");
        return g;
    }

    private static long expectedChecksum(int seed) {
        long sum = 0;
        for (int i = 0; i < 256; i++) {
            sum += (long) ((i * 7 + seed) & 0xFF) * (i + 1);
        }
        return sum;
    }

    private static long checksum(TvmGuest reader, long handle) {
        return reader.call("checksum", handle, 256)[0];
    }

    private static int[] allDenied() {
        int[] out = new int[ATTACKS];
        Arrays.fill(out, DENIED);
        return out;
    }

    private static void assertEveryAttackDenied(TvmGuest attacker, int ref, long handle) {
        int n = (int) attacker.call("attack_foreign", ref, handle)[0];
        assertArrayEquals(allDenied(), HostUnharmed.codes(attacker, n), "attack_foreign codes");
        TvmTrapException load = assertThrows(TvmTrapException.class, () -> attacker.call("foreign_load", handle));
        assertEquals(ErrorCode.ACCESS_DENIED, load.code());
        TvmTrapException store =
                assertThrows(TvmTrapException.class, () -> attacker.call("foreign_store", handle, 0x6666L));
        assertEquals(ErrorCode.ACCESS_DENIED, store.code());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void anotherTenantsRegionsAreDeniedAndUntouched(Engine engine) {
        try (TvmGuest alice = tenant(engine, 3);
                TvmGuest mallory = tenant(engine, 5)) {
            int ref = (int) alice.call("own_region")[0];
            long secret = alice.call("own_handle")[0];
            RegionStats before = dir.region(ref).stats();

            assertEveryAttackDenied(mallory, ref, secret);
            // Guessing references: only its own region answers.
            assertEquals(1, mallory.call("scan", 16, 4)[0], "references mallory could describe");

            RegionStats after = dir.region(ref).stats();
            assertEquals(before.liveAllocations(), after.liveAllocations());
            assertEquals(before.bytesWritten(), after.bytesWritten(), "no byte of alice's was written");
            assertEquals(before.bytesRead(), after.bytesRead(), "no byte of alice's was read");
            assertEquals(0, after.frees() + after.resets() + after.compactions());
            assertEquals(expectedChecksum(3), checksum(alice, secret), "alice's bytes");
            // Both tenants carry on.
            assertEquals(expectedChecksum(5), checksum(mallory, mallory.call("own_handle")[0]));
            assertNotEquals(0, alice.call("own_setup", 9)[0], "alice can still create and allocate");
            HostUnharmed.assertHealthy(dir);
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aCapabilityDoesNotOutliveItsRegionIncarnation(Engine engine) {
        try (TvmGuest mallory = tenant(engine, 5)) {
            int aliceRef;
            long aliceHandle;
            try (TvmGuest alice = tenant(engine, 3)) {
                aliceRef = (int) alice.call("own_region")[0];
                aliceHandle = alice.call("own_handle")[0];
                // With a grant the same read works, so the capability is what refused it before...
                mallory.tvm().grant(aliceRef);
                assertEquals(expectedChecksum(3), checksum(mallory, aliceHandle));
                mallory.tvm().revoke(aliceRef);
                assertEquals(DENIED, checksum(mallory, aliceHandle));
                mallory.tvm().grant(aliceRef);
            } // ...alice leaves: her region is destroyed with her.
            assertEquals(ErrorCode.STALE_REGION.code(), checksum(mallory, aliceHandle));

            try (TvmGuest carol = tenant(engine, 11)) {
                int carolRef = (int) carol.call("own_region")[0];
                long carolHandle = carol.call("own_handle")[0];
                assertEquals(HandleCodec.regionId(aliceRef), HandleCodec.regionId(carolRef), "id reused");
                // Mallory's capability named alice's incarnation of the id, not carol's.
                assertEveryAttackDenied(mallory, carolRef, carolHandle);
                assertEquals(ErrorCode.STALE_REGION.code(), checksum(mallory, aliceHandle));
                assertEquals(expectedChecksum(11), checksum(carol, carolHandle), "carol's bytes");
                HostUnharmed.assertHealthy(dir);
            }
        }
    }

    /**
     * Pins are the tenant's: it can release only those it took, and they are released when it
     * leaves. Otherwise a tenant could pin its own regions and leave, so they are never destroyed
     * (their memory and ids lost to the host), or pin a region it was granted and leave, so the
     * owner can never destroy or compact it.
     */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void pinsDoNotOutliveTheTenantThatTookThem(Engine engine) {
        try (TvmGuest alice = tenant(engine, 3)) {
            int ref = (int) alice.call("own_region")[0];
            assertEquals(1, alice.call("pin_n", ref, 1)[0]);
            try (TvmGuest mallory = tenant(engine, 5)) {
                int own = (int) mallory.call("own_region")[0];
                assertEquals(3, mallory.call("pin_n", own, 3)[0]);
                mallory.tvm().grant(ref);
                assertEquals(2, mallory.call("pin_n", ref, 2)[0]);
                assertEquals(3, dir.region(ref).info().pinCount());
                // Its two unpins work; a third would release alice's pin and is refused.
                assertEquals(ErrorCode.INVALID_ARGUMENT.code(), mallory.call("unpin_n", ref, 3)[0]);
                assertEquals(1, dir.region(ref).info().pinCount(), "alice's pin stays");
                assertEquals(2, mallory.call("pin_n", ref, 2)[0]);
                assertEquals(2, TestGuests.tenantRegions(dir));
            } // mallory leaves holding 3 pins on its region and 2 on alice's
            assertEquals(1, dir.region(ref).info().pinCount(), "only alice's own pin remains");
            assertEquals(1, TestGuests.tenantRegions(dir), "mallory's pinned region went with it");
            assertEquals(1, alice.call("unpin_n", ref, 1)[0]);
            assertEquals(expectedChecksum(3), checksum(alice, alice.call("own_handle")[0]));
            HostUnharmed.assertHealthy(dir);
        }
    }
}
