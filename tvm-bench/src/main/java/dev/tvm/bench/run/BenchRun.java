package dev.tvm.bench.run;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.JvmMatrix;
import dev.tvm.bench.matrix.Selection;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import dev.tvm.bench.report.MachineInfo;
import dev.tvm.bench.report.Report;
import dev.tvm.bench.report.ResultsFile;
import dev.tvm.bench.run.BenchPlan.Cell;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Runs a {@link BenchPlan}: the JVM engines through {@link JvmMatrix} (JMH, and GraalWasm in its own
 * JVM), then Node and Chromium through {@code engines/bench.mjs}, one engine after the other on the
 * same machine so ratios compare like with like; then writes {@code results.json}, {@code
 * report.md} and the plots into the output directory. Every planned cell gets a result: one the
 * runner did not answer is reported as missing, with the reason as its note. {@code tvm bench}
 * parses its options into a plan and calls {@link #run}.
 */
public final class BenchRun {
    /** The note of a planned JVM cell that the JVM runner returned no result for. */
    public static final String NO_JVM_RESULT = "no result from the JVM runner (JvmMatrix)";
    /** The note of a planned V8 cell that {@code engines/bench.mjs} returned no result for. */
    public static final String NO_V8_RESULT = "no result from engines/bench.mjs";

    private BenchRun() {}

    /** What measures the cells: {@link #realRunners} in a real run, a fake in tests of what calls this. */
    public interface Runners {
        /** All JVM cells of the plan (Chicory, GraalWasm, plain Java); one progress line per finished cell. */
        List<BenchResult> runJvm(BenchPlan plan, Consumer<String> progress) throws Exception;

        /** The plan's cells on Node or Chromium; {@code each} sees every result as it arrives. */
        List<BenchResult> runV8(EngineId engine, BenchPlan plan, Path outDir, Consumer<BenchResult> each)
                throws Exception;
    }

    /**
     * What a run measured and wrote.
     *
     * @param results one result per planned cell, JVM engines first
     * @param resultsFile the {@code results.json} written
     * @param report the {@code report.md} written (the plots are beside it)
     */
    public record Outcome(List<BenchResult> results, Path resultsFile, Path report) {
        /** Copies the list. */
        public Outcome {
            results = List.copyOf(results);
        }

        /** How many cells have a score. */
        public long measured() {
            return results.stream().filter(r -> Double.isFinite(r.nsPerOp())).count();
        }
    }

    /**
     * The real runners: JMH and GraalWasm through {@link JvmMatrix}, V8 through {@code
     * engines/bench.mjs} under {@code root}.
     *
     * @param root the repository root, with {@code engines/} and {@code bench/workloads/wasm/}
     * @param interpreterMax the largest working set run on Chicory's interpreter; larger cells are
     *     reported as skipped
     */
    public static Runners realRunners(Path root, long interpreterMax) {
        return new Runners() {
            @Override
            public List<BenchResult> runJvm(BenchPlan plan, Consumer<String> progress) {
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
        };
    }

    /**
     * Measures every cell of {@code plan} and writes the results, report and plots into {@code
     * outDir} (created if needed).
     *
     * @param root the repository root (for the git commit in the metadata)
     * @param command the command line, recorded in the metadata
     * @param cellsDone told how many more cells finished, as they finish; the calls add up to the
     *     plan's cell count
     */
    public static Outcome run(
            BenchPlan plan, Runners runners, Path root, Path outDir, String command, LongConsumer cellsDone)
            throws Exception {
        Files.createDirectories(outDir);
        List<BenchResult> results = new ArrayList<>();
        List<Cell> jvmCells =
                plan.cells().stream().filter(c -> c.engine().onJvm()).toList();
        if (!jvmCells.isEmpty()) {
            Counter counter = new Counter(jvmCells.size(), cellsDone);
            List<BenchResult> jvm = runners.runJvm(plan, msg -> counter.one());
            counter.rest();
            results.addAll(jvm);
            results.addAll(missingCells(jvmCells, jvm, NO_JVM_RESULT));
        }
        for (EngineId e : EngineId.values()) {
            List<Cell> cells = plan.on(e);
            if (e.onJvm() || cells.isEmpty()) {
                continue;
            }
            Counter counter = new Counter(cells.size(), cellsDone);
            List<BenchResult> v8 = runners.runV8(e, plan, outDir, r -> counter.one());
            counter.rest();
            results.addAll(v8);
            results.addAll(missingCells(cells, v8, NO_V8_RESULT));
        }
        ResultsFile file = new ResultsFile(meta(plan, root, command), results);
        Path report = Report.writeAll(file, outDir);
        return new Outcome(results, outDir.resolve("results.json"), report);
    }

    /** Counts finished cells up to a cap (a runner may report more lines than cells), then the rest. */
    private static final class Counter {
        private final long cap;
        private final LongConsumer sink;
        private long seen;

        Counter(long cap, LongConsumer sink) {
            this.cap = cap;
            this.sink = sink;
        }

        void one() {
            if (seen < cap) {
                seen++;
                sink.accept(1);
            }
        }

        void rest() {
            sink.accept(cap - seen);
            seen = cap;
        }
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

    /** The engine id of a result's engine label ("node 24.9.0" is node). */
    private static String engineId(String label) {
        int space = label.indexOf(' ');
        return space < 0 ? label : label.substring(0, space);
    }

    private static Map<String, String> meta(BenchPlan plan, Path root, String command) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", LocalDateTime.now(ZoneId.systemDefault()).withNano(0).toString());
        m.put("command", command);
        m.put("budget", plan.quick() ? "quick" : "full");
        m.put("seed", Long.toString(plan.seed()));
        String commit = gitCommit(root);
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

    /** {@code bench-results/matrix-<date>-<time>} under the working directory. */
    public static Path defaultOut() {
        String stamp =
                LocalDateTime.now(ZoneId.systemDefault()).format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss"));
        return Path.of("bench-results", "matrix-" + stamp);
    }

    /**
     * The repository root: the nearest ancestor of the working directory, else of the jar this class
     * was loaded from, that has {@code engines/bench.mjs}; else the working directory.
     */
    public static Path findRoot() {
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of("").toAbsolutePath());
        try {
            starts.add(Path.of(BenchRun.class
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
}
