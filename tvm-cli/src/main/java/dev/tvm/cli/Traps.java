package dev.tvm.cli;

import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.NameCustomSection;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Describes a guest trap in words: its kind (Chicory's message) and where it happened. Chicory's
 * compiler turns wasm function {@code N} into a JVM method {@code func_N} of a generated class, so
 * the Java stack of a trap names the wasm functions it went through (an imported function,
 * too, by its import name); the module's name section turns indices into names. The interpreter's
 * stack names no wasm function.
 */
final class Traps {
    /** What to do about a trap, for the one-line message. */
    static final String ADVICE =
            "the guest stopped abnormally (a bug in it, or bad arguments); --verbose prints the" + " Java trace";

    private static final String GENERATED = "com.dylibso.chicory.$gen.";
    private static final Pattern FUNCTION = Pattern.compile("func_(\\d+)");
    private static final int SHOWN_CALLERS = 3;

    private Traps() {}

    /** Whether {@code t} ended a guest call as a trap (and not as a failure of the host). */
    static boolean isTrap(Throwable t) {
        return t instanceof TrapException
                || t instanceof WasmRuntimeException
                || t instanceof StackOverflowError
                || (t instanceof ChicoryException c && "call stack exhausted".equals(c.getMessage()));
    }

    /**
     * "the guest trapped in function 'f' (#3), called from function 'g' (#4): integer divide by
     * zero"; {@code module} (for names) may be null.
     */
    static String describe(Throwable trap, WasmModule module) {
        String kind = trap instanceof StackOverflowError ? "call stack exhausted" : ErrorReporter.describe(trap);
        List<Integer> frames = wasmFrames(trap);
        if (frames.isEmpty()) {
            return "the guest trapped: " + kind + " (the interpreter does not say in which function;"
                    + " --engine compiler does)";
        }
        StringBuilder where = new StringBuilder("the guest trapped in ").append(function(frames.get(0), module));
        if (frames.size() > 1) {
            where.append(", called from ");
            for (int i = 1; i < Math.min(frames.size(), 1 + SHOWN_CALLERS); i++) {
                where.append(i > 1 ? " <- " : "").append(function(frames.get(i), module));
            }
            where.append(frames.size() > 1 + SHOWN_CALLERS ? " <- ..." : "");
        }
        return where + ": " + kind;
    }

    /** Wasm function indices on the stack of a compiled guest's trap, innermost first, repeats folded. */
    static List<Integer> wasmFrames(Throwable trap) {
        List<Integer> frames = new ArrayList<>();
        for (StackTraceElement e : trap.getStackTrace()) {
            if (!e.getClassName().startsWith(GENERATED)) {
                continue;
            }
            Matcher m = FUNCTION.matcher(e.getMethodName());
            if (m.matches()) {
                int index = Integer.parseInt(m.group(1));
                if (frames.isEmpty() || frames.get(frames.size() - 1) != index) {
                    frames.add(index);
                }
            }
        }
        return frames;
    }

    private static String function(int index, WasmModule module) {
        if (module == null) {
            return "function #" + index;
        }
        int imported = 0;
        for (int i = 0; i < module.importSection().importCount(); i++) {
            Import imp = module.importSection().getImport(i);
            if (imp.importType() == ExternalType.FUNCTION && imported++ == index) {
                return "import " + imp.module() + "." + imp.name() + " (#" + index + ")";
            }
        }
        NameCustomSection names = module.nameSection();
        String name = names == null ? null : names.nameOfFunction(index);
        return name != null ? "function '" + name + "' (#" + index + ")" : "function #" + index;
    }
}
