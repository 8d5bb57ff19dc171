package dev.tvm.chicory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.RegionStats;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The C example guest ({@code guests/src/list_sum.c}, compiled by clang) building and walking
 * linked lists through handles with the three allocation modes, on both engines.
 */
class ListSumGuestTest {
    /** build_list's third mode (0: one alloc per node, 1: a batch alloc, 2: one lease). */
    private static final int LEASE = 2;

    @ParameterizedTest(name = "{0} mode {1}")
    @CsvSource({"COMPILER, 0", "COMPILER, 1", "COMPILER, 2", "INTERPRETER, 0", "INTERPRETER, 1", "INTERPRETER, 2"})
    void listsBuiltInEveryModeSumToTheClosedForm(Engine engine, int mode) {
        try (RegionDirectory dir = RegionDirectory.builder().build();
                TvmGuest g = TvmGuest.builder(TestGuests.module("list_sum.wasm"), dir)
                        .withEngine(engine)
                        .build()) {
            Region region = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(16 << 20));
            g.tvm().grant(region.ref());
            int n = 5000;
            long head = g.call("build_list", region.ref(), n, mode)[0];
            assertEquals((long) n * (n - 1) / 2, g.call("sum_list", head, mode)[0]);
            assertEquals(n, g.call("list_length", head, mode)[0]);

            RegionStats stats = region.stats();
            assertEquals(mode == LEASE ? 1 : n, stats.liveAllocations(), "one allocation per node, or one lease");
            assertEquals(mode == LEASE ? 1 : 0, stats.leases());
            // Host-side view agrees with the guest: node i holds i.
            if (mode != LEASE) {
                assertEquals(0, dir.getLong(head, 0));
            } else {
                assertEquals(n - 1, dir.getLong(head, 16L * (n - 1)));
            }

            g.call("free_list", head, mode);
            assertEquals(0, region.stats().liveAllocations());
            // The head is stale now: walking it traps instead of reading freed memory.
            TvmTrapException trap = assertThrows(TvmTrapException.class, () -> g.call("sum_list", head, mode));
            assertEquals(ErrorCode.STALE_HANDLE, trap.code());
        }
    }

    @ParameterizedTest(name = "mode {0}")
    @CsvSource({"0", "1", "2"})
    void allocationHeavyLoopReportsWhyItCannotFit(int mode) {
        try (RegionDirectory dir = RegionDirectory.builder().build();
                TvmGuest g = TvmGuest.builder(TestGuests.module("list_sum.wasm"), dir)
                        .build()) {
            Region region = dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(64 << 10));
            g.tvm().grant(region.ref());
            assertEquals(1000, g.call("alloc_objects", region.ref(), 1000, mode, 32)[0]);
            region.reset();
            // Objects one by one fill the region; one lease of 3.2 MB can never fit 64 KiB at all.
            ErrorCode expected = mode == LEASE ? ErrorCode.INVALID_ARGUMENT : ErrorCode.REGION_FULL;
            assertEquals(expected.code(), g.call("alloc_objects", region.ref(), 100_000, mode, 32)[0]);
            assertEquals(expected.code(), g.tvm().lastError());
            region.reset();
            assertEquals(2048, g.call("alloc_objects", region.ref(), 2048, mode, 32)[0], "exactly 64 KiB fits");
        }
    }
}
