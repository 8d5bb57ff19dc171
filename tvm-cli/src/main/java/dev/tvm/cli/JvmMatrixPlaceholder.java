package dev.tvm.cli;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import java.util.List;
import java.util.function.Consumer;

/**
 * PLACEHOLDER, to be deleted when branch bench-w is merged: stands in for {@code
 * dev.tvm.bench.matrix.JvmMatrix.run(Selection, Consumer<String>)} (JMH on Chicory, GraalWasm and
 * the plain Java loop), which is written there. It measures nothing and returns no results, so
 * {@code tvm bench} reports every JVM cell as missing with a note rather than inventing numbers.
 * At merge: replace the call in {@link BenchCommand#runJvm} with {@code JvmMatrix.run}, adapting
 * {@link Selection} to the real one.
 */
final class JvmMatrixPlaceholder {
    static final String NOTE = "JVM runner (JvmMatrix) not on this branch yet";

    /** The shape {@code tvm bench} hands the JVM runner; null lists mean "all" / the defaults. */
    record Selection(
            List<Workload> workloads,
            List<Long> sizes,
            List<Variant> variants,
            List<EngineId> engines,
            boolean quick,
            long seed) {}

    private JvmMatrixPlaceholder() {}

    static List<BenchResult> run(Selection selection, Consumer<String> progress) {
        progress.accept(NOTE);
        return List.of();
    }
}
