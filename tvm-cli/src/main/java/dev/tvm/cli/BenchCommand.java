package dev.tvm.cli;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.JvmMatrix;
import dev.tvm.bench.matrix.MatrixCells;
import dev.tvm.bench.matrix.Selection;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import dev.tvm.bench.report.MachineInfo;
import dev.tvm.bench.report.Report;
import dev.tvm.bench.report.ResultsFile;
import dev.tvm.cli.BenchPlan.Cell;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tvm bench}: the benchmark matrix of issue 6. Runs the JVM engines through {@code JvmMatrix}
 * (JMH) and Node and Chromium through {@code engines/bench.mjs}, one engine after the other on the
 * same machine so ratios compare like with like, then writes {@code results.json}, {@code
 * report.md} and the plots into the output directory.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Run the benchmark matrix (workload x size x memory model x engine) and write",
            "results.json, report.md (ratios to M32, targets) and PNG plots into --out."
        })
final class BenchCommand implements Callable<Integer> {
    /** The note of a planned JVM cell that the JVM runner returned no result for. */
    static final String NO_JVM_RESULT = "no result from the JVM runner (JvmMatrix)";

    /** What measures the cells; tests inject a fake, the command line uses the real runners. */
    interface Runners {
        /** All JVM cells of the plan (Chicory, GraalWasm, plain Java); one progress line per finished cell. */
        List<BenchResult> runJvm(BenchPlan plan, Consumer<String> progress) throws Exception;

        /** The plan's cells on Node or Chromium; {@code each} sees every result as it arrives. */
        List<BenchResult> runV8(EngineId engine, BenchPlan plan, Path outDir, Consumer<BenchResult> each)
                throws Exception;
    }

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

    private final Runners runners;

    BenchCommand() {
        this(null);
    }

    /** With {@code runners} null, the real ones (JvmMatrix, engines/bench.mjs). */
    BenchCommand(Runners runners) {
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
        Path repo = root != null ? root : findRoot();
        Path dir = out != null ? out : defaultOut();
        Files.createDirectories(dir);
        Runners r = runners != null ? runners : new RealRunners(repo, err, interpreterMax);

        boolean interactive = ProgressBar.terminal();
        ProgressBar bar = ProgressBar.counting(err, "bench", plan.cells().size(), interactive, "cells");
        List<BenchResult> results = new ArrayList<>();
        List<Cell> jvmCells =
                plan.cells().stream().filter(c -> c.engine().onJvm()).toList();
        if (!jvmCells.isEmpty()) {
            long cap = jvmCells.size();
            long[] seen = {0};
            List<BenchResult> jvm = r.runJvm(plan, msg -> {
                if (seen[0] < cap) {
                    seen[0]++;
                    bar.advance(1);
                }
            });
            results.addAll(jvm);
            bar.advance(cap - seen[0]);
            results.addAll(missingCells(jvmCells, jvm, NO_JVM_RESULT));
        }
        for (EngineId e : List.of(EngineId.NODE, EngineId.CHROMIUM)) {
            List<Cell> cells = plan.on(e);
            if (cells.isEmpty()) {
                continue;
            }
            long cap = cells.size();
            long[] seen = {0};
            List<BenchResult> v8 = r.runV8(e, plan, dir, res -> {
                if (seen[0] < cap) {
                    seen[0]++;
                    bar.advance(1);
                }
            });
            bar.advance(cap - seen[0]);
            results.addAll(v8);
            results.addAll(missingCells(cells, v8, "no result from engines/bench.mjs"));
        }
        bar.finish();

        ResultsFile file = new ResultsFile(meta(plan, repo), results);
        Path report = Report.writeAll(file, dir);
        long measured =
                results.stream().filter(x -> Double.isFinite(x.nsPerOp())).count();
        stdout.println("measured " + measured + " of " + results.size() + " cells; wrote " + report + ", "
                + dir.resolve("results.json") + " and the plots");
        return 0;
    }

    /** Planned cells the runner returned nothing for, as missing results, so the report shows them. */
    static List<BenchResult> missingCells(List<Cell> planned, List<BenchResult> got, String note) {
        Set<String> have = new HashSet<>();
        for (BenchResult b : got) {
            have.add(key(b.workload(), b.sizeBytes(), b.variant(), engineId(b.engine())));
        }
        List<BenchResult> out = new ArrayList<>();
        for (Cell c : planned) {
            if (!have.contains(key(
                    c.workload().id(),
                    c.sizeBytes(),
                    c.variant().id(),
                    c.engine().id()))) {
                out.add(V8Runner.missing(c, c.engine().id(), note));
            }
        }
        return out;
    }

