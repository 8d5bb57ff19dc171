package dev.tvm.chicory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.ResidencyStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many live instances of a real stateful guest ({@code guests/wasm/kvstore.wasm}) under one
 * resident budget far below what they wrote: idle instances' memories spill, and each one called
 * again faults its pages back and answers exactly as plain Chicory does for the same input. The
 * small form of the density harness ({@code dev.tvm.bench.DensityHarness}).
 */
class DensityTest {
    private static final int INSTANCES = 300;
    private static final int ENTRIES = 200;
    private static final long BUDGET = 4L << 20;
    private static final long PAGE = Memory.PAGE_SIZE;

    @TempDir
    Path spill;

    private static long seed(int instance) {
        return 31L * instance + 5;
    }

    /** What plain Chicory ({@link ByteArrayMemory}) computes for kv_init(ENTRIES, seed): count, checksum. */
    private static long[] reference(WasmModule module, Function<Instance, Machine> machines, int instance) {
        Instance plain = Instance.builder(module)
                .withMemoryFactory(ByteArrayMemory::new)
                .withMachineFactory(machines)
                .build();
        plain.export("_initialize").apply();
        long count = plain.export("kv_init").apply(ENTRIES, seed(instance))[0];
        return new long[] {count, plain.export("kv_checksum").apply()[0]};
    }

    @Test
    void everyInstanceAnswersCorrectlyAfterItsPagesWereEvictedByTheOthers() {
        WasmModule module = TestGuests.module("kvstore.wasm");
        Function<Instance, Machine> machines = MachineFactoryCompiler.compile(module);
        List<TvmGuest> guests = new ArrayList<>();
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(BUDGET)
                .withSpillDirectory(spill)
                .build()) {
            try {
                for (int i = 0; i < INSTANCES; i++) {
                    TvmGuest guest = TvmGuest.builder(module, dir)
                            .withMachineFactory(machines)
                            .withMaxMemory(16L << 20)
                            .build();
                    guests.add(guest);
                    guest.call("_initialize");
                    assertEquals(ENTRIES, guest.call("kv_init", ENTRIES, seed(i))[0]);
                }
                ResidencyStats created = dir.residencyStats();
                long written = 0;
                for (TvmGuest guest : guests) {
                    written += guest.instance().memory().pages() * PAGE;
                }
                assertTrue(written > 8 * BUDGET, "the instances' memories exceed the budget eightfold: " + written);
                assertTrue(created.spills() > 0 && created.bytesSpilled() > 0, "idle instances spilled: " + created);

                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < INSTANCES; i++) {
                    order.add(i);
                }
                Collections.shuffle(order, new Random(13));
                for (int i : order) {
                    TvmGuest guest = guests.get(i);
                    long[] expected = reference(module, machines, i);
                    assertEquals(0, guest.call("kv_verify")[0], "instance " + i + ": its table is consistent");
                    assertEquals(expected[0], guest.call("kv_count")[0], "instance " + i + ": count");
                    assertEquals(
                            expected[1], guest.call("kv_checksum")[0], "instance " + i + ": checksum as plain Chicory");
                }
                ResidencyStats recalled = dir.residencyStats();
                // At most BUDGET / 64 KiB instances can have a page resident, so every other one faulted.
                long mustFault = INSTANCES - BUDGET / PAGE;
                assertTrue(
                        recalled.faults() - created.faults() >= mustFault,
                        "at least " + mustFault + " instances faulted their pages back: " + created + " -> "
                                + recalled);
                assertTrue(recalled.peakResidentBytes() <= BUDGET, "the budget held: " + recalled);
                assertEquals(0, recalled.spillFailures());
            } finally {
                for (TvmGuest guest : guests) {
                    guest.close();
                }
            }
        }
    }
}
