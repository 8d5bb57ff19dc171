package dev.tvm.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.ResidencyStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Density: how many live instances of a real guest ({@code guests/wasm/kvstore.wasm}) one JVM
 * holds, each called and each answering correctly when called again. Every instance is built from
 * one compiled machine factory, called ({@code _initialize}, {@code kv_init(entries, seed_i)}) and
 * its {@code kv_checksum} recorded; then every instance is called again in a shuffled order and
 * must return the recorded checksum and, for three of its keys, the value the guest's formula
 * gives (computed here, not read back); then a hot set of instances is called repeatedly ({@code
 * kv_get} of random keys, each result checked) and every call timed.
 *
 * <ul>
 *   <li>{@code tvm N BUDGET}: {@link TvmGuest}s on one {@link RegionDirectory} with resident
 *       budget BUDGET and a spill file: each instance's memory 0 is a paged region, so idle
 *       instances' pages spill and come back when called.
 *   <li>{@code plain N}: plain Chicory instances with {@link ByteArrayMemory}, until N or until the
 *       JVM throws {@link OutOfMemoryError}; reports how many fit.
 * </ul>
 *
 * {@code max-memory} is each instance's memory limit ({@link TvmGuest.Builder#withMaxMemory});
 * {@code module} keeps the module's own maximum (kvstore: 32,767 pages).
 *
 * <p>Prints progress lines starting with {@code #} and one JSON line of results.
 *
 * <pre>
 * java -Xmx2g --enable-native-access=ALL-UNNAMED -cp tvm-bench/target/benchmarks.jar \
 *     dev.tvm.bench.DensityHarness tvm 10000 1g [entries=2000] [max-memory=64m|module] [hot=100]
 *     [hot-calls=200000] [spill-dir=DIR]
 * java -Xmx2g -cp tvm-bench/target/benchmarks.jar dev.tvm.bench.DensityHarness plain 10000 [entries=2000]
 * </pre>
 */
public final class DensityHarness {
    /** What the guest returns for a missing key; the one value it cannot store. */
    private static final long MISSING = Long.MIN_VALUE;

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** Headroom released on {@link OutOfMemoryError} so the harness can still verify and report. */
    private static byte[] reserve = new byte[32 << 20];

    private DensityHarness() {}

    /** One live kvstore instance, its exports looked up once. */
    private record Kv(ExportFunction init, ExportFunction get, ExportFunction checksum, AutoCloseable owner) {
        static Kv of(Function<String, ExportFunction> exports, AutoCloseable owner) {
            exports.apply("_initialize").apply();
            return new Kv(exports.apply("kv_init"), exports.apply("kv_get"), exports.apply("kv_checksum"), owner);
        }
    }

    private record Options(
            String mode,
            int instances,
            long budget,
            int entries,
            long maxMemory,
            int hot,
            int hotCalls,
            Path spillDir) {
        static Options parse(String[] args) {
            if (args.length < 2 || !(args[0].equals("tvm") || args[0].equals("plain"))) {
                throw new IllegalArgumentException(
                        "usage: DensityHarness tvm N BUDGET [entries=E] [max-memory=SIZE] [hot=H] [hot-calls=C]"
                                + " [spill-dir=DIR] | plain N [entries=E] [hot=H] [hot-calls=C]");
            }
            boolean tvm = args[0].equals("tvm");
            int first = tvm ? 3 : 2;
            Map<String, String> named = new LinkedHashMap<>();
            for (int i = first; i < args.length; i++) {
                int eq = args[i].indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("option " + args[i] + " is not NAME=VALUE");
                }
                named.put(args[i].substring(0, eq), args[i].substring(eq + 1));
            }
            String spill = named.remove("spill-dir");
            Options options = new Options(
                    args[0],
                    Integer.parseInt(args[1]),
                    tvm ? size(args[2]) : 0,
                    Integer.parseInt(named.getOrDefault("entries", "2000")),
                    named.getOrDefault("max-memory", "64m").equals("module")
                            ? 0
                            : size(named.getOrDefault("max-memory", "64m")),
                    Integer.parseInt(named.getOrDefault("hot", "100")),
                    Integer.parseInt(named.getOrDefault("hot-calls", "200000")),
                    spill == null ? null : Path.of(spill));
            named.keySet().removeAll(List.of("entries", "max-memory", "hot", "hot-calls"));
            if (!named.isEmpty()) {
                throw new IllegalArgumentException("unknown options " + named.keySet());
            }
            return options;
        }

        private static long size(String text) {
            String t = text.toLowerCase(Locale.ROOT);
            long unit = t.endsWith("g") ? 1L << 30 : t.endsWith("m") ? 1L << 20 : t.endsWith("k") ? 1L << 10 : 1;
            return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        WasmModule module = GuestFiles.module("kvstore.wasm");
        long t0 = System.nanoTime();
        Function<Instance, Machine> machines = MachineFactoryCompiler.compile(module);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", options.mode());
        out.put("requested", options.instances());
        out.put("entries", options.entries());
        out.put("xmx_bytes", Runtime.getRuntime().maxMemory());
        out.put("compile_ms", (System.nanoTime() - t0) / 1_000_000);
        if (options.mode().equals("tvm")) {
            Path spill = options.spillDir() != null ? options.spillDir() : Files.createTempDirectory("tvm-density");
            out.put("budget_bytes", options.budget());
            out.put("max_memory_bytes", options.maxMemory());
            try (RegionDirectory directory = RegionDirectory.builder()
                    .withResidentBudget(options.budget())
                    .withSpillDirectory(spill)
                    .build()) {
                run(
                        options,
                        out,
                        () -> {
                            TvmGuest.Builder builder =
                                    TvmGuest.builder(module, directory).withMachineFactory(machines);
                            if (options.maxMemory() > 0) {
                                builder.withMaxMemory(options.maxMemory());
                            }
                            TvmGuest guest = builder.build();
                            return Kv.of(guest::function, guest);
                        },
                        phase -> residency(directory, phase, out));
            } finally {
                if (options.spillDir() == null) {
                    deleteTree(spill);
                }
            }
        } else {
            run(
                    options,
                    out,
                    () -> {
                        Instance instance = Instance.builder(module)
                                .withMemoryFactory(ByteArrayMemory::new)
                                .withMachineFactory(machines)
                                .build();
                        return Kv.of(instance::export, () -> {});
                    },
                    phase -> {});
        }
        System.out.println(json(out));
    }

    private interface Maker {
        Kv make() throws Exception;
    }

    private static void run(
            Options options, Map<String, Object> out, Maker maker, java.util.function.Consumer<String> stats)
            throws Exception {
        int n = options.instances();
        List<Kv> live = new ArrayList<>(n);
        long[] sums = new long[n];
        long start = System.nanoTime();
        String stopped = "requested count reached";
        try {
            for (int i = 0; i < n; i++) {
                Kv kv = maker.make();
                long count = kv.init().apply(options.entries(), seed(i))[0];
                if (count != options.entries()) {
                    throw new IllegalStateException("instance " + i + ": kv_init returned " + count);
                }
                sums[i] = kv.checksum().apply()[0];
                live.add(kv);
                if ((i + 1) % 1000 == 0) {
                    System.out.printf(
                            Locale.ROOT,
                            "# %d instances, %.1f s, rss %d MiB%n",
                            i + 1,
                            (System.nanoTime() - start) / 1e9,
                            procStatus("VmRSS") >> 20);
                }
            }
        } catch (OutOfMemoryError e) {
            int released = reserve.length;
            reserve = null;
            stopped = "OutOfMemoryError: " + e.getMessage() + " (released " + (released >> 20) + " MiB to report)";
            System.out.println("# " + stopped + " after " + live.size() + " instances");
        }
        int fit = live.size();
        out.put("instances", fit);
        out.put("stopped", stopped);
        out.put("create_s", round((System.nanoTime() - start) / 1e9));
        memory(out, "after_create");
        stats.accept("after_create");

        // Every instance again, shuffled: its pages have been evicted by the others' since.
        int[] order = shuffled(fit, new SplittableRandom(13));
        long[] callNanos = new long[fit];
        int wrong = 0;
        long verifyStart = System.nanoTime();
        for (int k = 0; k < fit; k++) {
            int i = order[k];
            Kv kv = live.get(i);
            long c0 = System.nanoTime();
            long sum = kv.checksum().apply()[0];
            long[] got = new long[3];
            int[] picks = {0, options.entries() / 2, options.entries() - 1};
            for (int p = 0; p < picks.length; p++) {
                got[p] = kv.get().apply(key(i, picks[p]))[0];
            }
            callNanos[k] = System.nanoTime() - c0;
            boolean ok = sum == sums[i];
            for (int p = 0; p < picks.length; p++) {
                ok &= got[p] == value(i, picks[p]);
            }
            if (!ok) {
                wrong++;
                System.out.println("# WRONG: instance " + i + " checksum " + sum + " recorded " + sums[i] + " gets "
                        + Arrays.toString(got));
            }
        }
        out.put("verified", fit - wrong);
        out.put("wrong", wrong);
        out.put("verify_s", round((System.nanoTime() - verifyStart) / 1e9));
        percentiles(out, "recall_us", callNanos, 1e3);
        memory(out, "after_verify");
        stats.accept("after_verify");

        hot(options, out, live, stats);
        out.put("total_s", round((System.nanoTime() - start) / 1e9));
        memory(out, "end");
        for (Kv kv : live) {
            kv.owner().close();
        }
    }

    /** A hot set of instances called repeatedly, each call timed and its answer checked. */
    private static void hot(
            Options options, Map<String, Object> out, List<Kv> live, java.util.function.Consumer<String> stats) {
        int fit = live.size();
        int hot = Math.min(options.hot(), fit);
        if (hot == 0) {
            return;
        }
        SplittableRandom random = new SplittableRandom(17);
        int[] set = Arrays.copyOf(shuffled(fit, random), hot);
        int calls = options.hotCalls();
        int[] who = new int[calls];
        int[] which = new int[calls];
        long[] results = new long[calls];
        long[] nanos = new long[calls];
        for (int round = 0; round < 2; round++) { // round 0 warms up, round 1 is measured
            for (int c = 0; c < calls; c++) {
                who[c] = set[random.nextInt(hot)];
                which[c] = random.nextInt(options.entries());
            }
            if (round == 1) {
                stats.accept("before_hot");
            }
            for (int c = 0; c < calls; c++) {
                ExportFunction get = live.get(who[c]).get();
                long key = key(who[c], which[c]);
                long c0 = System.nanoTime();
                results[c] = get.apply(key)[0];
                nanos[c] = System.nanoTime() - c0;
            }
            for (int c = 0; c < calls; c++) {
                if (results[c] != value(who[c], which[c])) {
                    throw new IllegalStateException("hot call " + c + ": instance " + who[c] + " key #" + which[c]
                            + " returned " + results[c] + ", expected " + value(who[c], which[c]));
                }
            }
        }
        out.put("hot_instances", hot);
        out.put("hot_calls", calls);
        percentiles(out, "hot_call_ns", nanos, 1);
        stats.accept("after_hot");
    }

    // ---------------------------------------------------------------- the guest's formulas

    private static long seed(int instance) {
        return 1_000_003L * instance + 7;
    }

    /** kvstore.c: entry j of kv_init(n, seed) has key mix64(seed + j * GOLDEN). */
    private static long key(int instance, int entry) {
        return mix64(seed(instance) + entry * GOLDEN);
    }

    /** kvstore.c: its value is mix64(key ^ seed), MISSING stored as 0. */
    private static long value(int instance, int entry) {
        long v = mix64(key(instance, entry) ^ seed(instance));
        return v == MISSING ? 0 : v;
    }

    /** guests/src/guest_mix.h {@code guest_mix64}. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // ---------------------------------------------------------------- measurements

    private static void memory(Map<String, Object> out, String phase) {
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        out.put(phase + "_heap_used_mib", heap.getUsed() >> 20);
        out.put(phase + "_heap_committed_mib", heap.getCommitted() >> 20);
        out.put(phase + "_rss_mib", procStatus("VmRSS") >> 20);
        out.put(phase + "_hwm_mib", procStatus("VmHWM") >> 20);
    }

    private static void residency(RegionDirectory directory, String phase, Map<String, Object> out) {
        ResidencyStats s = directory.residencyStats();
        out.put(phase + "_regions", directory.regionCount());
        out.put(phase + "_resident_mib", s.residentBytes() >> 20);
        out.put(phase + "_peak_resident_mib", s.peakResidentBytes() >> 20);
        out.put(phase + "_faults", s.faults());
        out.put(phase + "_faulted_mib", s.bytesFaulted() >> 20);
        out.put(phase + "_spills", s.spills());
        out.put(phase + "_spilled_mib", s.bytesSpilled() >> 20);
        out.put(phase + "_spill_file_mib", s.spillFileBytes() >> 20);
        out.put(phase + "_spill_failures", s.spillFailures());
    }

    /** A field of /proc/self/status in bytes (its kB figure), or -1 where there is none. */
    private static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static void percentiles(Map<String, Object> out, String name, long[] samples, double unit) {
        if (samples.length == 0) {
            return;
        }
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        out.put(name + "_median", round(sorted[sorted.length / 2] / unit));
        out.put(
                name + "_p99",
                round(sorted[(int) Math.min(sorted.length - 1, (long) sorted.length * 99 / 100)] / unit));
        out.put(name + "_max", round(sorted[sorted.length - 1] / unit));
        out.put(name + "_mean", round(Arrays.stream(sorted).average().orElse(0) / unit));
    }

    /** 0..n-1 in a random order. */
    private static int[] shuffled(int n, SplittableRandom random) {
        List<Integer> order = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        Collections.shuffle(order, random);
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static String json(Map<String, Object> out) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : out.entrySet()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append('"').append(e.getKey()).append("\": ");
            Object v = e.getValue();
            sb.append(v instanceof String s ? '"' + s.replace("\"", "'") + '"' : String.valueOf(v));
        }
        return sb.append('}').toString();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
