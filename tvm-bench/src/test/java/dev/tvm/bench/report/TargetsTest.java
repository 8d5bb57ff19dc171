package dev.tvm.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import dev.tvm.bench.report.TargetOutcome.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetsTest {
    private static final long K16 = 16 << 10;
    private static final long M1 = 1 << 20;

    private static TargetOutcome outcome(List<TargetOutcome> all, String containing) {
        return all.stream()
                .filter(t -> t.target().contains(containing))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no target containing '" + containing + "' in " + all));
    }

    @Test
    void nothingMeasuredIsNoDataEverywhere() {
        List<TargetOutcome> all = Targets.evaluate(List.of());
        assertEquals(7, all.size());
        assertTrue(all.stream().allMatch(t -> t.status() == Status.NO_DATA), all.toString());
    }

    @Test
    void chicoryParityMetWithinTenPercent() {
        var s = new Synthetic()
                .everywhere(EngineId.CHICORY_COMPILER, Variant.M32, 1.0)
                .everywhere(EngineId.CHICORY_COMPILER, Variant.TVM_MM, 1.08)
                .everywhere(EngineId.CHICORY_COMPILER, Variant.TVM_HOST, 1.5);
        TargetOutcome t = outcome(Targets.evaluate(s.build()), "within 1.10x of M32 on every class");
        assertEquals(Status.MET, t.status(), t.detail());
        assertTrue(t.detail().startsWith("24 of 24 pairs within 1.10x"), t.detail());
    }

    @Test
    void chicoryParityMissedNamesTheSlowPair() {
        var s = new Synthetic()
                .everywhere(EngineId.CHICORY_COMPILER, Variant.M32, 1.0)
                .add(Workload.SEQ_SUM, K16, Variant.M32, EngineId.CHICORY_COMPILER, 1000)
                .add(Workload.SEQ_SUM, K16, Variant.TVM_GUEST, EngineId.CHICORY_COMPILER, 1250)
                .add(Workload.SEQ_SUM, M1, Variant.TVM_GUEST, EngineId.CHICORY_COMPILER, 1000);
        TargetOutcome t = outcome(Targets.evaluate(s.build()), "within 1.10x of M32 on every class");
        assertEquals(Status.MISSED, t.status());
        assertTrue(
                t.detail().startsWith("1 of 2 pairs within 1.10x; over: seq-sum 16 KiB tvm-guest 1.25x"), t.detail());
        assertTrue(t.detail().contains("not measured: seq-sum 64 MiB"), t.detail());
    }

    @Test
    void mmFasterOnSeqAndListMetAndMissed() {
        var met = new Synthetic()
                .everywhere(EngineId.CHICORY_COMPILER, Variant.M32, 1.0)
                .everywhere(EngineId.CHICORY_COMPILER, Variant.TVM_MM, 0.9);
        TargetOutcome t = outcome(Targets.evaluate(met.build()), "TVM-MM faster");
        assertEquals(Status.MET, t.status(), t.detail());
        assertTrue(t.detail().startsWith("6 of 6 pairs faster"), t.detail());

        // the first result of a cell wins (ResultIndex), so the slow cell goes in first
        var slowFirst = new Synthetic()
                .add(Workload.LIST_WALK, M1, Variant.TVM_MM, EngineId.CHICORY_COMPILER, 1000)
                .everywhere(EngineId.CHICORY_COMPILER, Variant.M32, 1.0)
                .everywhere(EngineId.CHICORY_COMPILER, Variant.TVM_MM, 0.9);
        TargetOutcome m = outcome(Targets.evaluate(slowFirst.build()), "TVM-MM faster");
        assertEquals(Status.MISSED, m.status());
        assertTrue(m.detail().contains("5 of 6 pairs faster; not faster: list-walk 1 MiB 1.00x"), m.detail());
    }

    @Test
    void graalWasmNeedsTwentyOfTwentyFour() {
        assertEquals(Status.MET, graalOutcome(20).status());
        TargetOutcome missed = graalOutcome(19);
        assertEquals(Status.MISSED, missed.status());
        assertTrue(missed.detail().startsWith("19 of 24 pairs faster (needs 20)"), missed.detail());
    }

    private static TargetOutcome graalOutcome(int wins) {
        var s = new Synthetic();
        List<Synthetic.Pair> pairs = Synthetic.pairs24();
        for (int i = 0; i < pairs.size(); i++) {
            Workload w = pairs.get(i).workload();
            long size = pairs.get(i).size();
            s.add(w, size, Variant.M64, EngineId.GRAALWASM, 1000);
            s.add(w, size, Variant.TVM_HOST, EngineId.CHICORY_COMPILER, i < wins ? 900 : 1100);
        }
        // spill never counts: TVM winning it must not lift a miss
        s.add(Workload.SPILL, 64L << 20, Variant.M64, EngineId.GRAALWASM, 1000);
        s.add(Workload.SPILL, 64L << 20, Variant.TVM_HOST, EngineId.CHICORY_COMPILER, 10);
        return outcome(Targets.evaluate(s.build()), "GraalWasm");
    }

    @Test
    void countThresholdScalesToThePairsMeasured() {
        assertEquals(20, Targets.needed(24));
        assertEquals(10, Targets.needed(12));
        assertEquals(1, Targets.needed(1));
        assertEquals(3, Targets.needed(3));
    }

    @Test
    void allocClassesWithinOneAndAHalf() {
        var met = new Synthetic()
                .everywhere(EngineId.CHICORY_COMPILER, Variant.M32, 1.0)
                .everywhere(EngineId.CHICORY_COMPILER, Variant.TVM_HOST, 1.45);
        TargetOutcome t = outcome(Targets.evaluate(met.build()), "Growth and gen-alloc-scan");
        assertEquals(Status.MET, t.status(), t.detail());
        assertTrue(t.detail().startsWith("6 of 6 pairs within 1.50x"), t.detail());

        var missed = new Synthetic()
                .add(Workload.GEN_ALLOC_SCAN, M1, Variant.TVM_HOST, EngineId.CHICORY_COMPILER, 1600)
                .everywhere(EngineId.CHICORY_COMPILER, Variant.M32, 1.0)
                .everywhere(EngineId.CHICORY_COMPILER, Variant.TVM_HOST, 1.45);
        TargetOutcome m = outcome(Targets.evaluate(missed.build()), "Growth and gen-alloc-scan");
        assertEquals(Status.MISSED, m.status());
        assertTrue(m.detail().contains("over: gen-alloc-scan 1 MiB tvm-host 1.60x"), m.detail());
    }

    @Test
    void hostPathWithinTwiceTheJavaLoop() {
        var met = new Synthetic()
                .add(Workload.SEQ_SUM, K16, Variant.JAVA_SEGMENT, EngineId.JVM, 1000)
                .add(Workload.SEQ_SUM, K16, Variant.TVM_HOST, EngineId.CHICORY_COMPILER, 1990);
        TargetOutcome t = outcome(Targets.evaluate(met.build()), "plain Java loop");
        assertEquals(Status.MET, t.status(), t.detail());

        var missed = new Synthetic()
                .add(Workload.SEQ_SUM, K16, Variant.JAVA_SEGMENT, EngineId.JVM, 1000)
                .add(Workload.SEQ_SUM, K16, Variant.TVM_HOST, EngineId.CHICORY_COMPILER, 2100);
        TargetOutcome m = outcome(Targets.evaluate(missed.build()), "plain Java loop");
        assertEquals(Status.MISSED, m.status());
        assertTrue(m.detail().contains("over: seq-sum 16 KiB 2.10x"), m.detail());
    }

    @Test
    void v8GuestVsM64PerEngine() {
        var s = new Synthetic();
        List<Synthetic.Pair> pairs = Synthetic.pairs24();
        for (int i = 0; i < pairs.size(); i++) {
            Workload w = pairs.get(i).workload();
            long size = pairs.get(i).size();
            s.add(w, size, Variant.M64, EngineId.NODE, 1000);
            s.add(w, size, Variant.TVM_GUEST, EngineId.NODE, i < 20 ? 1000 : 1200); // equal is "no slower"
            s.add(w, size, Variant.M64, EngineId.CHROMIUM, 1000);
            s.add(w, size, Variant.TVM_GUEST, EngineId.CHROMIUM, i < 18 ? 900 : 1200);
        }
        List<TargetOutcome> all = Targets.evaluate(s.build());
        TargetOutcome node = outcome(all, "(node 24.9.0)");
        TargetOutcome chromium = outcome(all, "(chromium 156.0.8078.79)");
        assertEquals(Status.MET, node.status(), node.detail());
        assertTrue(node.detail().startsWith("20 of 24 pairs no slower (needs 20)"), node.detail());
        assertEquals(Status.MISSED, chromium.status(), chromium.detail());
        assertTrue(chromium.detail().startsWith("18 of 24 pairs no slower (needs 20); slower:"), chromium.detail());
    }
}
