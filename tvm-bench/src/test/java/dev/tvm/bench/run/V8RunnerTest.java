package dev.tvm.bench.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import dev.tvm.bench.run.BenchPlan.Cell;
import dev.tvm.bench.run.BenchPlan.V8Budget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code engines/bench.mjs} driven from Java on the stand-in workload of {@code engines/test/}
 * (copied into a scratch repository layout); skipped when Node or Chromium is not installed.
 */
class V8RunnerTest {
    private static final V8Budget TINY = new V8Budget(50, 3, 5, 1000, 60_000);

    private static Path repoRoot() {
        return BenchRun.findRoot();
    }

    /** A scratch root: engines/ linked to the repository's, seq-sum variants from the stand-in. */
    private static Path scratchRoot(Path dir) throws Exception {
        Path wasm = Files.createDirectories(dir.resolve("bench/workloads/wasm"));
        Path test = repoRoot().resolve("engines/test");
        Files.copy(test.resolve("standin-m32.wasm"), wasm.resolve("seq-sum-m32.wasm"));
        Files.copy(test.resolve("standin-m32.wasm"), wasm.resolve("seq-sum-shell.wasm"));
        Files.copy(test.resolve("standin-m64.wasm"), wasm.resolve("seq-sum-m64.wasm"));
        Files.createSymbolicLink(dir.resolve("engines"), repoRoot().resolve("engines"));
        return dir;
    }

    private static void runsTheStandIn(EngineId engine, Path dir) throws Exception {
        Path root = scratchRoot(dir);
        V8Runner runner = new V8Runner(root, dir.resolve("out"));
        String check = runner.check(engine);
        assumeFalse(check.startsWith("SKIP"), check);
        List<Cell> cells = List.of(
                new Cell(Workload.SEQ_SUM, 64 << 10, Variant.M32, engine),
                new Cell(Workload.SEQ_SUM, 64 << 10, Variant.M64, engine),
                new Cell(Workload.SEQ_SUM, 64 << 10, Variant.TVM_GUEST, engine),
                new Cell(Workload.LIST_WALK, 64 << 10, Variant.M32, engine));
        List<BenchResult> seen = new ArrayList<>();
        List<BenchResult> results = runner.run(engine, cells, TINY, 42, seen::add);
        assertEquals(results, seen);
        assertEquals(4, results.size());
        for (BenchResult r : results.subList(0, 3)) {
            assertTrue(r.engine().startsWith(engine.id() + " "), r.engine());
            assertTrue(r.nsPerOp() > 0, r.toString());
            assertEquals(3, r.samples(), r.toString());
            assertEquals("", r.note(), r.toString());
        }
        // the three modules hold the same values: the checksums prove it
        assertEquals(
                1,
                results.subList(0, 3).stream()
                        .map(BenchResult::checksum)
                        .distinct()
                        .count());
        assertTrue(Double.isNaN(results.get(3).nsPerOp()));
        assertTrue(
                results.get(3).note().startsWith("missing wasm "),
                results.get(3).note());
        assertTrue(
                Files.readString(dir.resolve("out/v8-" + engine.id() + ".log")).contains("bench: 4/4"));
    }

    @Test
    void nodeMeasuresTheStandIn(@TempDir Path dir) throws Exception {
        runsTheStandIn(EngineId.NODE, dir);
    }

    @Test
    void chromiumMeasuresTheStandIn(@TempDir Path dir) throws Exception {
        runsTheStandIn(EngineId.CHROMIUM, dir);
    }

    @Test
    void anEngineThatIsNotThereIsSkippedCellByCell(@TempDir Path dir) throws Exception {
        V8Runner runner = new V8Runner(dir, dir.resolve("out"));
        List<Cell> cells = List.of(new Cell(Workload.SEQ_SUM, 1024, Variant.M32, EngineId.NODE));
        List<BenchResult> results = runner.run(EngineId.NODE, cells, TINY, 42, r -> {});
        assertEquals(1, results.size());
        assertTrue(
                results.get(0).note().startsWith("SKIP: engines/ not found under "),
                results.get(0).note());
    }
}
