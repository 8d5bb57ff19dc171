package dev.tvm.bench.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    private static void assertContains(String md, String expected) {
        assertTrue(md.contains(expected), () -> "expected to find:\n" + expected + "\nin:\n" + md);
    }

    private static final long K16 = 16 << 10;
    private static final long M1 = 1 << 20;

    private static List<BenchResult> sample() {
        return new Synthetic()
                .add(Workload.SEQ_SUM, K16, Variant.M32, EngineId.CHICORY_COMPILER, 1000)
                .add(Workload.SEQ_SUM, K16, Variant.TVM_HOST, EngineId.CHICORY_COMPILER, 1200)
                .add(Workload.SEQ_SUM, K16, Variant.TVM_MM, EngineId.CHICORY_COMPILER, 950)
                .add(Workload.SEQ_SUM, K16, Variant.M64, EngineId.GRAALWASM, 2000)
                .add(Workload.SEQ_SUM, K16, Variant.JAVA_SEGMENT, EngineId.JVM, 500)
                .add(Workload.SEQ_SUM, K16, Variant.M32, EngineId.NODE, 800)
                .add(Workload.SEQ_SUM, K16, Variant.M64, EngineId.NODE, 880)
                .add(Workload.SEQ_SUM, K16, Variant.TVM_GUEST, EngineId.NODE, 840)
                .missing(Workload.SEQ_SUM, K16, Variant.TVM_MM, EngineId.NODE, "variant tvm-mm needs the JVM")
                .add(Workload.LIST_WALK, M1, Variant.M32, EngineId.NODE, 4000)
                .missing(Workload.LIST_WALK, M1, Variant.TVM_GUEST, EngineId.NODE, "trapped: unreachable")
                .build();
    }

    @Test
    void statesBestVariantRatiosTargetsAndMissingCells() {
        String md = Report.markdown(
                new ResultsFile(Map.of("command", "tvm bench --quick"), sample()), List.of("ratio-node.png"));
        assertTrue(md.startsWith("# Benchmark matrix report\n"), md);
        assertContains(md, "- **command**: tvm bench --quick");
        assertContains(md, "- **cells**: 11 (9 measured, 2 missing)");
        // best TVM per class and size: tvm-mm on Chicory, tvm-guest and M64 ratios on node, vs GraalWasm
        assertContains(md, "| seq-sum | 16 KiB | tvm-mm 0.95x | tvm-guest 1.05x | 1.10x | tvm-mm 0.48x |");
        assertContains(md, "| list-walk | 1 MiB | — | — | — | — |");
        // per-engine table: time, error and ratio; the missing cell shows its note
        assertContains(md, "## chicory-compiler");
        assertTrue(
                md.contains(
                        "| seq-sum | 16 KiB | 1.00 µs ±10.0 ns (1.00x) | 1.20 µs ±12.0 ns (1.20x) | 950 ns ±9.50 ns (0.95x) |"),
                md);
        assertContains(md, "| list-walk | 1 MiB | 4.00 µs ±40.0 ns (1.00x) | — | — | — (note 2) |");
        assertContains(md, "- note 2: trapped: unreachable — 1 cell: tvm-guest@node list-walk 1 MiB");
        assertContains(md, "| seq-sum | 16 KiB | 500 ns ±5.00 ns | 1.20 µs ±12.0 ns | 2.40x |");
        // targets come from the data
        assertTrue(
                md.contains(
                        "- **met**: TVM-MM faster than M32 on sequential sum and list walk (Chicory compiler). 1 of 1 pairs faster"),
                md);
        assertContains(md, "- **missed**: Host-path bulk sequential");
        assertTrue(
                md.contains("- **no data**: TVM-guest no slower than M64 in at least 20 of 24 pairs (chromium)"), md);
        assertContains(md, "- note 1: variant tvm-mm needs the JVM — 1 cell: tvm-mm@node seq-sum 16 KiB");
        assertContains(md, "2 of 2 workload/size pairs: all variants and engines agree.");
        assertContains(md, "![ratio-node.png](ratio-node.png)");
    }

    @Test
    void flagsDifferingChecksums() {
        List<BenchResult> results = List.of(
                new BenchResult("seq-sum", K16, "m32", "node 24.9.0", 100, 1, 5, "42", ""),
                new BenchResult("seq-sum", K16, "m64", "node 24.9.0", 100, 1, 5, "43", ""));
        String md = Report.markdown(new ResultsFile(Map.of(), results), List.of());
        assertContains(md, "**Checksums differ**");
        assertContains(md, "- seq-sum 16 KiB: `42` (m32 on node) `43` (m64 on node)");
        assertFalse(md.contains("## Plots"));
    }

    @Test
    void writesJsonReportAndPngPlots(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        Path report = Report.writeAll(new ResultsFile(Map.of("mode", "quick"), sample()), out);
        assertEquals(out.resolve("report.md"), report);
        assertEquals(sample(), ResultsFile.read(out.resolve("results.json")).results());
        byte[] pngMagic = {(byte) 0x89, 'P', 'N', 'G'};
        for (String plot : List.of(
                "ratio-chicory-compiler.png",
                "ratio-node.png",
                "v8-tvm-guest-vs-m64.png",
                "jvm-tvm-vs-graalwasm-m64.png")) {
            Path png = out.resolve(plot);
            assertTrue(Files.size(png) > 1000, plot);
            assertArrayEquals(pngMagic, Arrays.copyOf(Files.readAllBytes(png), 4), plot);
            assertTrue(Files.readString(report).contains("](" + plot + ")"), plot);
        }
    }
}
