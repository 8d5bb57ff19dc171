package dev.tvm.bench.report;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import dev.tvm.bench.report.ResultIndex.Best;
import dev.tvm.bench.report.ResultIndex.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Evaluates the performance targets of issue 6 against measured results. Nothing is assumed: a
 * target whose cells are missing is {@link TargetOutcome.Status#NO_DATA}, and the "k of 24"
 * targets scale to the pairs actually measured (spill excluded, as M32 and M64 have no spilling).
 */
public final class Targets {
    /** Best TVM variant vs M32 on Chicory's compiler, every class and size. */
    public static final double CHICORY_PARITY = 1.10;
    /** Growth and gen-alloc-scan: best TVM variant vs M32 on Chicory's compiler. */
    public static final double ALLOC_PARITY = 1.5;
    /** TVM host raw path vs the plain Java loop, sequential sum. */
    public static final double HOST_PATH_VS_JAVA = 2.0;
    /** The "at least 20 of 24 pairs" targets, as a share of the pairs measured. */
    static final int NEEDED = 20;

    static final int OUT_OF = 24;

    private Targets() {}

    /** One outcome per target of the issue, in the order. */
    public static List<TargetOutcome> evaluate(List<BenchResult> results) {
        ResultIndex index = new ResultIndex(results);
        List<TargetOutcome> out = new ArrayList<>();
        out.add(chicoryParity(index));
        out.add(mmFasterOnSeqAndList(index));
        out.add(fasterThanGraalM64(index));
        out.add(allocWithin(index));
        out.add(hostPathVsJava(index));
        for (EngineId v8 : List.of(EngineId.NODE, EngineId.CHROMIUM)) {
            out.add(guestVsM64(index, v8));
        }
        return out;
    }

    /** The count of pairs that must pass: {@code NEEDED/OUT_OF} of those measured, rounded up. */
    static int needed(int measured) {
        return (int) Math.ceil((double) NEEDED * measured / OUT_OF);
    }

    private static TargetOutcome chicoryParity(ResultIndex index) {
        String target = "Best TVM variant within " + x(CHICORY_PARITY) + " of M32 on every class and size"
                + " (Chicory compiler)";
        return allPairs(index, target, index.pairs(), CHICORY_PARITY);
    }

    private static TargetOutcome allocWithin(ResultIndex index) {
        String target =
                "Growth and gen-alloc-scan: best TVM variant within " + x(ALLOC_PARITY) + " of M32 (Chicory compiler)";
        List<Pair> pairs = index.pairs().stream()
                .filter(p -> p.workload().equals(Workload.GROWTH.id())
                        || p.workload().equals(Workload.GEN_ALLOC_SCAN.id()))
                .toList();
        return allPairs(index, target, pairs, ALLOC_PARITY);
    }

    /** Every pair with an M32 baseline must have a TVM variant within {@code limit} of it. */
    private static TargetOutcome allPairs(ResultIndex index, String target, List<Pair> pairs, double limit) {
        EngineId e = EngineId.CHICORY_COMPILER;
        int measured = 0;
        List<String> misses = new ArrayList<>();
        List<String> unmeasured = new ArrayList<>();
        for (Pair p : pairs) {
            double m32 = index.ns(p, Variant.M32, e);
            Optional<Best> best = index.bestTvm(p, e);
            if (!Double.isFinite(m32) || best.isEmpty()) {
                unmeasured.add(name(p));
                continue;
            }
            measured++;
            double ratio = best.get().nsPerOp() / m32;
            if (ratio > limit) {
                misses.add(name(p) + " " + best.get().variant().id() + " " + x(ratio));
            }
        }
        if (measured == 0) {
            return new TargetOutcome(target, TargetOutcome.Status.NO_DATA, "no pair has both M32 and a TVM variant");
        }
        String detail = (measured - misses.size()) + " of " + measured + " pairs within " + x(limit)
                + (misses.isEmpty() ? "" : "; over: " + String.join(", ", misses))
                + unmeasuredNote(unmeasured);
        return new TargetOutcome(
                target, misses.isEmpty() ? TargetOutcome.Status.MET : TargetOutcome.Status.MISSED, detail);
    }

    private static TargetOutcome mmFasterOnSeqAndList(ResultIndex index) {
        String target = "TVM-MM faster than M32 on sequential sum and list walk (Chicory compiler)";
        EngineId e = EngineId.CHICORY_COMPILER;
        int measured = 0;
        List<String> misses = new ArrayList<>();
        List<String> unmeasured = new ArrayList<>();
        for (Pair p : index.pairs()) {
            if (!p.workload().equals(Workload.SEQ_SUM.id()) && !p.workload().equals(Workload.LIST_WALK.id())) {
                continue;
            }
            double m32 = index.ns(p, Variant.M32, e);
            double mm = index.ns(p, Variant.TVM_MM, e);
            if (!Double.isFinite(m32) || !Double.isFinite(mm)) {
                unmeasured.add(name(p));
                continue;
            }
            measured++;
            if (mm >= m32) {
                misses.add(name(p) + " " + x(mm / m32));
            }
        }
        if (measured == 0) {
            return new TargetOutcome(
                    target, TargetOutcome.Status.NO_DATA, "no seq-sum or list-walk pair has M32 and TVM-MM");
        }
        String detail = (measured - misses.size()) + " of " + measured + " pairs faster"
                + (misses.isEmpty() ? "" : "; not faster: " + String.join(", ", misses))
                + unmeasuredNote(unmeasured);
        return new TargetOutcome(
                target, misses.isEmpty() ? TargetOutcome.Status.MET : TargetOutcome.Status.MISSED, detail);
    }

    private static TargetOutcome fasterThanGraalM64(ResultIndex index) {
        String target = "Best TVM variant (Chicory compiler) faster than GraalWasm's M64 in at least " + NEEDED + " of "
                + OUT_OF + " pairs";
        List<String> wins = new ArrayList<>();
        List<String> losses = new ArrayList<>();
        List<String> unmeasured = new ArrayList<>();
        for (Pair p : index.comparablePairs()) {
            double m64 = index.ns(p, Variant.M64, EngineId.GRAALWASM);
            Optional<Best> best = index.bestTvm(p, EngineId.CHICORY_COMPILER);
            if (!Double.isFinite(m64) || best.isEmpty()) {
                unmeasured.add(name(p));
            } else if (best.get().nsPerOp() < m64) {
                wins.add(name(p));
            } else {
                losses.add(name(p) + " " + x(best.get().nsPerOp() / m64));
            }
        }
        return countTarget(target, wins.size(), losses, unmeasured, "faster");
    }

    private static TargetOutcome guestVsM64(ResultIndex index, EngineId engine) {
        String target = "TVM-guest no slower than M64 in at least " + NEEDED + " of " + OUT_OF + " pairs ("
                + index.engineLabel(engine) + ")";
        int wins = 0;
        List<String> losses = new ArrayList<>();
        List<String> unmeasured = new ArrayList<>();
        for (Pair p : index.comparablePairs()) {
            double guest = index.ns(p, Variant.TVM_GUEST, engine);
            double m64 = index.ns(p, Variant.M64, engine);
            if (!Double.isFinite(guest) || !Double.isFinite(m64)) {
                unmeasured.add(name(p));
            } else if (guest <= m64) {
                wins++;
            } else {
                losses.add(name(p) + " " + x(guest / m64));
            }
        }
        return countTarget(target, wins, losses, unmeasured, "no slower");
    }

    private static TargetOutcome countTarget(
            String target, int wins, List<String> losses, List<String> unmeasured, String verb) {
        int measured = wins + losses.size();
        if (measured == 0) {
            return new TargetOutcome(target, TargetOutcome.Status.NO_DATA, "no pair measured on both sides");
        }
        int needed = needed(measured);
        String detail = wins + " of " + measured + " pairs " + verb + " (needs " + needed + ")"
                + (losses.isEmpty() ? "" : "; slower: " + String.join(", ", losses))
                + unmeasuredNote(unmeasured);
        return new TargetOutcome(
                target, wins >= needed ? TargetOutcome.Status.MET : TargetOutcome.Status.MISSED, detail);
    }

    private static TargetOutcome hostPathVsJava(ResultIndex index) {
        String target = "Host-path bulk sequential (TVM-host, seq-sum, Chicory compiler) within " + x(HOST_PATH_VS_JAVA)
                + " of the plain Java loop";
        int measured = 0;
        List<String> misses = new ArrayList<>();
        List<String> unmeasured = new ArrayList<>();
        for (Pair p : index.pairs()) {
            if (!p.workload().equals(Workload.SEQ_SUM.id())) {
                continue;
            }
            double host = index.ns(p, Variant.TVM_HOST, EngineId.CHICORY_COMPILER);
            double java = index.ns(p, Variant.JAVA_SEGMENT, EngineId.JVM);
            if (!Double.isFinite(host) || !Double.isFinite(java)) {
                unmeasured.add(name(p));
                continue;
            }
            measured++;
            if (host / java > HOST_PATH_VS_JAVA) {
                misses.add(name(p) + " " + x(host / java));
            }
        }
        if (measured == 0) {
            return new TargetOutcome(
                    target, TargetOutcome.Status.NO_DATA, "no seq-sum pair has TVM-host and java-segment");
        }
        String detail = (measured - misses.size()) + " of " + measured + " sizes within " + x(HOST_PATH_VS_JAVA)
                + (misses.isEmpty() ? "" : "; over: " + String.join(", ", misses))
                + unmeasuredNote(unmeasured);
        return new TargetOutcome(
                target, misses.isEmpty() ? TargetOutcome.Status.MET : TargetOutcome.Status.MISSED, detail);
    }

    private static String unmeasuredNote(List<String> unmeasured) {
        return unmeasured.isEmpty() ? "" : "; not measured: " + String.join(", ", unmeasured);
    }

    static String name(Pair p) {
        return p.workload() + " " + Format.size(p.sizeBytes());
    }

    static String x(double ratio) {
        return String.format(Locale.ROOT, "%.2fx", ratio);
    }
}
