package dev.tvm.chicory.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.RegionMemories;
import dev.tvm.core.GuestPages;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.ResidencyStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A real, unmodified guest ({@code src/test/resources/memory/paged_fill.wat}) that grows memory 0
 * far past the resident budget, fills it with a pattern and verifies it itself, run by Chicory's
 * compiler and interpreter over {@link RegionMemories}: the "60 MiB written into memory 0
 * under a 4 MiB budget", which must now stay within the budget.
 */
class PagedGuestMemoryTest {
    private static final long BUDGET = 4L << 20;
    private static final long SLACK = Math.max(4L * PagedMemoryModel.PAGE, BUDGET / 64);

    @TempDir
    Path spillDir;

    private static WasmModule module() {
        try (InputStream in = PagedGuestMemoryTest.class.getResourceAsStream("/memory/paged_fill.wasm")) {
            return Parser.parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Invariants: the guest's own check of every word it wrote finds no wrong word, twice (the
     * second pass reads pages back from the spill file again); memory 0 is a paged region whose
     * pages were spilled and faulted back; resident bytes never exceeded the budget plus the slack,
     * though the guest wrote 15 times the budget (3 times with the interpreter, which is slower).
     */
    @ParameterizedTest
    @CsvSource({"COMPILER, 60", "INTERPRETER, 12"})
    void aGuestFillingMemoryZeroFarPastTheBudgetVerifiesAndStaysWithinIt(Engine engine, int mebibytes) {
        WasmModule module = module();
        try (RegionDirectory directory = RegionDirectory.builder()
                        .withResidentBudget(BUDGET)
                        .withSpillDirectory(spillDir)
                        .build();
                RegionMemories memories = RegionMemories.factory(directory)) {
            Instance.Builder builder = Instance.builder(module).withMemoryFactory(memories);
            if (engine == Engine.COMPILER) {
                builder.withMachineFactory(engine.machineFactory(module));
            }
            Instance instance = builder.build();
            GuestPages paging =
                    assertInstanceOf(SegmentMemory.class, instance.memory()).paging();
            paging.exit(); // built: from now on each call enters, as TvmGuest does

            int bytes = mebibytes << 20;
            int seed = 0x5EED;
            assertEquals(bytes >> 16, call(instance, paging, "fill", bytes, seed), "memory.grow succeeded");
            assertEquals(0, call(instance, paging, "verify", bytes, seed), "words the guest found wrong");
            assertEquals(0, call(instance, paging, "verify", bytes, seed), "words wrong on the second pass");
            assertEquals(bytes / 4, call(instance, paging, "verify", bytes, seed + 1), "the check can fail");

            ResidencyStats stats = directory.residencyStats();
            assertTrue(stats.bytesSpilled() >= bytes - BUDGET - SLACK, "memory 0 was paged out: " + stats);
            assertTrue(stats.bytesFaulted() >= 2L * (bytes - BUDGET - SLACK), "and back, twice: " + stats);
            assertTrue(stats.peakResidentBytes() <= BUDGET + SLACK, "within budget + slack: " + stats);
            assertEquals(memories.regions().get(0), memories.regionOf(instance.memory()));
        }
    }

    private static long call(Instance instance, GuestPages paging, String export, long... args) {
        paging.enter();
        try {
            return instance.export(export).apply(args)[0];
        } finally {
            paging.exit();
        }
    }
}
