package dev.tvm.bench.report;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** Results looked up by cell; the engine is matched by its id, whatever version follows it. */
final class ResultIndex {
    /** One workload at one size: a row of the report. */
    record Pair(String workload, long sizeBytes) {}

    private record Key(String workload, long sizeBytes, String variant, String engineId) {}

    private final Map<Key, BenchResult> cells = new HashMap<>();
    private final Map<String, String> engineLabels = new LinkedHashMap<>();
    private final List<Pair> pairs;

    ResultIndex(List<BenchResult> results) {
        TreeSet<Pair> sorted = new TreeSet<>(Comparator.comparingInt((Pair p) -> workloadOrder(p.workload()))
                .thenComparing(Pair::workload)
                .thenComparingLong(Pair::sizeBytes));
        for (BenchResult r : results) {
            String id = engineId(r.engine());
            // The first result of a cell wins: a rerun belongs in a separate results file.
            cells.putIfAbsent(new Key(r.workload(), r.sizeBytes(), r.variant(), id), r);
            if (r.engine().length() > id.length() || !engineLabels.containsKey(id)) {
                engineLabels.put(id, r.engine());
            }
            sorted.add(new Pair(r.workload(), r.sizeBytes()));
        }
        pairs = List.copyOf(sorted);
    }

    static String engineId(String engineLabel) {
        int space = engineLabel.indexOf(' ');
        return space < 0 ? engineLabel : engineLabel.substring(0, space);
    }

    private static int workloadOrder(String id) {
        for (Workload w : Workload.values()) {
            if (w.id().equals(id)) {
                @SuppressWarnings("EnumOrdinal") // reports list workloads in declaration order
                int order = w.ordinal();
                return order;
            }
        }
        return Integer.MAX_VALUE;
    }

    /** Every workload and size with at least one result, in {@link Workload} order, smallest first. */
    List<Pair> pairs() {
        return pairs;
    }

    /** Pairs that count towards the "k of 24" targets: every class but spill, which only TVM can do. */
    List<Pair> comparablePairs() {
        return pairs.stream()
                .filter(p -> !p.workload().equals(Workload.SPILL.id()))
                .toList();
    }

    boolean hasEngine(EngineId engine) {
        return engineLabels.containsKey(engine.id());
    }

    /** The engine as the results name it, with its version ("node 24.9.0"). */
    String engineLabel(EngineId engine) {
        return engineLabels.getOrDefault(engine.id(), engine.id());
    }

    Optional<BenchResult> get(Pair pair, Variant variant, EngineId engine) {
        return Optional.ofNullable(cells.get(new Key(pair.workload(), pair.sizeBytes(), variant.id(), engine.id())));
    }

    /** The cell's score, or NaN when it is missing or was not measured. */
    double ns(Pair pair, Variant variant, EngineId engine) {
        return get(pair, variant, engine).map(BenchResult::nsPerOp).orElse(Double.NaN);
    }

    /** The variants that have at least one result on an engine, in {@link Variant} order. */
    List<Variant> variantsOn(EngineId engine) {
        List<Variant> out = new ArrayList<>();
        for (Variant v : Variant.values()) {
            for (Pair p : pairs) {
                if (get(p, v, engine).isPresent()) {
                    out.add(v);
                    break;
                }
            }
        }
        return out;
    }

    /** The fastest measured TVM variant of a pair on an engine. */
    Optional<Best> bestTvm(Pair pair, EngineId engine) {
        Best best = null;
        for (Variant v : List.of(Variant.TVM_HOST, Variant.TVM_MM, Variant.TVM_GUEST)) {
            double ns = ns(pair, v, engine);
            if (Double.isFinite(ns) && (best == null || ns < best.nsPerOp())) {
                best = new Best(v, ns);
            }
        }
        return Optional.ofNullable(best);
    }

    /** A variant and its score. */
    record Best(Variant variant, double nsPerOp) {}
}
