package dev.tvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import dev.tvm.bench.report.ResultsFile;
import dev.tvm.bench.run.BenchPlan;
import dev.tvm.bench.run.BenchPlan.Cell;
import dev.tvm.bench.run.BenchRun;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchCommandTest {
    private record Result(int exit, String out, String err) {}

    /** Records what it was asked to run and answers every cell with made-up timings (tests only). */
    private static final class FakeRunners implements BenchRun.Runners {
        BenchPlan jvmPlan;
        final List<EngineId> v8Engines = new ArrayList<>();

        @Override
        public List<BenchResult> runJvm(BenchPlan plan, Consumer<String> progress) {
            jvmPlan = plan;
            List<BenchResult> out = new ArrayList<>();
            for (Cell c : plan.cells()) {
                if (!c.engine().onJvm() || c.variant() == Variant.TVM_HOST) {
                    continue; // tvm-host left out: the command must report it as missing
                }
                out.add(result(c, c.engine().id(), c.variant() == Variant.TVM_MM ? 900 : 1000));
                progress.accept("done " + c);
            }
            return out;
        }

        @Override
        public List<BenchResult> runV8(EngineId engine, BenchPlan plan, Path outDir, Consumer<BenchResult> each) {
            v8Engines.add(engine);
            List<BenchResult> out = new ArrayList<>();
            for (Cell c : plan.on(engine)) {
                BenchResult r = result(c, engine.id() + " 1.0", c.variant() == Variant.M64 ? 1100 : 1000);
                out.add(r);
                each.accept(r);
            }
            return out;
        }

        private static BenchResult result(Cell c, String engine, double ns) {
            return new BenchResult(c.workload().id(), c.sizeBytes(), c.variant().id(), engine, ns, 10, 5, "7", "");
        }
    }

    private static Result run(BenchRun.Runners runners, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand(runners));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void anotherSeedIsForTheV8EnginesOnly() {
        BenchCommand jvm = new BenchCommand();
        new CommandLine(jvm).parseArgs("--engines", "chicory-compiler,node", "--seed", "7");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, jvm::plan);
        assertTrue(e.getMessage().contains("uses seed 42"), e.getMessage());
        BenchCommand v8 = new BenchCommand();
        new CommandLine(v8).parseArgs("--engines", "node,chromium", "--seed", "7");
        assertEquals(7, v8.plan().seed());
    }

    @Test
    void parsesTheSelectionIntoAPlan() {
        BenchCommand cmd = new BenchCommand();
        new CommandLine(cmd)
                .parseArgs(
                        "--quick",
                        "--classes",
                        "seq-sum,list-walk",
                        "--sizes",
                        "16k,1m",
                        "--variants",
                        "m32,tvm-guest",
                        "--engines",
                        "chicory-compiler,node",
                        "--seed",
                        "42");
        BenchPlan plan = cmd.plan();
        assertTrue(plan.quick());
        assertEquals(42, plan.seed());
        assertEquals(List.of(16L << 10, 1L << 20), plan.sizes());
        // 2 classes x 2 sizes x 2 variants, on each of the two engines
        assertEquals(16, plan.cells().size());
        assertEquals(8, plan.on(EngineId.NODE).size());
        assertEquals(
                new Cell(Workload.SEQ_SUM, 16 << 10, Variant.M32, EngineId.CHICORY_COMPILER),
                plan.cells().get(0));
    }

    @Test
    void defaultsToTheWholeMatrixWithEachEnginesVariants() {
        BenchCommand cmd = new BenchCommand();
        new CommandLine(cmd).parseArgs();
        BenchPlan plan = cmd.plan();
        assertEquals(27 * 5, plan.on(EngineId.CHICORY_COMPILER).size());
        assertEquals(27, plan.on(EngineId.GRAALWASM).size());
        assertEquals(27 * 3, plan.on(EngineId.CHROMIUM).size());
        assertTrue(plan.on(EngineId.NODE).stream().noneMatch(c -> c.variant() == Variant.TVM_HOST));
        assertEquals(486, plan.cells().size());
    }

    @Test
    void quickPlanFitsTenMinutesAndIsPrintedUpFront() {
        Result r = run(new FakeRunners(), "--quick", "--plan");
        assertEquals(0, r.exit(), r.err());
        // each class at its smallest size: a third of the full matrix
        assertTrue(r.out().startsWith("plan: 162 cells, quick budget, seed 42, estimated "), r.out());
        assertTrue(r.out().contains("  node                   27 cells x ~0.5 s"), r.out());
        assertTrue(!r.out().contains("warning"), r.out());
    }

    @Test
    void rejectsUnknownNamesAsUsageErrors() {
        Result r = run(new FakeRunners(), "--classes", "seq-sum,bogus", "--plan");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown workload 'bogus'"), r.err());
        assertEquals(
                2, run(new FakeRunners(), "--engines", "wasmtime", "--plan").exit());
        assertEquals(2, run(new FakeRunners(), "--sizes", "lots", "--plan").exit());
    }

    @Test
    void writesResultsReportAndPlotsWithMissingCellsNoted(@TempDir Path dir) throws Exception {
        FakeRunners fake = new FakeRunners();
        Path out = dir.resolve("matrix");
        Result r = run(
                fake,
                "--quick",
                "--classes",
                "seq-sum",
                "--sizes",
                "16k",
                "--engines",
                "chicory-compiler,node,chromium",
                "--out",
                out.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of(EngineId.NODE, EngineId.CHROMIUM), fake.v8Engines);
        assertEquals(11, fake.jvmPlan.cells().size());
        assertTrue(r.err().contains("11 / 11 cells"), r.err());
        assertTrue(r.out().contains("measured 10 of 11 cells; wrote "), r.out());

        ResultsFile results = ResultsFile.read(out.resolve("results.json"));
        assertEquals(
                "tvm bench --quick --classes seq-sum --sizes 16k --engines chicory-compiler,node,chromium --out " + out,
                results.meta().get("command"));
        assertEquals("quick", results.meta().get("budget"));
        BenchResult host = results.results().stream()
                .filter(b -> b.variant().equals("tvm-host"))
                .findFirst()
                .orElseThrow();
        assertTrue(Double.isNaN(host.nsPerOp()));
        assertEquals(BenchRun.NO_JVM_RESULT, host.note());

        String md = Files.readString(out.resolve("report.md"));
        assertTrue(
                md.contains("| seq-sum | 16 KiB | tvm-mm 0.90x | tvm-guest 1.00x | 1.10x | tvm-guest 1.00x | 1.10x |"),
                md);
        assertTrue(md.contains("- **met**: TVM-MM faster than M32"), md);
        assertTrue(md.contains(BenchRun.NO_JVM_RESULT + " — 1 cell: tvm-host@chicory-compiler seq-sum 16 KiB"), md);
        for (String png : List.of(
                "ratio-chicory-compiler.png", "ratio-node.png", "ratio-chromium.png", "v8-tvm-guest-vs-m64.png")) {
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
        }
    }
}
