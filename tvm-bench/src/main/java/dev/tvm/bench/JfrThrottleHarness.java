package dev.tvm.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.Recording;

/**
 * What a flight recording costs a flood of refused accesses, measured in paired rounds: each round
 * runs {@link RefusalFlood}'s guest and Java floods once under every {@link RefusalFlood.Mode}, in
 * an order that rotates from round to round, so every mode sees the same background load, and
 * the ratio to {@code OFF} is taken within a round. Reported: median wall time and median process
 * CPU time (every thread: the JFR recorder's and the GC's too) per flood, the median and range of
 * the per-round ratios, and each recording's HandleCheckFailure events and size.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp tvm-bench/target/benchmarks.jar \
 *     dev.tvm.bench.JfrThrottleHarness [rounds (8)] [warm-up rounds (2)] [refusals (1000000)]
 * </pre>
 */
public final class JfrThrottleHarness {
    private record Sample(long wallNanos, long cpuNanos, RefusalFlood.Recorded recorded) {}

    private interface Flood {
        long run(RefusalFlood flood, int refusals);
    }

    private JfrThrottleHarness() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int refusals = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Map<String, Flood> floods = Map.of("guest", RefusalFlood::guest, "java", RefusalFlood::java);
        RefusalFlood.Mode[] modes = RefusalFlood.Mode.values();
        Map<String, Map<RefusalFlood.Mode, List<Sample>>> samples = new TreeMap<>();
        System.out.printf(
                Locale.ROOT,
                "# %d refusals per flood, %d warm-up + %d measured rounds; %s, %d cpus%n",
                refusals,
                warmup,
                rounds,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors());
        System.out.println("round,flood,mode,wall_ms,cpu_ms,failure_events,recording_bytes");
        try (RefusalFlood flood = new RefusalFlood()) {
            for (int round = 0; round < warmup + rounds; round++) {
                for (String name : List.of("guest", "java")) {
                    for (int k = 0; k < modes.length; k++) {
                        RefusalFlood.Mode mode = modes[(round + k) % modes.length];
                        Recording recording = mode.start();
                        long cpu0 = os.getProcessCpuTime();
                        long t0 = System.nanoTime();
                        floods.get(name).run(flood, refusals);
                        long wall = System.nanoTime() - t0;
                        long cpu = os.getProcessCpuTime() - cpu0;
                        RefusalFlood.Recorded recorded = RefusalFlood.finish(recording);
                        boolean measured = round >= warmup;
                        System.out.printf(
                                Locale.ROOT,
                                "%s%d,%s,%s,%.1f,%.1f,%d,%d%n",
                                measured ? "" : "warmup-",
                                measured ? round - warmup + 1 : round + 1,
                                name,
                                mode,
                                wall / 1e6,
                                cpu / 1e6,
                                recorded == null ? 0 : recorded.failures(),
                                recorded == null ? 0 : recorded.bytes());
                        if (measured) {
                            samples.computeIfAbsent(name, n -> new EnumMap<>(RefusalFlood.Mode.class))
                                    .computeIfAbsent(mode, m -> new ArrayList<>())
                                    .add(new Sample(wall, cpu, recorded));
                        }
                    }
                }
            }
        }
        System.out.println();
        System.out.println("| flood | recording | wall ms (median) | wall ratio to OFF: median (min–max) "
                + "| process CPU ms (median) | CPU ratio to OFF: median (min–max) "
                + "| HandleCheckFailure events per flood (min–max) | recording size (median) |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
        for (var byFlood : samples.entrySet()) {
            List<Sample> off = byFlood.getValue().get(RefusalFlood.Mode.OFF);
            for (var byMode : byFlood.getValue().entrySet()) {
                List<Sample> s = byMode.getValue();
                List<Double> wallRatios = new ArrayList<>();
                List<Double> cpuRatios = new ArrayList<>();
                for (int i = 0; i < s.size(); i++) {
                    wallRatios.add((double) s.get(i).wallNanos() / off.get(i).wallNanos());
                    cpuRatios.add((double) s.get(i).cpuNanos() / off.get(i).cpuNanos());
                }
                String events = "-";
                String size = "-";
                if (s.get(0).recorded() != null) {
                    List<Double> counts = s.stream()
                            .map(x -> (double) x.recorded().failures())
                            .toList();
                    events = String.format(
                            Locale.ROOT,
                            "%,.0f (%,.0f–%,.0f)",
                            median(counts),
                            counts.stream().mapToDouble(d -> d).min().orElseThrow(),
                            counts.stream().mapToDouble(d -> d).max().orElseThrow());
                    size = String.format(
                            Locale.ROOT,
                            "%.2f MB",
                            median(s.stream()
                                            .map(x -> (double) x.recorded().bytes())
                                            .toList())
                                    / 1e6);
                }
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %s | %.0f | %s | %.0f | %s | %s | %s |%n",
                        byFlood.getKey(),
                        byMode.getKey(),
                        median(s.stream().map(x -> x.wallNanos() / 1e6).toList()),
                        ratios(wallRatios),
                        median(s.stream().map(x -> x.cpuNanos() / 1e6).toList()),
                        ratios(cpuRatios),
                        events,
                        size);
            }
        }
    }

    private static String ratios(List<Double> r) {
        return String.format(
                Locale.ROOT,
                "%.3f (%.3f–%.3f)",
                median(r),
                r.stream().mapToDouble(d -> d).min().orElseThrow(),
                r.stream().mapToDouble(d -> d).max().orElseThrow());
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(d -> d).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
