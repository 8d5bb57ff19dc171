package dev.tvm.bench.report;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import java.util.ArrayList;
import java.util.List;

/** Builds synthetic result lists: M32 takes 1000 ns everywhere, other cells are set per test. */
final class Synthetic {
    static final double M32_NS = 1000;

    private final List<BenchResult> results = new ArrayList<>();

    /** One workload at one size. */
    record Pair(Workload workload, long size) {}

    /** The 8 comparable classes × 3 sizes = 24 pairs, in order. */
    static List<Pair> pairs24() {
        List<Pair> out = new ArrayList<>();
        for (Workload w : Workload.values()) {
            if (w == Workload.SPILL) {
                continue;
            }
            for (long size : w.sizes()) {
                out.add(new Pair(w, size));
            }
        }
        return out;
    }

    static String engineLabel(EngineId e) {
        return switch (e) {
            case NODE -> "node 24.9.0";
            case CHROMIUM -> "chromium 156.0.8078.79";
            case GRAALWASM -> "graalwasm 25.0.2";
            default -> e.id();
        };
    }

    Synthetic add(Workload w, long size, Variant v, EngineId e, double ns) {
        results.add(new BenchResult(w.id(), size, v.id(), engineLabel(e), ns, ns / 100, 10, "42", ""));
        return this;
    }

    Synthetic missing(Workload w, long size, Variant v, EngineId e, String note) {
        results.add(new BenchResult(w.id(), size, v.id(), engineLabel(e), Double.NaN, Double.NaN, 0, "", note));
        return this;
    }

    /** Every comparable pair on {@code e}: M32 at 1000 ns and {@code v} at {@code ratio} × that. */
    Synthetic everywhere(EngineId e, Variant v, double ratio) {
        for (Pair p : pairs24()) {
            add(p.workload(), p.size(), v, e, M32_NS * ratio);
        }
        return this;
    }

    List<BenchResult> build() {
        return List.copyOf(results);
    }
}
