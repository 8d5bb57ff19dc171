package dev.tvm.bench.graal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.Workload;
import dev.tvm.bench.report.ResultsFile;
import org.junit.jupiter.api.Test;

/** The result lines the GraalWasm JVM prints and {@code JvmMatrix} reads back. */
class GraalResultLineTest {
    @Test
    void failedCellIsMissingNeverZeroNanoseconds() {
        BenchResult failed = GraalMatrix.failed(
                Workload.SEQ_SUM, 16384, "graalwasm 25.0.2", new IllegalStateException("bench_setup failed with -1"));
        String line = ResultsFile.line(failed);
        assertTrue(line.contains("\"nsPerOp\":null,\"errorNs\":null"), line);
        BenchResult back = ResultsFile.parseLine(line);
        assertTrue(Double.isNaN(back.nsPerOp()), "a failed cell reads back without a score: " + back);
        assertTrue(Double.isNaN(back.errorNs()));
        assertEquals("failed: java.lang.IllegalStateException: bench_setup failed with -1", back.note());
        assertEquals("m64", back.variant());
    }

    @Test
    void measuredCellRoundTripsWithFullPrecisionAndEscapedNote() {
        BenchResult measured = new BenchResult(
                "seq-sum",
                67108864,
                "m64",
                "graalwasm 25.0.2",
                15599999.999627471,
                1900000.000372529,
                15,
                "266897651601420898",
                "quote \" backslash \\ tab \t; median of 15 samples");
        assertEquals(measured, ResultsFile.parseLine(ResultsFile.line(measured)));
    }
}
