package dev.tvm.bench.graal;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.JavaWorkloads;
import dev.tvm.bench.matrix.MatrixCell;
import dev.tvm.bench.matrix.MatrixCells;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import dev.tvm.bench.matrix.WorkloadFiles;
import dev.tvm.bench.report.ResultsFile;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * The memory64 peer on the JVM: runs {@code <workload>-m64.wasm} on GraalWasm, in its own JVM
 * started by {@code JvmMatrix} with the polyglot jars on the module path, the Graal compiler on
 * {@code --upgrade-module-path} and {@code -XX:+EnableJVMCI} (without the compiler GraalWasm only
 * interprets). Needs {@code wasm.Memory64} and {@code wasm.UseUnsafeMemory} (experimental options).
 *
 * <p>The Truffle runtime must be the optimising one ("GraalVM CE"), not "Interpreted"; the first line
 * printed says which. The compiler is jargraal (Java bytecode on HotSpot, no libgraal on Temurin), so
 * its first compilations take seconds on a busy machine: a fixed short warm-up measured the
 * interpreter. Warm-up therefore follows Truffle's compilation trace ({@link CompilationWatch}) and
 * ends only once the compile queue is idle (see {@link Timing}).
 *
 * <p>Arguments: {@code --quick|--full} then cells as {@code workload:bytes}. Timing is its own loop:
 * the warm-up above, then samples of batches of passes (each batch about 100 ms) timed with {@link
 * System#nanoTime}; the score is the median ns per pass over the samples and the error their
 * interquartile range. The checksum of the first pass is compared with the plain
 * Java twin's ({@link JavaWorkloads}, equal to M32's by the checksum-equality test). Each result is
 * printed as one line {@value #RESULT_PREFIX}{@code <json>} ({@link ResultsFile#line}); a cell that fails
 * has no score ({@code null}), never 0 ns.
 */
public final class GraalMatrix {
    /** Prefix of a result line on standard output. */
    public static final String RESULT_PREFIX = "RESULT ";
    /** Overrides the directory holding {@code modules/} and {@code compiler/}. */
    public static final String DIR_PROPERTY = "tvm.bench.graal.dir";

    private GraalMatrix() {}

    public static void main(String[] args) throws IOException {
        boolean quick = !Arrays.asList(args).contains("--full");
        Timing timing = quick ? Timing.QUICK : Timing.FULL;
        CompilationWatch watch = new CompilationWatch();
        try (Engine engine = newEngine(watch)) {
            String runtime = engine.getImplementationName();
            boolean optimised = !runtime.toLowerCase(Locale.ROOT).contains("interpreted");
            String name = "graalwasm " + graalVersion(engine);
            System.out.println("Truffle runtime: " + runtime
                    + (optimised
                            ? " (optimising: Graal compiler " + compilerModule() + ")"
                            : " (NOT optimising: fallback interpreter; needs -XX:+EnableJVMCI and the"
                                    + " compiler jar on --upgrade-module-path)"));
            System.out.flush();
            for (String a : args) {
                if (a.startsWith("--")) {
                    continue;
                }
                String[] parts = a.split(":");
                Workload w = Workload.byId(parts[0]);
                long bytes = Long.parseLong(parts[1]);
                BenchResult r;
                try {
                    r = measure(engine, name, w, bytes, timing, optimised, watch);
                } catch (RuntimeException e) {
                    r = failed(w, bytes, name, e);
                }
                System.out.println(RESULT_PREFIX + ResultsFile.line(r));
                System.out.flush();
            }
        }
    }

    /** A cell that failed: missing (no score, written as {@code null}), never 0 ns. */
    static BenchResult failed(Workload w, long bytes, String engine, RuntimeException e) {
        return new BenchResult(w.id(), bytes, Variant.M64.id(), engine, Double.NaN, Double.NaN, 0, "", "failed: " + e);
    }

    /** An engine whose compilation trace goes to {@code watch} (the fallback runtime has no such option). */
    private static Engine newEngine(CompilationWatch watch) {
        try {
            return Engine.newBuilder("wasm")
                    .allowExperimentalOptions(true)
                    .option("engine.WarnInterpreterOnly", "false")
                    .option("engine.TraceCompilationDetails", "true")
                    .logHandler(watch)
                    .build();
        } catch (IllegalArgumentException e) {
            System.out.println("no compilation trace: " + e.getMessage());
            return Engine.newBuilder("wasm")
                    .option("engine.WarnInterpreterOnly", "false")
                    .logHandler(watch)
                    .build();
        }
    }

    /**
     * Warm-up and sampling settings. Warm-up runs at least {@code minWarmupNs}, then until Truffle's
     * compilation queue has been idle for {@code quietNs} (nothing queued or compiling, and at least
     * one compilation done in this engine), but never beyond {@code maxWarmupNs}: the Graal compiler
     * runs as Java bytecode here (no libgraal on Temurin), so its first compilations take seconds.
     */
    private record Timing(long minWarmupNs, long quietNs, long maxWarmupNs, int samples) {
        static final Timing QUICK = new Timing(2_000_000_000L, 1_500_000_000L, 60_000_000_000L, 5);
        static final Timing FULL = new Timing(5_000_000_000L, 3_000_000_000L, 180_000_000_000L, 15);
    }

    private static BenchResult measure(
            Engine engine,
            String name,
            Workload w,
            long bytes,
            Timing timing,
            boolean optimised,
            CompilationWatch watch)
            throws IOException {
        byte[] wasm = Files.readAllBytes(WorkloadFiles.wasm(w, Variant.M64.fileSuffix()));
        try (Context ctx = Context.newBuilder("wasm")
                .engine(engine)
                .allowExperimentalOptions(true)
                .option("wasm.Memory64", "true")
                .option("wasm.UseUnsafeMemory", "true")
                .build()) {
            Source source = Source.newBuilder("wasm", ByteSequence.create(wasm), w.id() + "-m64")
                    .build();
            Value module = ctx.eval(source);
            Value exports = module.newInstance().getMember("exports");
            Value setup = exports.getMember("bench_setup");
            Value run = exports.getMember("bench_run");
            long used = setup.execute(bytes, MatrixCells.SEED).asLong();
            if (used < 0) {
                throw new IllegalStateException("bench_setup failed with " + used);
            }
            long checksum = run.execute().asLong();
            long expected;
            double twinNs = Double.MAX_VALUE; // best pass after a short warm-up: a floor for the sanity note
            try (MatrixCell twin = JavaWorkloads.open(w)) {
                twin.setup(bytes, MatrixCells.SEED);
                expected = twin.run();
                long twinStart = System.nanoTime();
                for (int i = 0; i < 5 || (i < 10_000 && System.nanoTime() - twinStart < 300_000_000L); i++) {
                    long t0 = System.nanoTime();
                    twin.run();
                    twinNs = Math.min(twinNs, (double) (System.nanoTime() - t0));
                }
            }
            if (checksum != expected) {
                throw new IllegalStateException("checksum " + checksum + " differs from the reference " + expected);
            }
            CompilationWatch.Counts before = watch.counts();
            long start = System.nanoTime();
            long passes = 0;
            long elapsed;
            boolean settled;
            do {
                if (run.execute().asLong() < 0) {
                    throw new IllegalStateException("bench_run failed during warmup");
                }
                passes++;
                elapsed = System.nanoTime() - start;
                settled = !optimised || watch.idleFor(timing.quietNs());
            } while ((elapsed < timing.minWarmupNs() || passes < 3 || !settled) && elapsed < timing.maxWarmupNs());
            CompilationWatch.Counts after = watch.counts();
            System.out.printf(
                    Locale.ROOT,
                    "%s %s: warm-up %.1f s (%d passes), Truffle compilations in it: %d done, %d failed,"
                            + " %d deoptimised/invalidated; %s%n",
                    w.id(),
                    human(bytes),
                    elapsed / 1e9,
                    passes,
                    after.done() - before.done(),
                    after.failed() - before.failed(),
                    after.deopts() - before.deopts(),
                    !optimised ? "no compiler" : settled ? "queue idle" : "queue still busy at the warm-up cap");
            System.out.flush();
            // batch size from passes after the warm-up, so that one batch takes about 100 ms
            long probeStart = System.nanoTime();
            long probePasses = 0;
            long probeNs;
            do {
                run.execute();
                probePasses++;
                probeNs = System.nanoTime() - probeStart;
            } while (probeNs < 50_000_000L);
            long batch = Math.max(1, 100_000_000L * probePasses / Math.max(1, probeNs));
            int samples = timing.samples();
            double[] perPass = new double[samples];
            for (int s = 0; s < samples; s++) {
                long t0 = System.nanoTime();
                for (long i = 0; i < batch; i++) {
                    if (run.execute().asLong() < 0) {
                        throw new IllegalStateException("bench_run failed");
                    }
                }
                perPass[s] = (double) (System.nanoTime() - t0) / batch;
            }
            Arrays.sort(perPass);
            double median = quantile(perPass, 0.5);
            double iqr = quantile(perPass, 0.75) - quantile(perPass, 0.25);
            CompilationWatch.Counts end = watch.counts();
            String note = "";
            if (!optimised) {
                note += "Truffle fallback runtime: not optimised; ";
            } else if (!settled) {
                note += "Truffle compilation still busy after the " + timing.maxWarmupNs() / 1_000_000_000L
                        + " s warm-up cap; ";
            }
            if (end.failed() > before.failed()) {
                note += (end.failed() - before.failed()) + " Truffle compilation(s) failed; ";
            }
            if (end.done() > after.done()) {
                note += (end.done() - after.done()) + " Truffle compilation(s) finished while sampling; ";
            }
            // Compiled wasm runs within a small factor of plain Java; far beyond that, the Truffle
            // runtime most likely never compiled the guest, and the score is not a peer's.
            if (median > 20 * twinNs) {
                note += String.format(
                        Locale.ROOT,
                        "looks unoptimised: %.0fx the plain Java pass (%.0f ns); ",
                        median / twinNs,
                        twinNs);
            }
            return new BenchResult(
                    w.id(),
                    bytes,
                    Variant.M64.id(),
                    name,
                    median,
                    iqr,
                    samples,
                    Long.toString(checksum),
                    note.isEmpty() ? "" : note + "median of " + samples + " samples, IQR as error");
        }
    }

    /** The GraalVM release of the polyglot jar (its manifest), else what the engine reports. */
    private static String graalVersion(Engine engine) {
        try {
            Path jar = Path.of(Engine.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            if (Files.isRegularFile(jar)) {
                try (JarFile j = new JarFile(jar.toFile())) {
                    Manifest m = j.getManifest();
                    String v = m == null ? null : m.getMainAttributes().getValue("Implementation-Version");
                    if (v != null) {
                        return v;
                    }
                }
            }
        } catch (URISyntaxException | IOException | RuntimeException e) {
            // fall through to the engine's own answer
        }
        return engine.getVersion();
    }

    /** Where the boot layer's {@code jdk.graal.compiler} came from (the JDK's own is an empty stub). */
    private static String compilerModule() {
        return ModuleLayer.boot()
                .configuration()
                .findModule("jdk.graal.compiler")
                .map(m -> m.reference().descriptor().toNameAndVersion() + " from "
                        + m.reference().location().map(Object::toString).orElse("the JDK image"))
                .orElse("module not in the boot layer");
    }

    private static String human(long bytes) {
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }

    /**
     * Follows Truffle's compilation trace ({@code engine.TraceCompilationDetails}, delivered to this
     * log handler instead of stderr): which call targets are queued or compiling, how many
     * compilations finished or failed, and when the last event came. Other engine messages go to
     * stderr.
     */
    static final class CompilationWatch extends Handler {
        record Counts(long done, long failed, long deopts) {}

        private static final Pattern TARGET = Pattern.compile("id=\\s*(\\d+).*?\\|Tier (\\d)");

        private final Set<String> inFlight = new HashSet<>();
        private long done;
        private long failed;
        private long deopts;
        private long lastEventNs = System.nanoTime();

        @Override
        public synchronized void publish(LogRecord record) {
            String m = record.getMessage();
            if (m == null || !m.startsWith("opt ")) {
                if (m != null) {
                    System.err.println("[" + record.getLoggerName() + "] " + m);
                }
                return;
            }
            lastEventNs = System.nanoTime();
            Matcher t = TARGET.matcher(m);
            String key = t.find() ? t.group(1) + "/" + t.group(2) : null;
            if (m.startsWith("opt queued")) {
                if (key != null) {
                    inFlight.add(key);
                }
            } else if (m.startsWith("opt done")) {
                done++;
                inFlight.remove(key);
            } else if (m.startsWith("opt failed")) {
                failed++;
                inFlight.remove(key);
                System.err.println("[engine] " + m);
            } else if (m.startsWith("opt unque")) {
                inFlight.remove(key);
            } else if (m.startsWith("opt deopt") || m.startsWith("opt inval")) {
                deopts++;
            }
        }

        synchronized Counts counts() {
            return new Counts(done, failed, deopts);
        }

        /** Nothing queued or compiling, at least one compilation done, no event for {@code quietNs}. */
        synchronized boolean idleFor(long quietNs) {
            return inFlight.isEmpty() && done + failed > 0 && System.nanoTime() - lastEventNs >= quietNs;
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    private static double quantile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
    }
}
