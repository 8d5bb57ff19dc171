package dev.tvm.guest.engines;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A call script as {@code engines/run-wasm.mjs}, {@code engines/browser.mjs} and {@link
 * ChicoryCalls} run it (format: {@code engines/README.md}). Arguments are JSON values: an {@code
 * Integer} or {@code Double} number, a string from {@link #i64}, {@link #f32} or {@link #f64}, or a
 * {@link #ref} to an earlier call's result.
 */
public final class CallScript {
    /** The import object the module is instantiated with. */
    public enum Imports {
        /** No imports. */
        NONE("none"),
        /** {@code wasi_snapshot_preview1}: fd_write captured, proc_exit, the rest ENOSYS. */
        WASI_STUB("wasi-stub");

        final String json;

        Imports(String json) {
            this.json = json;
        }
    }

    /** One call: an export name and its arguments. */
    public record Call(String fn, List<Object> args) {}

    private final List<Call> calls = new ArrayList<>();
    private Imports imports = Imports.NONE;

    /** Selects the import object. */
    public CallScript imports(Imports imports) {
        this.imports = imports;
        return this;
    }

    /** The import object. */
    public Imports imports() {
        return imports;
    }

    /** Appends a call and returns its index, for {@link #ref}. */
    public int call(String fn, Object... args) {
        for (Object a : args) {
            check(a);
        }
        calls.add(new Call(fn, List.of(args)));
        return calls.size() - 1;
    }

    /** The calls in order. */
    public List<Call> calls() {
        return Collections.unmodifiableList(calls);
    }

    /** The number of calls. */
    public int size() {
        return calls.size();
    }

    /** An i64 argument: {@code "<decimal>n"}. */
    public static String i64(long v) {
        return v + "n";
    }

    /** An f64 argument: a number, or "NaN", "Infinity", "-Infinity", "-0". */
    public static Object f64(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Infinity" : "-Infinity";
        }
        if (v == 0 && 1 / v < 0) {
            return "-0";
        }
        return v;
    }

    /** An f32 argument (exactly representable as a double, so it crosses unchanged). */
    public static Object f32(float v) {
        return f64(v);
    }

    /** The result of call {@code k} as an argument. */
    public static Map<String, Object> ref(int k) {
        return Map.of("ref", k);
    }

    private static void check(Object a) {
        boolean ok = a instanceof Integer
                || (a instanceof Double d && Double.isFinite(d)) // JSON has no NaN: f64() makes it a string
                || a instanceof String
                || (a instanceof Map && ((Map<?, ?>) a).get("ref") instanceof Integer);
        if (!ok) {
            throw new IllegalArgumentException("not a call-script argument: " + a);
        }
    }

    /** The script as JSON. */
    public String toJson() {
        List<Object> list = new ArrayList<>();
        for (Call c : calls) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fn", c.fn());
            m.put("args", c.args());
            list.add(m);
        }
        Map<String, Object> script = new LinkedHashMap<>();
        script.put("imports", imports.json);
        script.put("calls", list);
        try {
            return EngineRun.JSON.writeValueAsString(script);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("call script not writable as JSON", e);
        }
    }
}
