package dev.tvm.guest.engines;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one engine produced for a call script: the JSON output of {@code engines/run-wasm.mjs} /
 * {@code browser.mjs}, or the same shape from {@link ChicoryCalls}. {@code results} holds JSON
 * values: {@code null} (no result), a {@code Number} (i32, f32, f64), {@code String} ({@code "5n"}
 * for i64; "NaN", "Infinity", "-Infinity", "-0"), {@code List} (several results), or a {@code Map}
 * with {@code trap}+{@code kind}, {@code exit} or {@code error}.
 */
public record EngineRun(String engine, boolean instantiated, String error, List<Object> results, String stdout) {
    /** The harness's JSON: call scripts written, engine runs read (objects as insertion-ordered maps). */
    static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the JSON object an engine runner printed. */
    @SuppressWarnings("unchecked")
    static EngineRun fromJson(String json) {
        Map<String, Object> m;
        try {
            m = JSON.readValue(json, Map.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("engine output is not a JSON object: " + json, e);
        }
        return new EngineRun(
                (String) m.get("engine"),
                Boolean.TRUE.equals(m.get("instantiated")),
                (String) m.get("error"),
                (List<Object>) m.get("results"),
                (String) m.get("stdout"));
    }

    /**
     * The results in an engine-independent form: numbers without a trailing {@code .0} when
     * integral, traps as {@code trap:<kind>} (messages differ between engines), {@code exit:<code>},
     * {@code error}, {@code void}.
     */
    public List<String> canonical() {
        List<String> out = new ArrayList<>(results.size());
        for (Object r : results) {
            out.add(canonical(r));
        }
        return out;
    }

    /** The number of results that are traps. */
    public long traps() {
        return canonical().stream().filter(s -> s.startsWith("trap:")).count();
    }

    /** The index of the first trap, or -1. */
    public int firstTrap() {
        List<String> c = canonical();
        for (int i = 0; i < c.size(); i++) {
            if (c.get(i).startsWith("trap:")) {
                return i;
            }
        }
        return -1;
    }

    /** The number of results that are harness errors (bad argument, missing export, failed ref). */
    public long errors() {
        return canonical().stream().filter(s -> s.equals("error")).count();
    }

    static String canonical(Object r) {
        if (r == null) {
            return "void";
        }
        if (r instanceof Number n) { // JSON numbers read as Integer, Long, BigInteger or Double
            double d = n.doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 1e15 && !(d == 0 && 1 / d < 0)) {
                return Long.toString((long) d);
            }
            return Double.toString(d);
        }
        if (r instanceof String s) {
            return s;
        }
        if (r instanceof List) {
            List<String> parts = new ArrayList<>();
            for (Object x : (List<?>) r) {
                parts.add(canonical(x));
            }
            return "[" + String.join(",", parts) + "]";
        }
        if (r instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) r;
            if (m.containsKey("trap")) {
                return "trap:" + m.get("kind");
            }
            if (m.containsKey("exit")) {
                return "exit:" + canonical(m.get("exit"));
            }
            return "error";
        }
        throw new IllegalArgumentException("not a result: " + r);
    }
}
