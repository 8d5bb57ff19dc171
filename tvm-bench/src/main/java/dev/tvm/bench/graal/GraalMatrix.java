package dev.tvm.bench.graal;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.JavaWorkloads;
import dev.tvm.bench.matrix.MatrixCell;
import dev.tvm.bench.matrix.MatrixCells;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import dev.tvm.bench.matrix.WorkloadFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
 * <p>Arguments: {@code --quick|--full} then cells as {@code workload:bytes}. Timing is its own loop:
 * a warmup of passes for a fixed time, then samples of batches of passes (each batch at least 100
 * ms) timed with {@link System#nanoTime}; the score is the median ns per pass over the samples and
 * the error their interquartile range. The checksum of the first pass is compared with the plain
 * Java twin's ({@link JavaWorkloads}, equal to M32's by the checksum-equality test). Each result is
 * printed as one line {@value #RESULT_PREFIX}{@code <json>}.
 */
public final class GraalMatrix {
    /** Prefix of a result line on standard output. */
    public static final String RESULT_PREFIX = "RESULT ";
    /** Overrides the directory holding {@code modules/} and {@code compiler/}. */
    public static final String DIR_PROPERTY = "tvm.bench.graal.dir";

    private GraalMatrix() {}

    public static void main(String[] args) throws IOException {
        boolean quick = !Arrays.asList(args).contains("--full");
        long warmupNs = quick ? 2_000_000_000L : 5_000_000_000L;
        int samples = quick ? 5 : 15;
        try (Engine engine = Engine.newBuilder("wasm")
                .option("engine.WarnInterpreterOnly", "false")
                .build()) {
            String runtime = engine.getImplementationName();
            boolean optimised = !runtime.toLowerCase(Locale.ROOT).contains("interpreted");
            var descriptor = Engine.class.getModule().getDescriptor(); // null on the class path
            String name = "graalwasm "
                    + (descriptor == null
                            ? engine.getVersion()
                            : descriptor.rawVersion().orElse(engine.getVersion()));
            System.out.println(
                    "Truffle runtime: " + runtime + (optimised ? "" : " (NOT optimising: fallback interpreter)"));
            for (String a : args) {
                if (a.startsWith("--")) {
                    continue;
                }
                String[] parts = a.split(":");
                Workload w = Workload.byId(parts[0]);
                long bytes = Long.parseLong(parts[1]);
                BenchResult r;
                try {
                    r = measure(
                            engine,
                            name,
                            w,
                            bytes,
                            warmupNs,
                            samples,
                            optimised ? "" : "Truffle fallback runtime: not optimised; ");
                } catch (RuntimeException e) {
                    r = new BenchResult(w.id(), bytes, Variant.M64.id(), name, 0, 0, 0, "", "failed: " + e);
                }
                System.out.println(RESULT_PREFIX + toJson(r));
                System.out.flush();
            }
        }
    }

    private static BenchResult measure(
            Engine engine, String name, Workload w, long bytes, long warmupNs, int samples, String notePrefix)
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
            double twinNs = Double.MAX_VALUE; // best of a few passes: a floor, for the sanity note below
            try (MatrixCell twin = JavaWorkloads.open(w)) {
                twin.setup(bytes, MatrixCells.SEED);
                expected = twin.run();
                for (int i = 0; i < 5; i++) {
                    long t0 = System.nanoTime();
                    twin.run();
                    twinNs = Math.min(twinNs, System.nanoTime() - t0);
                }
            }
            if (checksum != expected) {
                throw new IllegalStateException("checksum " + checksum + " differs from the reference " + expected);
            }
            long start = System.nanoTime();
            long passes = 0;
            long elapsed;
            do {
                if (run.execute().asLong() < 0) {
                    throw new IllegalStateException("bench_run failed during warmup");
                }
                passes++;
                elapsed = System.nanoTime() - start;
            } while (elapsed < warmupNs || passes < 3);
            long batch = Math.max(1, 100_000_000L * passes / Math.max(1, elapsed));
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
            // Compiled wasm runs within a small factor of plain Java; far beyond that, the Truffle
            // runtime most likely never compiled the guest, and the score is not a peer's.
            String note = notePrefix;
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

    private static double quantile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
    }

    // ------------------------------------------------------------------ JSON (flat records only)

    /** One result as a JSON object, field names as the record components. */
    public static String toJson(BenchResult r) {
        return String.format(
                Locale.ROOT,
                "{\"workload\":%s,\"sizeBytes\":%d,\"variant\":%s,\"engine\":%s,\"nsPerOp\":%s,\"errorNs\":%s,"
                        + "\"samples\":%d,\"checksum\":%s,\"note\":%s}",
                quote(r.workload()),
                r.sizeBytes(),
                quote(r.variant()),
                quote(r.engine()),
                number(r.nsPerOp()),
                number(r.errorNs()),
                r.samples(),
                quote(r.checksum()),
                quote(r.note()));
    }

    /** Results as a JSON array, one object per line. */
    public static String toJsonArray(List<BenchResult> results) {
        List<String> lines = new ArrayList<>();
        for (BenchResult r : results) {
            lines.add("  " + toJson(r));
        }
        return "[\n" + String.join(",\n", lines) + "\n]\n";
    }

    private static String number(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%.3f", d) : "0";
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(\"((?:[^\"\\\\]|\\\\.)*)\"|[-0-9.eE]+)");

    /** Parses what {@link #toJson} wrote. */
    public static BenchResult parse(String json) {
        java.util.Map<String, String> f = new java.util.HashMap<>();
        Matcher m = FIELD.matcher(json);
        while (m.find()) {
            f.put(m.group(1), m.group(3) != null ? unquote(m.group(3)) : m.group(2));
        }
        return new BenchResult(
                f.get("workload"),
                Long.parseLong(f.get("sizeBytes")),
                f.get("variant"),
                f.get("engine"),
                Double.parseDouble(f.get("nsPerOp")),
                Double.parseDouble(f.get("errorNs")),
                Integer.parseInt(f.get("samples")),
                f.get("checksum"),
                f.get("note"));
    }

    private static String unquote(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> b.append(e);
            }
        }
        return b.toString();
    }
}
