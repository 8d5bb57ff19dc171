package dev.tvm.guest.engines;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ImportSection;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a {@link CallScript} in Chicory with the JavaScript engines' semantics, so that the results
 * compare one to one with {@link JsEngines}: each argument becomes a JS value (a Number, or a
 * BigInt for {@code "5n"} and i64 results) and is converted to the parameter's type as the
 * WebAssembly JS API does (ToInt32, ToBigInt64, round to f32); missing arguments are {@code
 * undefined}.
 */
public final class ChicoryCalls {
    /** Chicory's execution engine. */
    public enum Mode {
        INTERPRETER,
        COMPILER
    }

    private static final int ENOSYS = 52;
    private static final int EBADF = 8;
    private static final String WASI = "wasi_snapshot_preview1";

    private ChicoryCalls() {}

    /** Instantiates {@code wasm} and runs {@code script}; failures become results, never exceptions. */
    public static EngineRun run(byte[] wasm, CallScript script, Mode mode) {
        String engine = "chicory " + mode.name().toLowerCase(Locale.ROOT);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Instance instance;
        WasmModule module;
        try {
            module = Parser.parse(wasm);
            Instance.Builder b = Instance.builder(module);
            if (script.imports() == CallScript.Imports.WASI_STUB) {
                b.withImportValues(wasiStub(module, stdout));
            }
            if (mode == Mode.COMPILER) {
                b.withMachineFactory(MachineFactoryCompiler::compile);
            }
            instance = b.build();
        } catch (RuntimeException e) {
            return new EngineRun(engine, false, e.toString(), List.of(), null);
        }
        Map<String, Boolean> functions = new HashMap<>();
        ExportSection exports = module.exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            Export e = exports.getExport(i);
            functions.put(e.name(), e.exportType() == ExternalType.FUNCTION);
        }
        List<Object> results = new ArrayList<>();
        Map<Integer, Object> values = new HashMap<>(); // JS values of successful results
        List<CallScript.Call> calls = script.calls();
        for (int i = 0; i < calls.size(); i++) {
            CallScript.Call call = calls.get(i);
            try {
                if (!Boolean.TRUE.equals(functions.get(call.fn()))) {
                    throw new IllegalArgumentException("no exported function \"" + call.fn() + "\"");
                }
                FunctionType type = instance.exportType(call.fn());
                List<ValType> params = type.params();
                long[] args = new long[params.size()];
                for (int k = 0; k < args.length; k++) {
                    Object js = k < call.args().size() ? jsValue(call.args().get(k), values) : null;
                    args[k] = toParam(js, params.get(k));
                }
                long[] raw;
                try {
                    raw = instance.export(call.fn()).apply(args);
                } catch (RuntimeException | StackOverflowError e) {
                    results.add(failure(e));
                    continue;
                }
                List<ValType> returns = type.returns();
                if (returns.isEmpty()) {
                    values.put(i, null);
                    results.add(null);
                } else if (returns.size() == 1) {
                    Object v = fromResult(raw[0], returns.get(0));
                    values.put(i, v);
                    results.add(encode(v));
                } else {
                    List<Object> many = new ArrayList<>();
                    for (int k = 0; k < returns.size(); k++) {
                        many.add(encode(fromResult(raw[k], returns.get(k))));
                    }
                    values.put(i, many);
                    results.add(many);
                }
            } catch (IllegalArgumentException e) {
                results.add(Map.of("error", e.getMessage()));
            }
        }
        String out = script.imports() == CallScript.Imports.WASI_STUB ? stdout.toString(StandardCharsets.UTF_8) : null;
        return new EngineRun(engine, true, null, results, out);
    }

    private static Object failure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof WasiExit) {
                return Map.of("exit", (double) ((WasiExit) t).code);
            }
        }
        if (e instanceof StackOverflowError) {
            return trap("call stack exhausted");
        }
        if (e instanceof ChicoryException) {
            return trap(String.valueOf(e.getMessage()));
        }
        return Map.of("error", e.toString());
    }

    private static Map<String, Object> trap(String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trap", message);
        m.put("kind", trapKind(message));
        return m;
    }

    /** The engine-independent trap kind; the same rules as {@code trapKind} in engines/calls.js. */
    static String trapKind(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        if (m.contains("unreachable")) {
            return "unreachable";
        }
        if (m.contains("out of bounds memory") || m.contains("memory access out of bounds")) {
            return "memory-oob";
        }
        if (m.contains("divide by zero") || m.contains("divide by 0") || m.contains("remainder by zero")) {
            return "div-zero";
        }
        if (m.contains("integer overflow") || m.contains("unrepresentable") || m.contains("invalid conversion")) {
            return "int-overflow";
        }
        if (m.contains("call stack") || m.contains("stack size") || m.contains("stack overflow")) {
            return "stack-overflow";
        }
        if (m.contains("signature mismatch") || m.contains("indirect call")) {
            return "indirect-call";
        }
        if (m.contains("table") || m.contains("undefined element") || m.contains("uninitialized element")) {
            return "table";
        }
        return "other";
    }

    // ---- JS values: Double (Number) or BigInteger (BigInt); null is undefined

    private static Object jsValue(Object arg, Map<Integer, Object> values) {
        if (arg instanceof Map) {
            int k = (Integer) ((Map<?, ?>) arg).get("ref");
            if (!values.containsKey(k)) {
                throw new IllegalArgumentException("ref " + k + " has no value (trap, error or later call)");
            }
            Object v = values.get(k);
            if (v instanceof List) {
                throw new IllegalArgumentException("a multi-value result cannot be an argument");
            }
            return v;
        }
        if (arg instanceof Integer i) {
            return i.doubleValue();
        }
        if (arg instanceof Double) {
            return arg;
        }
        String s = (String) arg;
        if (s.matches("-?[0-9]+n")) {
            return new BigInteger(s.substring(0, s.length() - 1));
        }
        switch (s) {
            case "NaN":
                return Double.NaN;
            case "Infinity":
                return Double.POSITIVE_INFINITY;
            case "-Infinity":
                return Double.NEGATIVE_INFINITY;
            case "-0":
                return -0.0;
            default:
                throw new IllegalArgumentException("bad argument \"" + s + "\"");
        }
    }

    private static long toParam(Object v, ValType t) {
        if (t.equals(ValType.I64)) {
            if (v instanceof BigInteger big) {
                return big.longValue();
            }
            double d = v == null ? Double.NaN : (Double) v;
            if (!Double.isFinite(d) || d != Math.rint(d)) {
                throw new IllegalArgumentException("i64 parameter needs an integer, got " + v);
            }
            return new BigDecimal(d).toBigInteger().longValue();
        }
        if (t.equals(ValType.I32)) {
            if (v instanceof BigInteger big) {
                return big.intValue();
            }
            double d = v == null ? Double.NaN : (Double) v;
            return Double.isFinite(d) ? new BigDecimal(d).toBigInteger().intValue() : 0;
        }
        double d = v == null ? Double.NaN : v instanceof BigInteger big ? big.doubleValue() : (Double) v;
        if (t.equals(ValType.F32)) {
            return Float.floatToRawIntBits((float) d);
        }
        if (t.equals(ValType.F64)) {
            return Double.doubleToRawLongBits(d);
        }
        throw new IllegalArgumentException("unsupported parameter type " + t);
    }

    private static Object fromResult(long raw, ValType t) {
        if (t.equals(ValType.I32)) {
            return (double) (int) raw;
        }
        if (t.equals(ValType.I64)) {
            return BigInteger.valueOf(raw);
        }
        if (t.equals(ValType.F32)) {
            return (double) Float.intBitsToFloat((int) raw);
        }
        if (t.equals(ValType.F64)) {
            return Double.longBitsToDouble(raw);
        }
        throw new IllegalArgumentException("unsupported result type " + t);
    }

    private static Object encode(Object v) {
        if (v instanceof BigInteger) {
            return v + "n";
        }
        return CallScript.f64((Double) v);
    }

    // ---- WASI stub, as in engines/calls.js

    private static final class WasiExit extends RuntimeException {
        final int code;

        WasiExit(int code) {
            super("proc_exit(" + code + ")", null, false, false);
            this.code = code;
        }
    }

    private static ImportValues wasiStub(WasmModule module, ByteArrayOutputStream stdout) {
        String memoryName = null;
        ExportSection exports = module.exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            Export e = exports.getExport(i);
            if (e.exportType() == ExternalType.MEMORY
                    && (memoryName == null || e.name().equals("memory"))) {
                memoryName = e.name();
            }
        }
        String memory = memoryName;
        ImportValues.Builder b = ImportValues.builder();
        ImportSection imports = module.importSection();
        for (int i = 0; i < imports.importCount(); i++) {
            if (!(imports.getImport(i) instanceof FunctionImport)) {
                continue;
            }
            FunctionImport fi = (FunctionImport) imports.getImport(i);
            if (!fi.module().equals(WASI)) {
                continue;
            }
            FunctionType type = module.typeSection().getType(fi.typeIndex());
            String name = fi.name();
            b.addFunction(new HostFunction(WASI, name, type, (inst, args) -> {
                Memory mem = memory == null ? null : inst.exports().memory(memory);
                long r = wasiCall(name, args, mem, stdout);
                return type.returns().isEmpty() ? null : new long[] {r};
            }));
        }
        return b.build();
    }

    private static long wasiCall(String name, long[] args, Memory mem, ByteArrayOutputStream stdout) {
        switch (name) {
            case "fd_write":
                int fd = (int) args[0];
                if (fd != 1 && fd != 2) {
                    return EBADF;
                }
                if (mem == null) {
                    return ENOSYS;
                }
                int iovs = (int) args[1];
                int total = 0;
                for (int i = 0; i < (int) args[2]; i++) {
                    int ptr = mem.readInt(iovs + 8 * i);
                    int len = mem.readInt(iovs + 8 * i + 4);
                    if (fd == 1) {
                        stdout.writeBytes(mem.readBytes(ptr, len));
                    }
                    total += len;
                }
                mem.writeI32((int) args[3], total);
                return 0;
            case "proc_exit":
                throw new WasiExit((int) args[0]);
            case "args_sizes_get":
            case "environ_sizes_get":
                if (mem == null) {
                    return ENOSYS;
                }
                mem.writeI32((int) args[0], 0);
                mem.writeI32((int) args[1], 0);
                return 0;
            case "args_get":
            case "environ_get":
                return 0;
            default:
                return ENOSYS;
        }
    }
}
