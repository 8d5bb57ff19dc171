package dev.tvm.chicory.spec;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Store;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.MalformedException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.chicory.Engine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one wast2json script against Chicory with one engine and one kind of memory, command by
 * command, and records a verdict for each; it never stops early (a failed command is recorded and
 * the script goes on, as the reference interpreter does).
 *
 * <p>What each command must do to pass:
 *
 * <ul>
 *   <li>{@code module}: parse, link against the spectest host and the registered modules, and
 *       instantiate (start function included); in region mode every memory the instance uses must
 *       then be a pinned region ({@link MemoryMode.Memories#check}).
 *   <li>{@code register}: export the module's functions, globals, memories and tables under the
 *       given name ({@link Store#register}), so importers share the very same memory objects.
 *   <li>{@code action}: run without trapping. {@code assert_return}: return exactly the expected
 *       values (floats bit for bit; {@code nan:canonical} and {@code nan:arithmetic} by their bit
 *       patterns).
 *   <li>{@code assert_trap} / {@code assert_exhaustion}: throw a Chicory exception (a wasm trap, not
 *       some other Java exception) whose message contains the expected text.
 *   <li>{@code assert_uninstantiable}: fail to instantiate with a trap or {@code
 *       UninstantiableException} whose message contains the text; {@code assert_unlinkable}: fail
 *       with {@code UnlinkableException}; {@code assert_invalid}: with {@code InvalidException};
 *       {@code assert_malformed} (binary modules): with {@code MalformedException}. For these three
 *       the exception kind decides and the text is not compared: Chicory words its validation
 *       errors its own way.
 * </ul>
 *
 * <p>Skipped, with the reason recorded: text-format modules ({@code assert_malformed} on {@code
 * module quote}: Chicory has no text parser, they test wabt's), values this runner does not model
 * ({@code v128}, references), command types outside the core script format ({@code assert_exception}
 * and later additions), modules Chicory cannot represent (memory64: Chicory's limits flags stop at
 * 3 and it rejects the module as malformed), commands wast2json could not parse ({@link
 * WastConverter}) and every command that needs a module skipped so.
 */
final class SpecRunner {
    /** The outcome of one command. */
    enum Verdict {
        PASS,
        FAIL,
        SKIP
    }

    record Outcome(WastScript.Command command, String title, Verdict verdict, String detail) {}

    private static final Pattern MEMORY64 = Pattern.compile("invalid memory limit: ([4-7])\\b");

    private final WastScript script;
    private final Engine engine;
    private final MemoryMode.Memories memories;
    private final Store store = new Store();
    private final Map<String, Module> named = new HashMap<>();
    private Module current;

    /** A module slot: an instance, or why there is none. */
    private record Module(Instance instance, Verdict missing, String why) {
        static Module of(Instance instance) {
            return new Module(instance, null, null);
        }
    }

    /** Thrown to record a skip from deep inside a command. */
    private static final class Skip extends RuntimeException {
        Skip(String message) {
            super(message, null, false, false);
        }
    }

    /** Thrown to record a failure the runner itself detected. */
    private static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private SpecRunner(WastScript script, Engine engine, MemoryMode.Memories memories) {
        this.script = script;
        this.engine = engine;
        this.memories = memories;
    }

    static List<Outcome> run(WastScript script, Engine engine, MemoryMode mode) {
        try (MemoryMode.Memories memories = mode.open()) {
            SpecRunner runner = new SpecRunner(script, engine, memories);
            runner.store.addImportValues(SpecHost.imports(memories.factory()));
            List<Outcome> outcomes = new ArrayList<>();
            for (WastScript.Command c : script.commands()) {
                outcomes.add(runner.execute(c));
            }
            return outcomes;
        }
    }

    private Outcome execute(WastScript.Command c) {
        String title = title(c);
        try {
            String detail = dispatch(c);
            return new Outcome(c, title, Verdict.PASS, detail);
        } catch (Skip s) {
            return new Outcome(c, title, Verdict.SKIP, s.getMessage());
        } catch (Failure f) {
            return new Outcome(c, title, Verdict.FAIL, f.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            return new Outcome(c, title, Verdict.FAIL, "unexpected " + describe(e));
        }
    }

    private String dispatch(WastScript.Command c) {
        if (c.string(WastScript.UNPARSED) != null && !c.type().equals("module")) {
            throw new Skip(unparsed(c));
        }
        switch (c.type()) {
            case "module":
                return module(c);
            case "register":
                return register(c);
            case "action":
                invoke(c.action());
                return null;
            case "assert_return":
                return assertReturn(c);
            case "assert_trap":
            case "assert_exhaustion":
                return assertTrap(c);
            case "assert_invalid":
                return assertRejected(c, InvalidException.class);
            case "assert_malformed":
                return assertRejected(c, MalformedException.class);
            case "assert_unlinkable":
                return assertRejected(c, UnlinkableException.class);
            case "assert_uninstantiable":
                return assertUninstantiable(c);
            default:
                throw new Skip("command type " + c.type() + " is not supported by this runner");
        }
    }

    // ------------------------------------------------------------------ modules

    private String module(WastScript.Command c) {
        String where = "the module at line " + c.line();
        Module result;
        RuntimeException thrown = null;
        try {
            Instance instance = instantiate(c);
            String problem = memories.check(instance);
            if (problem == null) {
                result = Module.of(instance);
            } else {
                result = new Module(null, Verdict.FAIL, where + ": " + problem);
                thrown = new Failure(problem);
            }
        } catch (Skip s) {
            result = new Module(null, Verdict.SKIP, where + " was skipped: " + s.getMessage());
            thrown = s;
        } catch (RuntimeException | StackOverflowError e) {
            result = new Module(null, Verdict.FAIL, where + " failed: " + describe(e));
            thrown = new Failure("instantiation failed: " + describe(e));
        }
        current = result;
        String name = c.string("name");
        if (name != null) {
            named.put(name, result);
        }
        if (thrown != null) {
            throw thrown;
        }
        return null;
    }

    private static String unparsed(WastScript.Command c) {
        return "wast2json cannot parse this command (" + c.string(WastScript.UNPARSED) + ")";
    }

    private Instance instantiate(WastScript.Command c) {
        if (c.string(WastScript.UNPARSED) != null) {
            throw new Skip(unparsed(c));
        }
        if ("text".equals(c.string("module_type"))) {
            throw new Skip("text-format module (tests the text parser, which Chicory does not have)");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(script.file(c.string("filename")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        WasmModule module;
        try {
            module = Parser.parse(bytes);
        } catch (MalformedException e) {
            Matcher m = MEMORY64.matcher(String.valueOf(e.getMessage()));
            if (m.find()) {
                throw new Skip("memory64 module (limits flags " + m.group(1) + "): Chicory has no 64-bit memories");
            }
            throw e;
        }
        Instance.Builder builder = Instance.builder(module)
                .withImportValues(store.toImportValues())
                .withMemoryFactory(memories.factory());
        var machineFactory = engine.machineFactory(module);
        if (machineFactory != null) {
            builder.withMachineFactory(machineFactory);
        }
        return builder.build();
    }

    private String register(WastScript.Command c) {
        Module m = resolve(c.string("name"));
        store.register(c.string("as"), m.instance());
        return null;
    }

    private Module resolve(String name) {
        Module m = name == null ? current : named.get(name);
        if (m == null) {
            throw new Failure(name == null ? "no module has been defined" : "no module named " + name);
        }
        if (m.instance() == null) {
            if (m.missing() == Verdict.SKIP) {
                throw new Skip(m.why());
            }
            throw new Failure(m.why());
        }
        return m;
    }

    private String assertRejected(WastScript.Command c, Class<? extends ChicoryException> expected) {
        try {
            instantiate(c);
        } catch (Skip s) {
            throw s;
        } catch (RuntimeException | StackOverflowError e) {
            if (expected.isInstance(e)) {
                return describe(e);
            }
            throw new Failure(
                    "expected " + expected.getSimpleName() + " (" + c.string("text") + "), got " + describe(e));
        }
        throw new Failure(
                "expected " + expected.getSimpleName() + " (" + c.string("text") + "), but the module instantiated");
    }

    private String assertUninstantiable(WastScript.Command c) {
        String text = c.string("text");
        try {
            instantiate(c);
        } catch (Skip s) {
            throw s;
        } catch (InvalidException | MalformedException | UnlinkableException e) {
            throw new Failure("expected a trap during instantiation (" + text + "), got " + describe(e));
        } catch (ChicoryException e) {
            return matchText(e, text);
        } catch (RuntimeException | StackOverflowError e) {
            throw new Failure("expected a trap during instantiation (" + text + "), got " + describe(e));
        }
        throw new Failure("expected a trap during instantiation (" + text + "), but the module instantiated");
    }

    // ------------------------------------------------------------------ actions

    private long[] invoke(Map<String, Object> action) {
        Module m = resolve((String) action.get("module"));
        String field = (String) action.get("field");
        String type = (String) action.get("type");
        if ("get".equals(type)) {
            return new long[] {m.instance().exports().global(field).getValue()};
        }
        if (!"invoke".equals(type)) {
            throw new Skip("action type " + type + " is not supported");
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> args = (List<Map<String, Object>>) action.getOrDefault("args", List.of());
        long[] values = new long[args.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = argument(args.get(i));
        }
        ExportFunction f = m.instance().export(field);
        long[] results = f.apply(values);
        return results == null ? new long[0] : results;
    }

    private String assertReturn(WastScript.Command c) {
        List<Map<String, Object>> expected = c.expected();
        for (Map<String, Object> e : expected) {
            checkSupported(e);
        }
        long[] actual;
        try {
            actual = invoke(c.action());
        } catch (Skip | Failure s) {
            throw s;
        } catch (RuntimeException | StackOverflowError e) {
            throw new Failure("expected " + formatExpected(expected) + ", got " + describe(e));
        }
        if (actual.length != expected.size()) {
            throw new Failure("expected " + expected.size() + " results, got " + actual.length);
        }
        for (int i = 0; i < actual.length; i++) {
            Map<String, Object> e = expected.get(i);
            if (!matches(e, actual[i])) {
                throw new Failure("result " + i + ": expected " + formatValue(e) + ", got "
                        + format((String) e.get("type"), actual[i]));
            }
        }
        return null;
    }

    private String assertTrap(WastScript.Command c) {
        String text = c.string("text");
        long[] results;
        try {
            results = invoke(c.action());
        } catch (Skip s) {
            throw s;
        } catch (StackOverflowError e) {
            if ("assert_exhaustion".equals(c.type())) {
                return "StackOverflowError";
            }
            throw new Failure("expected a trap (" + text + "), got " + describe(e));
        } catch (ChicoryException e) {
            return matchText(e, text);
        } catch (Failure f) {
            throw f;
        } catch (RuntimeException e) {
            throw new Failure("expected a trap (" + text + "), got " + describe(e) + ", which is not a wasm trap");
        }
        StringJoiner got = new StringJoiner(", ", "[", "]");
        for (long r : results) {
            got.add(Long.toString(r));
        }
        throw new Failure("expected a trap (" + text + "), but it returned " + got);
    }

    private static String matchText(Throwable e, String text) {
        String message = String.valueOf(e.getMessage());
        if (text != null && !message.contains(text)) {
            throw new Failure("expected a trap with '" + text + "', got " + describe(e));
        }
        return describe(e);
    }

    // ------------------------------------------------------------------ values

    private static void checkSupported(Map<String, Object> value) {
        String type = (String) value.get("type");
        switch (type) {
            case "i32":
            case "i64":
            case "f32":
            case "f64":
                return;
            default:
                throw new Skip(type + " values are not supported by this runner");
        }
    }

    private static long argument(Map<String, Object> value) {
        checkSupported(value);
        String type = (String) value.get("type");
        long bits = bits((String) value.get("value"));
        return type.equals("i32") || type.equals("f32") ? (int) bits : bits;
    }

    /** wast2json writes numbers as unsigned decimal bit patterns; accept signed ones too. */
    private static long bits(String s) {
        return s.startsWith("-") ? Long.parseLong(s) : Long.parseUnsignedLong(s);
    }

    private static boolean matches(Map<String, Object> expected, long actual) {
        String type = (String) expected.get("type");
        String value = (String) expected.get("value");
        switch (type) {
            case "i32":
                return (int) bits(value) == (int) actual;
            case "i64":
                return bits(value) == actual;
            case "f32": {
                int a = (int) actual;
                if (value.equals("nan:canonical")) {
                    return (a & 0x7fffffff) == 0x7fc00000;
                }
                if (value.equals("nan:arithmetic")) {
                    return (a & 0x7fc00000) == 0x7fc00000;
                }
                return (int) bits(value) == a;
            }
            case "f64":
                if (value.equals("nan:canonical")) {
                    return (actual & 0x7fffffffffffffffL) == 0x7ff8000000000000L;
                }
                if (value.equals("nan:arithmetic")) {
                    return (actual & 0x7ff8000000000000L) == 0x7ff8000000000000L;
                }
                return bits(value) == actual;
            default:
                throw new Skip(type + " values are not supported by this runner");
        }
    }

    private static String formatExpected(List<Map<String, Object>> expected) {
        StringJoiner j = new StringJoiner(", ", "[", "]");
        expected.forEach(e -> j.add(formatValue(e)));
        return j.toString();
    }

    private static String formatValue(Map<String, Object> v) {
        String type = (String) v.get("type");
        String value = (String) v.get("value");
        if (value == null || value.startsWith("nan:")) {
            return type + ":" + value;
        }
        return format(type, bits(value));
    }

    private static String format(String type, long bits) {
        switch (type) {
            case "i32":
                return "i32:" + (int) bits + " (0x" + Integer.toHexString((int) bits) + ")";
            case "i64":
                return "i64:" + bits + " (0x" + Long.toHexString(bits) + ")";
            case "f32":
                return "f32:" + Float.intBitsToFloat((int) bits) + " (0x" + Integer.toHexString((int) bits) + ")";
            case "f64":
                return "f64:" + Double.longBitsToDouble(bits) + " (0x" + Long.toHexString(bits) + ")";
            default:
                return type + ":" + bits;
        }
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** A short description of a command for test names: its type and, for actions, the call. */
    static String title(WastScript.Command c) {
        Map<String, Object> action = c.action();
        if (action == null) {
            String name = c.string("name");
            String as = c.string("as");
            return c.type() + (as != null ? " " + as : "") + (name != null ? " " + name : "");
        }
        StringBuilder sb = new StringBuilder(c.type()).append(' ');
        Object module = action.get("module");
        if (module != null) {
            sb.append(module).append('.');
        }
        sb.append(action.get("field"));
        if ("invoke".equals(action.get("type"))) {
            StringJoiner j = new StringJoiner(", ", "(", ")");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> args = (List<Map<String, Object>>) action.getOrDefault("args", List.of());
            for (Map<String, Object> a : args) {
                String type = (String) a.get("type");
                Object value = a.get("value");
                if (value instanceof String s && !s.startsWith("nan") && (type.equals("i32") || type.equals("i64"))) {
                    long bits = bits(s);
                    j.add(type.equals("i32") ? Integer.toString((int) bits) : Long.toString(bits));
                } else {
                    j.add(type + ":" + value);
                }
            }
            sb.append(j);
        }
        return sb.toString();
    }
}
