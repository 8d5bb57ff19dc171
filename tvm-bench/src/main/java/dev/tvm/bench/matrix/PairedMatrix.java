package dev.tvm.bench.matrix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A paired comparison for a loaded machine, beside {@link JvmMatrix}: the cells of one workload and
 * size, one per variant, live in one JVM on Chicory's compiler and are timed in alternating slices
 * (round r starts with variant r mod n), so that load from other processes falls on all of them
 * alike; each round gives one ratio per variant to the first variant (the baseline, normally m32),
 * and the median over rounds is reported with its quartiles.
 *
 * <p>Each variant's module is compiled separately, so its memory call sites see one {@code Memory}
 * class; runtime code shared by the modules sees at most as many classes as the variants use
 * (m32 and the TVM variants: two, ByteArrayMemory and SegmentMemory, which C2 still inlines
 * bimorphically). Every cell's first pass must give the baseline's checksum, and every timed
 * slice's last pass must give it again (gen-alloc-scan, whose passes change the state, excepted).
 *
 * <p>Command line: {@code PairedMatrix [--workloads a,b] [--sizes 16384,..] [--variants m32,tvm-mm,..]
 * [--rounds 21] [--warmup-ms 3000] [--slice-ms 50]}; prints one line per cell.
 */
public final class PairedMatrix {
    private PairedMatrix() {}

    /** The result of one variant of one workload and size. */
    record Row(Workload workload, long size, Variant variant, double medianNs, double[] ratioQuartiles) {
        String line() {
            return String.format(
                    Locale.ROOT,
                    "%-14s %10d  %-12s median %,14.0f ns/pass  ratio %.3f (q1 %.3f, q3 %.3f)",
                    workload.id(),
                    size,
                    variant.id(),
                    medianNs,
                    ratioQuartiles[1],
                    ratioQuartiles[0],
                    ratioQuartiles[2]);
        }
    }

    /** Measures {@code variants} (the first is the baseline) of {@code w} at {@code size}. */
    static List<Row> measure(Workload w, long size, List<Variant> variants, int rounds, long warmupMs, long sliceMs) {
        int n = variants.size();
        MatrixCell[] cells = new MatrixCell[n];
        try {
            long expected = 0;
            for (int i = 0; i < n; i++) {
                cells[i] = MatrixCells.open(w, variants.get(i), EngineId.CHICORY_COMPILER, size);
                long used = cells[i].setup(size, MatrixCells.SEED);
                if (used < 0) {
                    throw new IllegalStateException(
                            name(w, size, variants.get(i)) + ": bench_setup failed with " + used);
                }
                long first = cells[i].run();
                if (i == 0) {
                    expected = first;
                } else if (first != expected) {
                    throw new IllegalStateException(name(w, size, variants.get(i)) + ": checksum " + first
                            + " differs from " + variants.get(0).id() + "'s " + expected);
                }
            }
            boolean idempotent = w != Workload.GEN_ALLOC_SCAN;
            long warmupEnd = System.nanoTime() + warmupMs * 1_000_000L;
            while (System.nanoTime() < warmupEnd) {
                for (int i = 0; i < n; i++) {
                    slice(cells[i], sliceMs);
                }
            }
            double[][] ns = new double[n][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < n; k++) {
                    int i = (r + k) % n;
                    long[] timed = slice(cells[i], sliceMs);
                    if (timed[2] < 0 || (idempotent && timed[2] != expected)) {
                        throw new IllegalStateException(name(w, size, variants.get(i)) + ": a pass returned " + timed[2]
                                + ", expected " + expected);
                    }
                    ns[i][r] = (double) timed[0] / timed[1];
                }
            }
            List<Row> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratios[r] = ns[i][r] / ns[0][r];
                }
                out.add(new Row(w, size, variants.get(i), quartiles(ns[i])[1], quartiles(ratios)));
            }
            return out;
        } finally {
            for (MatrixCell c : cells) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    /** Runs passes for about {@code ms} (at least one): {elapsed ns, passes, last checksum}. */
    private static long[] slice(MatrixCell cell, long ms) {
        long start = System.nanoTime();
        long end = start + ms * 1_000_000L;
        long passes = 0;
        long last;
        long now;
        do {
            last = cell.run();
            passes++;
            now = System.nanoTime();
        } while (now < end);
        return new long[] {now - start, passes, last};
    }

    /** First quartile, median and third quartile (nearest rank). */
    static double[] quartiles(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int last = s.length - 1;
        return new double[] {s[last / 4], s[last / 2], s[(3 * last + 3) / 4]};
    }

    private static String name(Workload w, long size, Variant v) {
        return w.id() + "/" + size + "/" + v.id();
    }

    /** See the class comment for the arguments. */
    public static void main(String[] args) {
        List<Workload> workloads = List.of(Workload.values());
        List<Long> sizes = List.of(16L << 10, 1L << 20);
        List<Variant> variants = List.of(Variant.M32, Variant.TVM_MM, Variant.TVM_PAGED);
        int rounds = 21;
        long warmupMs = 3000;
        long sliceMs = 50;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--workloads" -> workloads =
                        Stream.of(args[++i].split(",")).map(Workload::byId).toList();
                case "--sizes" -> sizes =
                        Stream.of(args[++i].split(",")).map(Long::parseLong).toList();
                case "--variants" -> variants =
                        Stream.of(args[++i].split(",")).map(Variant::byId).toList();
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--warmup-ms" -> warmupMs = Long.parseLong(args[++i]);
                case "--slice-ms" -> sliceMs = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        for (Workload w : workloads) {
            for (long size : sizes) {
                List<Variant> runnable =
                        variants.stream().filter(v -> v.whyNot(w) == null).toList();
                try {
                    for (Row row : measure(w, size, runnable, rounds, warmupMs, sliceMs)) {
                        System.out.println(row.line());
                    }
                } catch (RuntimeException e) {
                    System.out.println(w.id() + " " + size + ": failed: " + e);
                }
                System.out.flush();
            }
        }
    }
}
