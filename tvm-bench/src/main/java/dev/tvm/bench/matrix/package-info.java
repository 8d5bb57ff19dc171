/**
 * The benchmark matrix (issue 6): every workload class, at several sizes, in every memory model
 * (variant), on every engine, reported as ratios to M32.
 *
 * <h2>Contract between the pieces</h2>
 *
 * <ul>
 *   <li><b>Workloads</b> ({@link dev.tvm.bench.matrix.Workload}) are C sources under {@code
 *       bench/workloads/src/}, one per class, compiled once per wasm variant by {@code
 *       bench/workloads/build.sh} into {@code bench/workloads/wasm/<workload>-<suffix>.wasm}
 *       ({@link dev.tvm.bench.matrix.Variant#fileSuffix()}); the committed binaries are what runs.
 *   <li><b>Guest ABI</b>, the same in every variant: {@code bench_setup(i64 bytes, i64 seed) -> i64}
 *       builds a working set of about {@code bytes} bytes and returns the bytes it really uses (or a
 *       negative error); {@code bench_run() -> i64} makes one pass of the workload over it (one
 *       <em>operation</em>) and returns a checksum, which must be equal across variants and engines
 *       for the same workload, size and seed.
 *   <li><b>Results</b>: every runner (JMH on the JVM, {@code engines/bench.mjs} for V8) produces
 *       {@link dev.tvm.bench.matrix.BenchResult}s; {@code results.json} is a JSON object with the
 *       run's metadata and a {@code results} array of them, field names as in the record.
 * </ul>
 */
package dev.tvm.bench.matrix;
