package dev.tvm.cli;

import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.MatrixCells;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import dev.tvm.bench.run.BenchPlan;
import dev.tvm.bench.run.BenchRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tvm bench}: the benchmark matrix of issue 6. Parses the options into a {@link BenchPlan},
 * prints it and has tvm-bench's {@link BenchRun} measure it (JVM engines through JMH, Node and
 * Chromium through {@code engines/bench.mjs}) and write {@code results.json}, {@code report.md} and
 * the plots into the output directory, with a progress bar on the way.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Run the benchmark matrix (workload x size x memory model x engine) and write",
            "results.json, report.md (ratios to M32, targets) and PNG plots into --out."
        })
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "Short warm-up and few samples: the whole matrix in under 10 minutes.")
    boolean quick;

    @Option(
            names = "--classes",
            split = ",",
            paramLabel = "CLASS",
            description = "Workload classes (default: all): ${COMPLETION-CANDIDATES}.",
            completionCandidates = WorkloadIds.class)
    List<String> classes;

    @Option(
            names = "--sizes",
            split = ",",
            paramLabel = "SIZE",
            description = "Working-set sizes for every class, e.g. 16k,1m (default: each class's own sizes).")
    List<String> sizes;

    @Option(
            names = "--variants",
            split = ",",
            paramLabel = "VARIANT",
            description = "Memory models (default: all each engine can run): ${COMPLETION-CANDIDATES}.",
            completionCandidates = VariantIds.class)
    List<String> variants;

    @Option(
            names = "--engines",
            split = ",",
            paramLabel = "ENGINE",
            description = "Engines (default: all): ${COMPLETION-CANDIDATES}.",
            completionCandidates = EngineIds.class)
    List<String> engines;

    @Option(
            names = "--interpreter-max",
            defaultValue = "64m",
            paramLabel = "SIZE",
            converter = Sizes.Converter.class,
            description = "Largest working set run on Chicory's interpreter, which is 50-100x slower than its"
                    + " compiler; larger cells are reported as skipped (default: ${DEFAULT-VALUE}).")
    long interpreterMax;

    @Option(
            names = "--seed",
            defaultValue = "" + MatrixCells.SEED,
            description = "Seed of every bench_setup (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Output directory (default: bench-results/matrix-<date>-<time>).")
    Path out;

    @Option(
            names = "--root",
            paramLabel = "DIR",
            description = "Repository root with engines/ and bench/ (default: found from here or from the jar).")
    Path root;

    @Option(names = "--plan", description = "Print the plan and exit without measuring.")
    boolean planOnly;

    private final BenchRun.Runners runners;

    BenchCommand() {
        this(null);
    }

    /** With {@code runners} null, the real ones ({@link BenchRun#realRunners}). */
    BenchCommand(BenchRun.Runners runners) {
        this.runners = runners;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        BenchPlan plan;
        try {
            plan = plan();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        stdout.print(plan.describe());
        stdout.flush();
        if (planOnly) {
            return 0;
        }
        if (plan.cells().isEmpty()) {
            err.println("bench: the selection has no cells");
            return 2;
        }
        Path repo = root != null ? root : BenchRun.findRoot();
        Path dir = out != null ? out : BenchRun.defaultOut();
        BenchRun.Runners r = runners != null ? runners : BenchRun.realRunners(repo, interpreterMax);
        ProgressBar bar = ProgressBar.counting(err, "bench", plan.cells().size(), ProgressBar.terminal(), "cells");
        BenchRun.Outcome outcome = BenchRun.run(plan, r, repo, dir, command(), bar::advance);
        bar.finish();
        stdout.println(
                "measured " + outcome.measured() + " of " + outcome.results().size() + " cells; wrote "
                        + outcome.report() + ", " + outcome.resultsFile() + " and the plots");
        return 0;
    }

    /** The command line as typed, for the results' metadata. */
    private String command() {
        // The parse result holds the whole command line ("bench --quick") when run as tvm's subcommand.
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        boolean hasName = !args.isEmpty() && args.get(0).equals("bench");
        return "tvm " + (hasName ? "" : "bench ") + String.join(" ", args);
    }

    BenchPlan plan() {
        List<Workload> ws = classes == null
                ? List.of(Workload.values())
                : classes.stream().map(Workload::byId).toList();
        List<Long> ss =
                sizes == null ? null : sizes.stream().map(BenchCommand::size).toList();
        List<Variant> vs =
                variants == null ? null : variants.stream().map(Variant::byId).toList();
        List<EngineId> es = engines == null
                ? List.of(EngineId.values())
                : engines.stream().map(EngineId::byId).toList();
        return BenchPlan.of(ws, ss, vs, es, quick, seed);
    }

    private static long size(String text) {
        try {
            return Sizes.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--sizes " + text + ": " + e.getMessage(), e);
        }
    }

    static final class WorkloadIds extends ArrayList<String> {
        WorkloadIds() {
            for (Workload w : Workload.values()) {
                add(w.id());
            }
        }
    }

    static final class VariantIds extends ArrayList<String> {
        VariantIds() {
            for (Variant v : Variant.values()) {
                add(v.id());
            }
        }
    }

    static final class EngineIds extends ArrayList<String> {
        EngineIds() {
            for (EngineId e : EngineId.values()) {
                add(e.id());
            }
        }
    }
}
