package dev.tvm.chicory;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import java.util.function.Function;

/**
 * Which Chicory execution engine runs a guest.
 *
 * <p>The compiler lives in its own artifact, {@code com.dylibso.chicory:compiler}, which
 * tvm-chicory declares optional: a user who runs only the interpreter does not get it (nor ASM). A
 * user of {@link #COMPILER} adds it as a dependency of their own, at the version of {@code
 * com.dylibso.chicory:runtime}.
 */
public enum Engine {
    /** Chicory's interpreter: starts at once, runs 50–100x slower. */
    INTERPRETER,
    /**
     * Chicory's runtime compiler to JVM bytecode ({@code MachineFactoryCompiler}); needs {@code
     * com.dylibso.chicory:compiler} on the class path.
     */
    COMPILER;

    private static final String COMPILER_CLASS = "com.dylibso.chicory.compiler.MachineFactoryCompiler";

    /**
     * The machine factory for {@code Instance.Builder.withMachineFactory}, or null for the default.
     *
     * @throws IllegalStateException for {@link #COMPILER} when Chicory's compiler is not on the
     *     class path
     */
    public Function<Instance, Machine> machineFactory(WasmModule module) {
        if (this == INTERPRETER) {
            return null;
        }
        if (!isAvailable()) {
            throw new IllegalStateException("Engine.COMPILER needs Chicory's compiler, which is not on the class path;"
                    + " add the dependency com.dylibso.chicory:compiler (the version of com.dylibso.chicory:runtime),"
                    + " or choose Engine.INTERPRETER");
        }
        return MachineFactoryCompiler.compile(module);
    }

    /** Whether this engine can run here: always for the interpreter, with Chicory's compiler present for the compiler. */
    public boolean isAvailable() {
        return this == INTERPRETER || CompilerPresence.PRESENT;
    }

    /** Looked up once, on first use of the compiler, without initializing it. */
    private static final class CompilerPresence {
        static final boolean PRESENT = present();

        private static boolean present() {
            try {
                Class.forName(COMPILER_CLASS, false, Engine.class.getClassLoader());
                return true;
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        }
    }
}
