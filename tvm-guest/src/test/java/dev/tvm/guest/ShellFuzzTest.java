package dev.tvm.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import java.util.Random;

/**
 * Fuzzes the shell generator on arbitrary bytes, in two parts per input:
 *
 * <ol>
 *   <li><b>options</b>: the five builder options are arbitrary ints; the builder either throws
 *       {@link IllegalArgumentException} or generates a module that Chicory parses, and, when its
 *       memories fit this JVM ({@link #MAX_INSTANTIATED_BYTES}) and Chicory's 32,767-page limit,
 *       instantiates, reporting its pool count;
 *   <li><b>operations</b>: a shell with fuzzer-chosen pools, pages, regions and slots (within what
 *       the differential harness needs: 3 regions of {@link DifferentialTest#CAPACITY} bytes and a
 *       slot per operation) placed in fuzzer-chosen pools runs a fuzzer-chosen operation sequence
 *       through {@link DifferentialTest#run}, which checks it against tvm-core.
 * </ol>
 */
class ShellFuzzTest {
    /** Shells whose initial memories are larger than this are parsed but not instantiated. */
    static final long MAX_INSTANTIATED_BYTES = 64L << 20;

    @FuzzTest(maxDuration = "10m")
    void shellGenerator(FuzzedDataProvider data) {
        options(data.consumeInt(), data.consumeInt(), data.consumeInt(), data.consumeInt(), data.consumeInt());
        operations(data);
    }

    private static void options(int pools, int initial, int maximum, int regions, int slots) {
        ShellGenerator generator;
        try {
            generator = ShellGenerator.builder()
                    .withPools(pools)
                    .withInitialPages(initial)
                    .withMaximumPages(maximum)
                    .withMaxRegions(regions)
                    .withSlotsPerRegion(slots)
                    .build();
        } catch (IllegalArgumentException refused) {
            return;
        }
        byte[] wasm = generator.generate();
        WasmModule module = Parser.parse(wasm);
        long bytes = ((long) pools * initial + generator.metaPages()) << 16;
        if (bytes <= MAX_INSTANTIATED_BYTES && maximum <= 32767) {
            Shell shell = new Shell(wasm, Shell.Engine.INTERPRETER);
            assertEquals(pools, shell.call("pool_count"));
        } else {
            assertEquals(pools + 2, module.memorySection().orElseThrow().memoryCount(), "pools, meta, guest memory");
        }
    }

    private static void operations(FuzzedDataProvider data) {
        int pools = data.consumeInt(1, 8);
        int ops = data.consumeInt(1, 400);
        ShellGenerator generator = ShellGenerator.builder()
                .withPools(pools)
                .withInitialPages(data.consumeInt(0, 2))
                .withMaximumPages(data.consumeInt(3 * (int) (DifferentialTest.CAPACITY >> 16), 32767))
                .withMaxRegions(data.consumeInt(3, 64))
                .withSlotsPerRegion(data.consumeInt(ops, 4096))
                .build();
        int[] placement = {data.consumeInt(0, pools - 1), data.consumeInt(0, pools - 1), data.consumeInt(0, pools - 1)};
        // The interpreter only: compiling a shell per input costs seconds (DifferentialTest covers the compiler).
        Shell shell = new Shell(generator.generate(), Shell.Engine.INTERPRETER);
        Random rnd = new Random() {
            @Override
            protected int next(int bits) {
                return data.consumeInt() >>> (32 - bits);
            }
        };
        DifferentialTest.run(shell, placement, rnd, ops, "fuzzed shell");
    }
}
