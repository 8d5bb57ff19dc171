package dev.tvm.bench.matrix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The benchmark matrix on the JVM: one operation is one {@code bench_run} pass of a workload over
 * its working set. {@link JvmMatrix} runs it cell by cell with the parameters set; run by hand it
 * takes {@code -p workload=seq-sum -p size=16384 -p variant=tvm-host -p engine=chicory-compiler}.
 *
 * <p>{@code @Setup} builds the cell, runs one pass and compares its checksum with the M32 variant's
 * (ByteArrayMemory on Chicory's compiler, built in the same fork and dropped before measuring: a
 * separately compiled module, so the measured module's memory call sites stay monomorphic); a
 * mismatch fails the trial. Each iteration's last pass must not report an error, and for the
 * workloads whose passes leave the working set as it was, must still give the first checksum.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@State(Scope.Benchmark)
public class MatrixBench {
    /** If set, {@code @Setup} writes the verified checksum to this file (how {@link JvmMatrix} learns it). */
    public static final String CHECKSUM_FILE_PROPERTY = "tvm.bench.checksumFile";

    @Param({"seq-sum"})
    public String workload;

    @Param({"16384"})
    public long size;

    @Param({"m32"})
    public String variant;

    @Param({"chicory-compiler"})
    public String engine;

    private MatrixCell cell;
    private long expected;
    private boolean idempotent;
    private long last;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Workload w = Workload.byId(workload);
        Variant v = Variant.byId(variant);
        EngineId e = EngineId.byId(engine);
        long reference = v == Variant.M32 && e == EngineId.CHICORY_COMPILER ? 0 : reference(w, size);
        cell = MatrixCells.open(w, v, e, size);
        long used = cell.setup(size, MatrixCells.SEED);
        if (used < 0) {
            throw new IllegalStateException(cellName() + ": bench_setup failed with " + used);
        }
        expected = cell.run();
        if (expected < 0) {
            throw new IllegalStateException(cellName() + ": bench_run failed with " + expected);
        }
        if (reference != 0 && reference != expected) {
            throw new IllegalStateException(
                    cellName() + ": checksum " + expected + " differs from m32's " + reference + " (same seed)");
        }
        // growth and gen-alloc-scan change their state each pass (the old generation moves on).
        idempotent = w != Workload.GEN_ALLOC_SCAN;
        last = expected;
        String file = System.getProperty(CHECKSUM_FILE_PROPERTY);
        if (file != null && !file.isBlank()) {
            Files.writeString(Path.of(file), Long.toString(expected));
        }
    }

    private static long reference(Workload w, long bytes) {
        try (MatrixCell m32 = MatrixCells.open(w, Variant.M32, EngineId.CHICORY_COMPILER, bytes)) {
            long used = m32.setup(bytes, MatrixCells.SEED);
            if (used < 0) {
                throw new IllegalStateException(w.id() + "/m32: bench_setup failed with " + used);
            }
            return m32.run();
        }
    }

    private String cellName() {
        return workload + "/" + size + "/" + variant + "/" + engine;
    }

    @TearDown(Level.Iteration)
    public void check() {
        if (last < 0 || (idempotent && last != expected)) {
            throw new IllegalStateException(cellName() + ": a pass returned " + last + ", expected " + expected);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (cell != null) {
            cell.close();
        }
    }

    /** One pass over the working set. */
    @Benchmark
    public long pass() {
        long r = cell.run();
        last = r;
        return r;
    }
}
