package dev.tvm.chicory;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.chicory.memory.SegmentMemory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The calls the hibernation tests make on {@code hibernate/state.wasm}: {@link #BEFORE} on a fresh
 * instance, then {@link #AFTER} either on the same instance or on one resumed from a snapshot taken
 * in between. Each call's outcome is a line of text (the results, or the trap), so outcomes of
 * instances in different processes compare as strings.
 */
final class HibernationScript {
    private static final int PAGE = Memory.PAGE_SIZE;

    /** One export call: its name and arguments (f64 arguments as raw bits). */
    record Call(String export, long... args) {
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(export).append('(');
            for (int i = 0; i < args.length; i++) {
                b.append(i == 0 ? "" : ", ").append(args[i]);
            }
            return b.append(')').toString();
        }
    }

    /** Before hibernation: every kind of state changes. */
    static final List<Call> BEFORE = List.of(
            new Call("tick"),
            new Call("tick"),
            new Call("tick"),
            new Call("accumulate", 5),
            new Call("accumulate", 9),
            new Call("scale", Double.doubleToRawLongBits(3.0)),
            new Call("apply", 0, 21),
            new Call("apply", 1, 7),
            new Call("apply", 2, 1), // null slot: traps
            new Call("table_grow", 4),
            new Call("install", 5),
            new Call("drop_spare"),
            new Call("install", 0), // dropped segment: traps
            new Call("choose", 1),
            new Call("grow", 3),
            // Page 0 all zeros: the snapshot holds no page 0, so resume must clear what
            // instantiation writes there (the active data segment, the start function's mark).
            new Call("clear", 0, PAGE),
            new Call("greet", 2 * PAGE + 40),
            new Call("fill", 2 * PAGE + 100, 5000, 17),
            new Call("fill", 3 * PAGE, PAGE, 3)); // page 1 stays zero too

    /** After hibernation (or without it, for the reference). */
    static final List<Call> AFTER = List.of(
            new Call("load", 16),
            new Call("load", 1024),
            new Call("tick"),
            new Call("accumulate", 11),
            new Call("scale", Double.doubleToRawLongBits(0.25)),
            new Call("constant"),
            new Call("apply", 5, 10),
            new Call("apply", 6, 10),
            new Call("apply", 0, 3),
            new Call("apply", 2, 1), // still null: traps
            new Call("install", 0), // still dropped: traps
            new Call("greet", 4096), // the greeting was dropped: traps
            new Call("call_chosen", 9),
            new Call("table_size"),
            new Call("pages"),
            new Call("checksum", 0, 4 * PAGE),
            new Call("grow", 1),
            new Call("fill", 4 * PAGE, 10, 1),
            new Call("checksum", 4 * PAGE, PAGE),
            new Call("tick"));

    private HibernationScript() {}

    /** The bytes of {@code hibernate/NAME}. */
    static byte[] moduleBytes(String name) {
        try (InputStream in = HibernationScript.class.getResourceAsStream("/hibernate/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test module hibernate/" + name + "; run its build.sh");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A builder for a fresh parse of {@code bytes} (Chicory 1.7 lets one instance's table.grow
     * change later instances of the same parsed module, so every instance gets its own parse).
     */
    static Instance.Builder builder(byte[] bytes, Engine engine, Function<MemoryLimits, Memory> memories) {
        WasmModule module = Parser.parse(bytes);
        Instance.Builder builder = Instance.builder(module).withMemoryFactory(memories);
        var machines = engine.machineFactory(module);
        if (machines != null) {
            builder.withMachineFactory(machines);
        }
        return builder;
    }

    /** A fresh instance of {@code state.wasm} over {@link SegmentMemory}. */
    static Instance fresh(Engine engine) {
        return builder(moduleBytes("state.wasm"), engine, SegmentMemory.factory())
                .build();
    }

    /** Runs {@code calls} and returns their outcomes. */
    static List<String> run(Instance instance, List<Call> calls) {
        List<String> outcomes = new ArrayList<>();
        for (Call call : calls) {
            String outcome;
            try {
                long[] results = instance.export(call.export()).apply(call.args());
                outcome = results == null || results.length == 0 ? "ok" : Long.toString(results[0]);
            } catch (ChicoryException e) {
                // The kind of trap, without the details a Memory implementation words its own way.
                String message = String.valueOf(e.getMessage());
                int colon = message.indexOf(':');
                outcome = "trap " + (colon < 0 ? message : message.substring(0, colon));
            }
            outcomes.add(call + " -> " + outcome);
        }
        return outcomes;
    }
}
