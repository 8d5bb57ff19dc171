package dev.tvm.chicory.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TenantQuota;
import dev.tvm.chicory.TestGuests;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.chicory.wit.TypedImports;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.TvmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A guest that allocates without end and one that reserves address space without end ({@code
 * guests/src/hostile_exhaust.wat}) are stopped by their {@link TenantQuota} with the documented
 * codes, while a second tenant ({@code hostile_tenant.wat}) goes on allocating, writing and
 * reading, and a region the host pinned stays pinned. Before the quotas the first attack ended
 * the JVM with {@code OutOfMemoryError} in the handle table, and the second left every other
 * tenant with {@code NO_MEMORY}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HostileExhaustionTest extends WithPinnedHostRegion {
    private TvmGuest attacker(Engine engine, TenantQuota quota) {
        TvmGuest g = TvmGuest.builder(TestGuests.module("hostile_exhaust.wasm"), dir)
                .withEngine(engine)
                .withQuota(quota)
                .build();
        g.tvm().grant(hostRegion.ref());
        return g;
    }

    private TvmGuest victim(Engine engine) {
        TvmGuest g = TvmGuest.builder(TestGuests.module("hostile_tenant.wasm"), dir)
                .withEngine(engine)
                .build();
        assertNotEquals(0, g.call("own_setup", 7)[0], "the second tenant sets up");
        return g;
    }

    /** The second tenant can still create, allocate, write and read; the host's pin holds. */
    private void assertOthersUnharmed(TvmGuest victim) {
        long handle = victim.call("own_setup", 11)[0];
        assertNotEquals(0, handle, "the second tenant creates a region and allocates");
        long sum = 0;
        for (int i = 0; i < 256; i++) {
            sum += (long) ((i * 7 + 11) & 0xFF) * (i + 1);
        }
        assertEquals(sum, victim.call("checksum", handle, 256)[0], "the second tenant's bytes");
        assertEquals(1, hostRegion.info().pinCount(), "the host's pin");
    }

    private static long expectedFor(long quota, int mode) {
        return mode == 1 ? quota / 256 * 256 : quota;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aGuestAllocatingWithoutEndStopsAtItsHandleQuota(Engine engine) {
        long quota = 50_000;
        try (TvmGuest victim = victim(engine)) {
            for (int mode = 0; mode < 3; mode++) {
                try (TvmGuest mallory = attacker(engine, TenantQuota.DEFAULT.withMaxHandles(quota))) {
                    long made = mallory.call("exhaust_handles", mode, 16, 10_000_000)[0];
                    assertEquals(expectedFor(quota, mode), made, "allocations made in mode " + mode);
                    assertEquals(ErrorCode.TOO_MANY_HANDLES.code(), (int) mallory.call("last_code")[0]);
                    // Freeing is what the quota asks for: after a reset the same tenant can allocate
                    // as much again (in a second region).
                    int ref = mallory.tvm().createdRegions().getFirst();
                    dir.region(ref).reset();
                    long again = expectedFor(quota, mode);
                    assertEquals(again, mallory.call("exhaust_handles", mode, 16, again)[0], "after a reset");
                    assertEquals(0, (int) mallory.call("last_code")[0], "stopped by its bound, not refused");
                    assertOthersUnharmed(victim);
                }
            }
            HostUnharmed.assertHealthy(dir, hostRegion);
        }
    }

    /** With the default quota: the attack of the issue, which used to end the JVM. */
    @Test
    void theDefaultHandleQuotaStopsTheAttackThatUsedToKillTheHost() {
        try (TvmGuest victim = victim(Engine.COMPILER);
                TvmGuest mallory = attacker(Engine.COMPILER, TenantQuota.DEFAULT)) {
            long made = mallory.call("exhaust_handles", 0, 16, Long.MAX_VALUE)[0];
            assertEquals(TenantQuota.DEFAULT.maxHandles(), made);
            assertEquals(ErrorCode.TOO_MANY_HANDLES.code(), (int) mallory.call("last_code")[0]);
            assertOthersUnharmed(victim);
        }
        HostUnharmed.assertHealthy(dir, hostRegion);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aGuestAllocatingWithoutEndStopsAtItsResidentQuota(Engine engine) {
        long quota = 8L << 20;
        try (TvmGuest victim = victim(engine);
                TvmGuest mallory = attacker(engine, TenantQuota.DEFAULT.withMaxResidentBytes(quota))) {
            long made = mallory.call("exhaust_handles", 0, 4096, 10_000_000)[0];
            assertEquals(quota / 4096, made, "4 KiB allocations within 8 MiB");
            assertEquals(ErrorCode.NO_MEMORY.code(), (int) mallory.call("last_code")[0]);
            assertOthersUnharmed(victim);
        }
        HostUnharmed.assertHealthy(dir, hostRegion);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aGuestReservingWithoutEndStopsAtItsReservedQuota(Engine engine) {
        try (TvmGuest victim = victim(engine)) {
            try (TvmGuest mallory = attacker(engine, TenantQuota.DEFAULT)) {
                // 0 = 4 GiB regions: 64 GiB reserved is 16 of them.
                assertEquals(16, mallory.call("reserve_forever", 0, 1_000_000)[0]);
                assertEquals(ErrorCode.NO_MEMORY.code(), (int) mallory.call("last_code")[0]);
                assertOthersUnharmed(victim);
                // A destroyed region gives its share back.
                dir.destroy(mallory.tvm().createdRegions().getFirst());
                assertEquals(1, mallory.call("reserve_forever", 0, 1_000_000)[0]);
            }
            try (TvmGuest mallory = attacker(engine, TenantQuota.DEFAULT)) {
                // Small regions: the region count is the limit.
                assertEquals(256, mallory.call("reserve_forever", 65536, 1_000_000)[0]);
                assertEquals(ErrorCode.TOO_MANY_REGIONS.code(), (int) mallory.call("last_code")[0]);
                assertOthersUnharmed(victim);
            }
            assertEquals(
                    1 + victim.tvm().createdRegions().size(),
                    TestGuests.tenantRegions(dir),
                    "the attackers' regions went with them");
            HostUnharmed.assertHealthy(dir, hostRegion);
        }
    }

    /** Many attackers at once, each within its quota: the others, and the host, keep going. */
    @Test
    void manyTenantsReservingAtOnceLeaveRoomForTheOthers() {
        try (TvmGuest victim = victim(Engine.COMPILER)) {
            List<TvmGuest> attackers = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    TvmGuest mallory = attacker(Engine.COMPILER, TenantQuota.DEFAULT);
                    attackers.add(mallory);
                    assertEquals(16, mallory.call("reserve_forever", 0, 1_000_000)[0]);
                }
                assertOthersUnharmed(victim);
            } finally {
                attackers.forEach(TvmGuest::close);
            }
            HostUnharmed.assertHealthy(dir, hostRegion);
        }
    }

    /** The typed path counts against the same quota as the raw path of the same guest. */
    @Test
    void theTypedPathObeysTheSameQuota() {
        try (TvmGuest raw = attacker(Engine.COMPILER, TenantQuota.DEFAULT.withMaxHandles(1000))) {
            TypedImports typed = TypedImports.builder(raw.tvm()).build();
            try (TvmGuest typedGuest = TvmGuest.builder(TestGuests.module("typed.wasm"), dir)
                    .withHostFunctions(typed.functions())
                    .build()) {
                long made = raw.call("exhaust_handles", 0, 16, 600)[0];
                assertEquals(600, made);
                int region = raw.tvm().createdRegions().getFirst();
                int ok = 0;
                long last = 0;
                for (int i = 0; i < 500; i++) {
                    last = typedGuest.call("typed_alloc", region, 16)[0];
                    if (last < 0) {
                        break;
                    }
                    ok++;
                }
                assertEquals(400, ok, "typed allocations left under the shared quota");
                assertEquals(ErrorCode.TOO_MANY_HANDLES.code(), last);
            } finally {
                typed.close();
            }
        }
        HostUnharmed.assertHealthy(dir, hostRegion);
    }

    /** The acceptance run of issue 11: every scenario above, 100 times, with -Dtvm.hostile.repeat=true. */
    @RepeatedTest(100)
    @EnabledIfSystemProperty(named = "tvm.hostile.repeat", matches = "true")
    void hundredRunsInARow() {
        for (Engine engine : Engine.values()) {
            aGuestAllocatingWithoutEndStopsAtItsHandleQuota(engine);
            aGuestAllocatingWithoutEndStopsAtItsResidentQuota(engine);
            aGuestReservingWithoutEndStopsAtItsReservedQuota(engine);
        }
        theDefaultHandleQuotaStopsTheAttackThatUsedToKillTheHost();
        manyTenantsReservingAtOnceLeaveRoomForTheOthers();
        theTypedPathObeysTheSameQuota();
    }

    @Test
    void aQuotaMustBePositive() {
        TvmException e = assertThrows(TvmException.class, () -> TenantQuota.DEFAULT.withMaxHandles(0));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        e = assertThrows(TvmException.class, () -> TenantQuota.DEFAULT.withMaxReservedBytes(1));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }
}
