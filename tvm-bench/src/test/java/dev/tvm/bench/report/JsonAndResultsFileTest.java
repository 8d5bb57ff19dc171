package dev.tvm.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.bench.matrix.BenchResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonAndResultsFileTest {
    @Test
    void parsesWhatItWrites() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "quote \" backslash \\ newline \n tab \t µ");
        m.put("i", 9007199254740993L);
        m.put("d", 1.5);
        m.put("nan", Double.NaN);
        m.put("list", List.of(true, false, "x"));
        m.put("empty", Map.of());
        Object back = Json.parse(Json.writePretty(m));
        Map<String, Object> expected = new LinkedHashMap<>(m);
        expected.put("nan", null);
        assertEquals(expected, back);
        assertEquals(back, Json.parse(Json.write(m)));
    }

    @Test
    void rejectsBrokenInputWithTheOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": [1, 2}"));
        assertTrue(e.getMessage().contains("offset 11"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{} x"));
        assertEquals("é", Json.parse("\"\\u00e9\""));
    }

    @Test
    void resultsRoundTripWithMissingScoresAsNull(@TempDir Path dir) throws Exception {
        BenchResult measured =
                new BenchResult("seq-sum", 16384, "m32", "node 24.9.0", 1623.4, 180.9, 15, "-1167293058380844402", "");
        BenchResult missing = new BenchResult(
                "seq-sum", 16384, "tvm-mm", "node 24.9.0", Double.NaN, Double.NaN, 0, "", "needs the JVM");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("command", "tvm bench --quick");
        meta.put("date", "2026-11-21");
        ResultsFile file = new ResultsFile(meta, List.of(measured, missing));
        Path json = dir.resolve("results.json");
        file.write(json);
        assertTrue(Files.readString(json).contains("\"nsPerOp\":null"));
        ResultsFile back = ResultsFile.read(json);
        assertEquals(file, back);
        assertEquals(List.of("command", "date"), List.copyOf(back.meta().keySet()));
    }

    @Test
    void readsHarnessLinesIgnoringExtraFields() {
        String line =
                "{\"workload\":\"seq-sum\",\"sizeBytes\":67108864,\"variant\":\"m64\",\"engine\":\"chromium 156.0.8078.79\","
                        + "\"nsPerOp\":15599999.999627471,\"errorNs\":1900000.000372529,\"samples\":5,\"checksum\":\"266897651601420898\","
                        + "\"note\":\"\",\"setupMs\":177.3,\"usedBytes\":\"67108864\",\"callsPerBatch\":2}";
        BenchResult r = ResultsFile.parseLine(line);
        assertEquals(
                new BenchResult(
                        "seq-sum",
                        67108864,
                        "m64",
                        "chromium 156.0.8078.79",
                        15599999.999627471,
                        1900000.000372529,
                        5,
                        "266897651601420898",
                        ""),
                r);
        BenchResult skipped = ResultsFile.parseLine(
                "{\"workload\":\"w\",\"sizeBytes\":1,\"variant\":\"tvm-mm\",\"engine\":\"node\","
                        + "\"nsPerOp\":null,\"errorNs\":null,\"samples\":0,\"checksum\":\"\",\"note\":\"needs the JVM\"}");
        assertTrue(Double.isNaN(skipped.nsPerOp()));
        assertEquals("needs the JVM", skipped.note());
    }

    @Test
    void committedFullMatrixReadsAndRewritesByteForByte(@TempDir Path dir) throws Exception {
        Path committed = Path.of(System.getProperty("tvm.guests.dir"))
                .resolveSibling("bench-results")
                .resolve("matrix-full")
                .resolve("results.json");
        ResultsFile file = ResultsFile.read(committed);
        assertEquals(540, file.results().size());
        assertTrue(file.results().stream().anyMatch(r -> Double.isNaN(r.nsPerOp())));
        Path again = dir.resolve("results.json");
        file.write(again);
        assertEquals(Files.readString(committed), Files.readString(again));
        String report = Report.markdown(file, List.of());
        assertTrue(report.contains("chicory-compiler"), report);
    }
}
