package dev.tvm.bench.matrix;

import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What {@link JvmMatrix#run} measures: every combination of the listed workloads, sizes, variants and
 * JVM engines that {@link EngineId} says an engine runs; interpreter cells above {@code
 * interpreterMaxBytes} are reported as skipped rather than run.
 *
 * @param workloads workload classes
 * @param sizes sizes in bytes, for every workload; empty: each workload's own {@link Workload#sizes()}
 * @param smallestSizes with {@code sizes} empty, only this many of each workload's own sizes,
 *     smallest first (0: all)
 * @param variants memory models
 * @param engines engines; those of the V8 harness are left out (engines/bench.mjs runs them)
 * @param quick quick JMH settings (1 fork, 3 x 0.25 s warmup, 3 x 0.25 s measurement) instead of
 *     full ones (1 fork, 3 x 0.5 s warmup, 5 x 0.5 s measurement)
 * @param interpreterMaxBytes the interpreter runs sizes up to this only (it is 50-100x slower); larger
 *     cells are skipped with a note
 */
public record Selection(
        List<Workload> workloads,
        List<Long> sizes,
        int smallestSizes,
        List<Variant> variants,
        List<EngineId> engines,
        boolean quick,
        long interpreterMaxBytes) {
    /** The default interpreter size limit: 64 MiB. */
    public static final long DEFAULT_INTERPRETER_MAX = 64L << 20;

    /** Copies the lists. */
    public Selection {
        workloads = List.copyOf(workloads);
        sizes = List.copyOf(sizes);
        variants = List.copyOf(variants);
        engines = List.copyOf(engines);
    }

    /** Everything the JVM side can run, at every workload's own sizes. */
    public static Selection all(boolean quick) {
        return new Selection(
                List.of(Workload.values()),
                List.of(),
                0,
                List.of(Variant.values()),
                Stream.of(EngineId.values()).filter(EngineId::onJvm).toList(),
                quick,
                DEFAULT_INTERPRETER_MAX);
    }

    /** The sizes to run {@code w} at. */
    public List<Long> sizesOf(Workload w) {
        Objects.requireNonNull(w, "workload");
        if (!sizes.isEmpty()) {
            return sizes;
        }
        List<Long> own = w.sizes();
        return smallestSizes <= 0 ? own : own.subList(0, Math.min(smallestSizes, own.size()));
    }
}
