/**
 * The benchmark matrix's results: {@code results.json} ({@link dev.tvm.bench.report.ResultsFile}),
 * {@code report.md} ({@link dev.tvm.bench.report.Report}) with the targets of issue 6 evaluated
 * ({@link dev.tvm.bench.report.Targets}), and PNG plots ({@link dev.tvm.bench.report.Plots}).
 */
package dev.tvm.bench.report;
