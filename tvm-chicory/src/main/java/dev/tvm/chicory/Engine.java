package dev.tvm.chicory;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import java.util.function.Function;

/** Which Chicory execution engine runs a guest. */
public enum Engine {
    /** Chicory's interpreter: starts at once, runs 50–100x slower. */
    INTERPRETER,
    /** Chicory's runtime compiler to JVM bytecode ({@code MachineFactoryCompiler}). */
    COMPILER;

    /** The machine factory for {@code Instance.Builder.withMachineFactory}, or null for the default. */
    public Function<Instance, Machine> machineFactory(WasmModule module) {
        return this == COMPILER ? MachineFactoryCompiler.compile(module) : null;
    }
}
