package dev.tvm.bench.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checksum-equality test: at its smallest size, every workload gives the same {@code bench_setup}
 * result and the same checksums over two passes in every variant Chicory can run, on the
 * interpreter and the compiler, and in the plain Java twin.
 */
class MatrixChecksumTest {
    static Stream<Arguments> workloads() {
        return Stream.of(Workload.values()).map(Arguments::of);
    }

    private static long[] run(Workload w, Variant v, EngineId e, long bytes) {
        try (MatrixCell cell = MatrixCells.open(w, v, e, bytes)) {
            long used = cell.setup(bytes, MatrixCells.SEED);
            return new long[] {used, cell.run(), cell.run()};
        }
    }

    @ParameterizedTest
    @MethodSource("workloads")
    void everyVariantAgreesWithM32(Workload w) {
        long bytes = w.sizes().get(0);
        long[] reference = run(w, Variant.M32, EngineId.CHICORY_COMPILER, bytes);
        assertTrue(reference[0] > 0, w.id() + ": bench_setup failed with " + reference[0]);
        assertTrue(reference[1] >= 0 && reference[2] >= 0, w.id() + ": bench_run failed");
        List<String> mismatches = new ArrayList<>();
        for (Variant v : Variant.values()) {
            for (EngineId e : List.of(EngineId.CHICORY_COMPILER, EngineId.CHICORY_INTERPRETER, EngineId.JVM)) {
                if (!e.runs(v) || v.whyNot(w) != null) {
                    continue;
                }
                long[] got = run(w, v, e, bytes);
                if (got[0] != reference[0] || got[1] != reference[1] || got[2] != reference[2]) {
                    mismatches.add(v.id() + "/" + e.id() + " " + java.util.Arrays.toString(got));
                }
            }
        }
        assertEquals(
                List.of(),
                mismatches,
                w.id() + " at " + bytes + " bytes: m32 gave " + java.util.Arrays.toString(reference));
    }
}