    private static String key(String w, long size, String v, String e) {
        return w + "|" + size + "|" + v + "|" + e;
    }

    private static String engineId(String label) {
        int space = label.indexOf(' ');
        return space < 0 ? label : label.substring(0, space);
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
        if (seed != MatrixCells.SEED && es.stream().anyMatch(e -> e != EngineId.NODE && e != EngineId.CHROMIUM)) {
            // the JVM cells are set up with MatrixCells.SEED; checksums compare across engines
            throw new IllegalArgumentException(
                    "--seed " + seed + " needs --engines node,chromium: the JVM runner uses seed " + MatrixCells.SEED);
        }
        return BenchPlan.of(ws, ss, vs, es, quick, seed);
    }

    private static long size(String text) {
        try {
            return Sizes.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--sizes " + text + ": " + e.getMessage(), e);
        }
    }

    private Map<String, String> meta(BenchPlan plan, Path repo) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", LocalDateTime.now().withNano(0).toString());
        // The parse result holds the whole command line ("bench --quick") when run as tvm's subcommand.
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        boolean hasName = !args.isEmpty() && args.get(0).equals("bench");
        m.put("command", "tvm " + (hasName ? "" : "bench ") + String.join(" ", args));
        m.put("budget", plan.quick() ? "quick" : "full");
        m.put("seed", Long.toString(plan.seed()));
        String commit = gitCommit(repo);
        if (commit != null) {
            m.put("commit", commit);
        }
        m.putAll(MachineInfo.collect());
        return m;
    }

    private static String gitCommit(Path repo) {
        try {
            Process p = new ProcessBuilder("git", "-C", repo.toString(), "describe", "--always", "--dirty")
                    .redirectErrorStream(true)
                    .start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 && !s.isEmpty() ? s : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Path defaultOut() {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss"));
        return Path.of("bench-results", "matrix-" + stamp);
    }

    /** The nearest ancestor of the working directory, else of the jar, that has engines/bench.mjs. */
    static Path findRoot() {
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of("").toAbsolutePath());
        try {
            starts.add(Path.of(BenchCommand.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI()));
        } catch (Exception e) {
            // no code source (unusual class loader): the working directory must do
        }
        for (Path start : starts) {
            for (Path p = start; p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("engines/bench.mjs"))) {
                    return p;
                }
            }
        }
        return Path.of("").toAbsolutePath();
    }

    /** JMH for the JVM engines, engines/bench.mjs for V8. */
    private static final class RealRunners implements Runners {
        private final Path root;
        private final PrintWriter err;

        private final long interpreterMax;

        RealRunners(Path root, PrintWriter err, long interpreterMax) {
            this.root = root;
            this.err = err;
            this.interpreterMax = interpreterMax;
        }

        @Override
        public List<BenchResult> runJvm(BenchPlan plan, Consumer<String> progress) {
            return runJvm(plan, progress, interpreterMax);
        }

        static List<BenchResult> runJvm(BenchPlan plan, Consumer<String> progress, long interpreterMax) {
            List<EngineId> jvmEngines = new ArrayList<>();
            for (EngineId e : EngineId.values()) {
                if (e.onJvm() && !plan.on(e).isEmpty()) {
                    jvmEngines.add(e);
                }
            }
            List<Workload> ws =
                    plan.cells().stream().map(Cell::workload).distinct().toList();
            // JvmMatrix reports one line per finished cell (the progress bar counts them)
            return JvmMatrix.run(
                    new Selection(
                            ws,
                            plan.sizes() == null ? List.of() : plan.sizes(),
                            plan.smallestSizes(),
                            plan.variants() == null ? List.of(Variant.values()) : plan.variants(),
                            jvmEngines,
                            plan.quick(),
                            interpreterMax),
                    progress);
        }

        @Override
        public List<BenchResult> runV8(EngineId engine, BenchPlan plan, Path outDir, Consumer<BenchResult> each)
                throws Exception {
            return new V8Runner(root, outDir).run(engine, plan.on(engine), plan.v8Budget(), plan.seed(), each);
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
