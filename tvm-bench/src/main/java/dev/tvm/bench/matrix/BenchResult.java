package dev.tvm.bench.matrix;

/**
 * One measured cell of the matrix; {@code results.json} holds an array of these (JSON field names
 * as the components).
 *
 * @param workload {@link Workload#id()}
 * @param sizeBytes the requested working-set size
 * @param variant {@link Variant#id()}
 * @param engine {@link EngineId#id()} plus an optional version after a space ({@code "node 24.9.0"})
 * @param nsPerOp the score: median (V8) or JMH mean time of one {@code bench_run}, in nanoseconds
 * @param errorNs the score's error (JMH's 99.9 % half-width, or the V8 harness's interquartile range)
 * @param samples measured iterations behind the score
 * @param checksum the {@code bench_run} result, as a decimal string; equal across variants
 * @param note why a cell is missing or unusual ("" when nothing to say), e.g. "engine has no memory64"
 */
public record BenchResult(
        String workload,
        long sizeBytes,
        String variant,
        String engine,
        double nsPerOp,
        double errorNs,
        int samples,
        String checksum,
        String note) {}
