package dev.tvm.bench.report;

import dev.tvm.bench.matrix.BenchResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code results.json}: the run's metadata (date, command, machine, ...) and every {@link
 * BenchResult}, field names as in the record. A missing score ({@code NaN}) is written as {@code
 * null} and read back as {@code NaN}.
 *
 * @param meta free-form facts about the run, in the order they are shown in the report
 * @param results every cell, measured or missing
 */
public record ResultsFile(Map<String, String> meta, List<BenchResult> results) {
    public ResultsFile {
        meta = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(meta));
        results = List.copyOf(results);
    }

    /** Reads a results file written by {@link #write}. */
    public static ResultsFile read(Path file) throws IOException {
        Object root = Json.parse(Files.readString(file));
        if (!(root instanceof Map<?, ?> map) || !(map.get("results") instanceof List<?> list)) {
            throw new IOException(file + ": expected a JSON object with a \"results\" array");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        if (map.get("meta") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> meta.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
        }
        List<BenchResult> results = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> r)) {
                throw new IOException(file + ": a result is not a JSON object: " + o);
            }
            results.add(fromJson(r));
        }
        return new ResultsFile(meta, results);
    }

    /** Writes this file as indented JSON, one result per line. */
    public void write(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("meta", meta);
        List<Object> list = new ArrayList<>();
        for (BenchResult r : results) {
            list.add(toJson(r));
        }
        root.put("results", list);
        Files.writeString(file, Json.writePretty(root));
    }

    /** One result as a line of compact JSON, as {@link #parseLine} reads it. */
    public static String line(BenchResult r) {
        return Json.write(toJson(r));
    }

    /**
     * Parses one result line as {@code engines/bench.mjs} or {@link #line} prints it; unknown fields
     * are ignored, a {@code null} score reads as {@code NaN}.
     */
    public static BenchResult parseLine(String line) {
        if (!(Json.parse(line) instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("not a JSON object: " + line);
        }
        return fromJson(map);
    }

    /** The JSON object of one result. */
    public static Map<String, Object> toJson(BenchResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", r.workload());
        m.put("sizeBytes", r.sizeBytes());
        m.put("variant", r.variant());
        m.put("engine", r.engine());
        m.put("nsPerOp", r.nsPerOp());
        m.put("errorNs", r.errorNs());
        m.put("samples", r.samples());
        m.put("checksum", r.checksum());
        m.put("note", r.note());
        return m;
    }

    static BenchResult fromJson(Map<?, ?> m) {
        return new BenchResult(
                text(m, "workload"),
                (long) number(m, "sizeBytes", true),
                text(m, "variant"),
                text(m, "engine"),
                number(m, "nsPerOp", false),
                number(m, "errorNs", false),
                (int) number(m, "samples", false),
                m.get("checksum") == null ? "" : String.valueOf(m.get("checksum")),
                m.get("note") == null ? "" : String.valueOf(m.get("note")));
    }

    private static String text(Map<?, ?> m, String key) {
        if (!(m.get(key) instanceof String s)) {
            throw new IllegalArgumentException("result without \"" + key + "\": " + m);
        }
        return s;
    }

    private static double number(Map<?, ?> m, String key, boolean required) {
        Object v = m.get(key);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v == null && !required) {
            return key.equals("samples") ? 0 : Double.NaN;
        }
        throw new IllegalArgumentException("result with bad \"" + key + "\": " + m);
    }
}
