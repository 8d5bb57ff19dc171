package dev.tvm.bench.run;

import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.MatrixCells;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cells a {@code tvm bench} run measures, and its time budget.
 *
 * @param cells workload × size × variant × engine, in the order they run (engine by engine)
 * @param quick the short budget (the whole matrix in under 10 minutes)
 * @param seed the seed given to every {@code bench_setup}
 * @param sizes the sizes asked for on the command line, or null for each workload's own
 * @param variants the variants asked for, or null for all each engine can run
 */
public record BenchPlan(List<Cell> cells, boolean quick, long seed, List<Long> sizes, List<Variant> variants) {
    /**
     * One measurement.
     *
     * @param workload the workload class
     * @param sizeBytes its working-set size
     * @param variant the memory model
     * @param engine where it runs
     */
    public record Cell(Workload workload, long sizeBytes, Variant variant, EngineId engine) {}

    /**
     * Seconds per cell the plan assumes, for the estimate printed up front: V8 from the harness's
     * budget below plus setup and (Chromium) a fresh page; the JVM engines from JMH's fork,
     * warm-up and iterations, which {@code JvmMatrix} sets. Estimates, not limits.
     */
    private static final Map<EngineId, double[]> SECONDS_PER_CELL = new EnumMap<>(Map.of(
            EngineId.CHICORY_COMPILER, new double[] {3.0, 7},
            EngineId.CHICORY_INTERPRETER, new double[] {3.5, 8},
            EngineId.GRAALWASM, new double[] {2.0, 10},
            EngineId.JVM, new double[] {2.5, 6},
            EngineId.NODE, new double[] {0.5, 3},
            EngineId.CHROMIUM, new double[] {0.8, 3.5}));

    /**
     * The V8 harness's budget per cell ({@code engines/bench.mjs} options).
     *
     * @param warmupMs warm-up time per cell
     * @param batches samples per cell
     * @param batchMs time of one sample
     * @param maxCellMs the most a cell may take
     * @param jobTimeoutMs the most one job (setup and cell) may take
     */
    public record V8Budget(int warmupMs, int batches, int batchMs, int maxCellMs, int jobTimeoutMs) {}

    /** Copies the lists. */
    public BenchPlan {
        cells = List.copyOf(cells);
        sizes = sizes == null ? null : List.copyOf(sizes);
        variants = variants == null ? null : List.copyOf(variants);
    }

    /**
     * Every engine × workload × size × variant the engine runs ({@link EngineId#variants()}), filtered
     * by the selection.
     *
     * @param sizes sizes for every workload, or null for each workload's own (only the smallest when
     *     {@code quick})
     * @param variants variants to keep, or null for all that run {@linkplain Variant#byDefault() by default}
     * @throws IllegalArgumentException for a seed other than {@link MatrixCells#SEED} with a JVM
     *     engine (the JVM runner always uses that seed), naming the option to change
     */
    public static BenchPlan of(
            List<Workload> workloads,
            List<Long> sizes,
            List<Variant> variants,
            List<EngineId> engines,
            boolean quick,
            long seed) {
        if (seed != MatrixCells.SEED && engines.stream().anyMatch(EngineId::onJvm)) {
            // the JVM cells are set up with MatrixCells.SEED; checksums compare across engines
            throw new IllegalArgumentException(
                    "--seed " + seed + " needs --engines node,chromium: the JVM runner uses seed " + MatrixCells.SEED);
        }
        List<Cell> cells = new ArrayList<>();
        for (EngineId e : engines) {
            for (Workload w : workloads) {
                // --quick is a smoke run: each class at its smallest size only, unless sizes are given
                List<Long> own = quick ? w.sizes().subList(0, 1) : w.sizes();
                for (long size : sizes == null ? own : sizes) {
                    for (Variant v : e.variants()) {
                        if (variants == null ? v.byDefault() : variants.contains(v)) {
                            cells.add(new Cell(w, size, v, e));
                        }
                    }
                }
            }
        }
        return new BenchPlan(cells, quick, seed, sizes, variants);
    }

    /** The cells that run on {@code engine}, in plan order. */
    public List<Cell> on(EngineId engine) {
        return cells.stream().filter(c -> c.engine() == engine).toList();
    }

    /** For the JVM runner: how many of each workload's own sizes, smallest first (0: all). */
    public int smallestSizes() {
        return sizes == null && quick ? 1 : 0;
    }

    /** The budget the V8 harness gets: short for quick plans. */
    public V8Budget v8Budget() {
        // A batch of 20 ms keeps Chromium's 100 µs timer coarsening under 0.5 % of a sample.
        return quick ? new V8Budget(150, 5, 20, 1500, 120_000) : new V8Budget(1000, 15, 50, 20_000, 600_000);
    }

    /** Seconds the cells on {@code e} are expected to take (an estimate, not a limit). */
    public double estimatedSeconds(EngineId e) {
        return on(e).size() * SECONDS_PER_CELL.get(e)[quick ? 0 : 1];
    }

    /** Seconds the whole plan is expected to take. */
    public double estimatedSeconds() {
        double total = 0;
        for (EngineId e : EngineId.values()) {
            total += estimatedSeconds(e);
        }
        return total;
    }

    /** The plan as printed before the run: cells × assumed time per engine, and the total. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "plan: %d cells, %s budget, seed %d, estimated %s%n",
                cells.size(),
                quick ? "quick" : "full",
                seed,
                minutes(estimatedSeconds())));
        for (EngineId e : EngineId.values()) {
            int n = on(e).size();
            if (n > 0) {
                sb.append(String.format(
                        Locale.ROOT,
                        "  %-20s %4d cells x ~%.1f s = %s%n",
                        e.id(),
                        n,
                        SECONDS_PER_CELL.get(e)[quick ? 0 : 1],
                        minutes(estimatedSeconds(e))));
            }
        }
        if (quick && estimatedSeconds() > 600) {
            sb.append("  warning: over the 10-minute quick budget; narrow it with --classes, --sizes or --engines\n");
        }
        return sb.toString();
    }

    private static String minutes(double seconds) {
        return seconds < 90
                ? String.format(Locale.ROOT, "%.0f s", seconds)
                : String.format(Locale.ROOT, "%.1f min", seconds / 60);
    }
}
