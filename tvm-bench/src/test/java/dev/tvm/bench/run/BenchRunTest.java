package dev.tvm.bench.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.matrix.Workload;
import dev.tvm.bench.run.BenchPlan.Cell;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a run accounts for cells its runners did not answer (the whole run: tvm-cli's BenchCommandTest). */
class BenchRunTest {
    @Test
    void missingCellsAreTheOnesTheRunnerDidNotAnswer() {
        List<Cell> planned = List.of(
                new Cell(Workload.SEQ_SUM, 1024, Variant.M32, EngineId.NODE),
                new Cell(Workload.SEQ_SUM, 1024, Variant.M64, EngineId.NODE));
        List<BenchResult> got = List.of(new BenchResult("seq-sum", 1024, "m32", "node 24.9.0", 1, 0, 1, "1", ""));
        List<BenchResult> missing = BenchRun.missingCells(planned, got, "why");
        assertEquals(
                List.of(new BenchResult("seq-sum", 1024, "m64", "node", Double.NaN, Double.NaN, 0, "", "why")),
                missing);
    }
}
