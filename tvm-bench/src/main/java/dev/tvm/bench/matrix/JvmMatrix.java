package dev.tvm.bench.matrix;

import dev.tvm.bench.graal.GraalMatrix;
import dev.tvm.bench.report.Json;
import dev.tvm.bench.report.ResultsFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the JVM side of the matrix: each Chicory and java-segment cell as its own JMH run of {@link
 * MatrixBench} (through JMH's {@link Runner}, forks with {@code --enable-native-access=ALL-UNNAMED}),
 * and the m64 cells in one GraalWasm JVM ({@link GraalMatrix}). Cells that cannot run come back as
 * {@link BenchResult}s without a score and with a note saying why. Which engine runs which variant
 * is {@link EngineId}'s table.
 */
public final class JvmMatrix {
    private JvmMatrix() {}

    /** A cell to run or to report as skipped. */
    private record Cell(Workload workload, long size, Variant variant, EngineId engine, String skip) {}

    /**
     * Runs {@code sel}, reporting each cell as it finishes to {@code progress}.
     *
     * @return one result per cell, in run order (GraalWasm cells last)
     */
    public static List<BenchResult> run(Selection sel, Consumer<String> progress) {
        List<Cell> jmh = new ArrayList<>();
        List<Cell> graal = new ArrayList<>();
        List<BenchResult> out = new ArrayList<>();
        for (Workload w : sel.workloads()) {
            for (long size : sel.sizesOf(w)) {
                for (Variant v : sel.variants()) {
                    cells(sel, w, size, v, jmh, graal);
                }
            }
        }
        int total = jmh.size() + graal.size();
        int done = 0;
        for (Cell c : jmh) {
            BenchResult r = c.skip != null ? skipped(c) : measure(c, sel.quick());
            out.add(r);
            progress.accept(line(++done, total, r));
        }
        List<Cell> runnable = graal.stream().filter(c -> c.skip == null).toList();
        List<BenchResult> graalResults = new ArrayList<>(graal.stream()
                .filter(c -> c.skip != null)
                .map(JvmMatrix::skipped)
                .toList());
        if (!runnable.isEmpty()) {
            graalResults.addAll(runGraal(runnable, sel.quick(), progress));
        }
        for (BenchResult r : graalResults) {
            out.add(r);
            progress.accept(line(++done, total, r));
        }
        return out;
    }

    /** The cells of {@code v} at {@code size} on the selected engines that {@link EngineId} says run it. */
    private static void cells(Selection sel, Workload w, long size, Variant v, List<Cell> jmh, List<Cell> graal) {
        for (EngineId e : sel.engines()) {
            if (!e.runs(v)) {
                continue;
            }
            switch (e.harness()) {
                case JMH -> {
                    String why = e == EngineId.CHICORY_INTERPRETER && size > sel.interpreterMaxBytes()
                            ? "interpreter restricted to sizes up to " + human(sel.interpreterMaxBytes())
                                    + " (it runs 50-100x slower than the compiler)"
                            : v.whyNot(w);
                    jmh.add(new Cell(w, size, v, e, why));
                }
                case GRAAL -> graal.add(new Cell(w, size, v, e, null));
                case V8 -> {
                    // engines/bench.mjs runs these, not the JVM
                }
            }
        }
    }

    private static BenchResult skipped(Cell c) {
        return new BenchResult(
                c.workload.id(), c.size, c.variant.id(), engineName(c.engine), Double.NaN, Double.NaN, 0, "", c.skip);
    }

    private static String engineName(EngineId e) {
        return e == EngineId.JVM ? "jvm " + System.getProperty("java.version") : e.id();
    }

    private static BenchResult measure(Cell c, boolean quick) {
        Path checksumFile = null;
        try {
            checksumFile = Files.createTempFile("tvm-bench-checksum-", ".txt");
            long heapMiB = Math.max(2048, ((3 * c.size) >> 20) + 1024);
            List<String> jvmArgs = new ArrayList<>(List.of(
                    "--enable-native-access=ALL-UNNAMED",
                    "--sun-misc-unsafe-memory-access=allow",
                    "-Xmx" + heapMiB + "m",
                    "-D" + MatrixBench.CHECKSUM_FILE_PROPERTY + "=" + checksumFile,
                    "-D" + WorkloadFiles.PROPERTY + "=" + WorkloadFiles.directory()));
            String pagingLog = System.getProperty(MatrixCells.PAGING_LOG_PROPERTY);
            if (pagingLog != null && !pagingLog.isBlank()) {
                jvmArgs.add("-D" + MatrixCells.PAGING_LOG_PROPERTY + "=" + pagingLog);
            }
            Options opt = new OptionsBuilder()
                    .include(MatrixBench.class.getName().replace(".", "\\.") + "\\.pass$")
                    .param("workload", c.workload.id())
                    .param("size", Long.toString(c.size))
                    .param("variant", c.variant.id())
                    .param("engine", c.engine.id())
                    // one fork per cell: a fork sees one Memory class, so Chicory's call sites stay
                    // monomorphic (bench/THREATS.md); quick is a smoke test, full a measurement
                    .forks(1)
                    .warmupIterations(3)
                    .warmupTime(quick ? TimeValue.milliseconds(250) : TimeValue.milliseconds(500))
                    .measurementIterations(quick ? 3 : 5)
                    .measurementTime(quick ? TimeValue.milliseconds(250) : TimeValue.milliseconds(500))
                    .jvmArgsAppend(jvmArgs.toArray(String[]::new))
                    .shouldFailOnError(true)
                    .verbosity(VerboseMode.SILENT)
                    .build();
            Collection<RunResult> results = new Runner(opt).run();
            if (results.isEmpty()) {
                return failed(c, "JMH returned no result");
            }
            Result<?> primary = results.iterator().next().getPrimaryResult();
            String checksum = Files.readString(checksumFile).strip();
            double error = primary.getScoreError();
            return new BenchResult(
                    c.workload.id(),
                    c.size,
                    c.variant.id(),
                    engineName(c.engine),
                    primary.getScore(),
                    Double.isFinite(error) ? error : 0,
                    (int) primary.getStatistics().getN(),
                    checksum,
                    "");
        } catch (RunnerException | RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return failed(c, "failed: " + root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (checksumFile != null) {
                try {
                    Files.deleteIfExists(checksumFile);
                } catch (IOException e) {
                    // a temp file
                }
            }
        }
    }

    private static BenchResult failed(Cell c, String why) {
        return new BenchResult(
                c.workload.id(), c.size, c.variant.id(), engineName(c.engine), Double.NaN, Double.NaN, 0, "", why);
    }

    // ------------------------------------------------------------------ GraalWasm

    /**
     * Where {@code target/graal} is: {@code -Dtvm.bench.graal.dir}, else next to this class's jar
     * (tvm-bench's target/classes or benchmarks.jar), else tvm-bench/target/graal of the repository
     * the workloads come from (when this class runs from the CLI's jar).
     */
    static Path graalDir() {
        String p = System.getProperty(GraalMatrix.DIR_PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        try {
            Path code = Path.of(JvmMatrix.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path beside = code.getParent().resolve("graal");
            if (Files.isDirectory(beside)) {
                return beside;
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to the repository's copy
        }
        try {
            Path root = WorkloadFiles.directory().getParent().getParent().getParent();
            return root.resolve("tvm-bench").resolve("target").resolve("graal");
        } catch (RuntimeException e) {
            return Path.of("tvm-bench", "target", "graal");
        }
    }

    private static List<BenchResult> runGraal(List<Cell> cells, boolean quick, Consumer<String> progress) {
        Path dir = graalDir();
        List<BenchResult> out = new ArrayList<>();
        String missing = null;
        if (!Files.isDirectory(dir.resolve("modules")) || !Files.isDirectory(dir.resolve("compiler"))) {
            missing = "GraalWasm jars not found in " + dir
                    + " (run mvn -pl tvm-bench -am package with Maven on a JDK 25)";
        }
        if (missing == null) {
            try {
                out.addAll(graalProcess(dir, cells, quick, progress));
            } catch (IOException | RuntimeException e) {
                missing = "GraalWasm JVM failed: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                missing = "interrupted";
            }
        }
        for (Cell c : cells) { // every requested cell gets a result, measured or not
            boolean have = out.stream().anyMatch(r -> r.workload().equals(c.workload.id()) && r.sizeBytes() == c.size);
            if (!have) {
                out.add(failed(c, missing != null ? missing : "GraalWasm JVM gave no result for this cell"));
            }
        }
        return out;
    }

    private static List<BenchResult> graalProcess(Path dir, List<Cell> cells, boolean quick, Consumer<String> progress)
            throws IOException, InterruptedException {
        long maxSize = cells.stream().mapToLong(Cell::size).max().orElse(0);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(
                java,
                "-XX:+UnlockExperimentalVMOptions",
                "-XX:+EnableJVMCI", // JVMCI for Truffle only: -XX:+UseJVMCICompiler stays off (C2 remains the JIT)
                "--enable-native-access=ALL-UNNAMED,org.graalvm.truffle",
                "--sun-misc-unsafe-memory-access=allow", // truffle-runtime uses sun.misc.Unsafe
                "-Xmx" + Math.max(2048, ((2 * maxSize) >> 20) + 1024) + "m",
                "--module-path",
                modulePath(dir.resolve("modules")),
                "--upgrade-module-path",
                modulePath(dir.resolve("compiler")),
                "--add-modules",
                "org.graalvm.polyglot",
                "-D" + WorkloadFiles.PROPERTY + "=" + WorkloadFiles.directory(),
                "-cp",
                System.getProperty("java.class.path"),
                GraalMatrix.class.getName(),
                quick ? "--quick" : "--full"));
        for (Cell c : cells) {
            cmd.add(c.workload.id() + ":" + c.size);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<BenchResult> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(GraalMatrix.RESULT_PREFIX)) {
                    out.add(ResultsFile.parseLine(line.substring(GraalMatrix.RESULT_PREFIX.length())));
                } else {
                    progress.accept("  graalwasm: " + line);
                }
            }
        }
        int exit = p.waitFor();
        if (exit != 0 && out.isEmpty()) {
            throw new IOException("exit code " + exit);
        }
        return out;
    }

    private static String modulePath(Path dir) throws IOException {
        try (Stream<Path> jars = Files.list(dir)) {
            return String.join(
                    java.io.File.pathSeparator,
                    jars.filter(j -> j.toString().endsWith(".jar"))
                            .sorted()
                            .map(Path::toString)
                            .toList());
        }
    }

    // ------------------------------------------------------------------ output

    private static String line(int done, int total, BenchResult r) {
        String score = r.note().isEmpty()
                ? String.format(Locale.ROOT, "%,.0f ns/op ± %,.0f  checksum %s", r.nsPerOp(), r.errorNs(), r.checksum())
                : r.nsPerOp() > 0
                        ? String.format(Locale.ROOT, "%,.0f ns/op (%s)", r.nsPerOp(), r.note())
                        : "- " + r.note();
        return String.format(
                Locale.ROOT,
                "[%d/%d] %-14s %8s  %-15s %-22s %s",
                done,
                total,
                r.workload(),
                human(r.sizeBytes()),
                r.variant(),
                r.engine(),
                score);
    }

    /** 16 KiB, 64 MiB, 1 GiB. */
    public static String human(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }

    /**
     * Command line: {@code JvmMatrix [--full] [--workloads a,b] [--variants ..] [--engines ..]
     * [--sizes 16384,..] [--smallest N] [--out results.json]}; prints progress and writes the results
     * as a JSON array.
     */
    public static void main(String[] args) throws IOException {
        Selection all = Selection.all(true);
        List<Workload> workloads = all.workloads();
        List<Variant> variants = all.variants();
        List<EngineId> engines = all.engines();
        List<Long> sizes = List.of();
        int smallest = 0;
        boolean quick = true;
        Path outFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--full" -> quick = false;
                case "--quick" -> quick = true;
                case "--workloads" -> workloads =
                        Stream.of(args[++i].split(",")).map(Workload::byId).toList();
                case "--variants" -> variants =
                        Stream.of(args[++i].split(",")).map(Variant::byId).toList();
                case "--engines" -> engines =
                        Stream.of(args[++i].split(",")).map(EngineId::byId).toList();
                case "--sizes" -> sizes =
                        Stream.of(args[++i].split(",")).map(Long::parseLong).toList();
                case "--smallest" -> smallest = Integer.parseInt(args[++i]);
                case "--out" -> outFile = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        Selection sel =
                new Selection(workloads, sizes, smallest, variants, engines, quick, Selection.DEFAULT_INTERPRETER_MAX);
        List<BenchResult> results = run(sel, System.out::println);
        String json = Json.writePretty(results.stream().map(ResultsFile::toJson).toList());
        if (outFile != null) {
            Files.writeString(outFile, json);
            System.out.println("wrote " + outFile);
        } else {
            System.out.println(json);
        }
    }
}
