package dev.tvm.chicory.guests13;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.chicory.Engine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * Runs the issue-13 guests on plain Chicory ({@link ByteArrayMemory}, the engine's machine
 * factory, nothing of TVM), and runs a WASI command's {@code _start} on any instance with its
 * output captured.
 */
final class WasiRun {
    /** How a WASI command ended: its exit code, what it printed, and memory 0's final size. */
    record Exit(int code, String stdout, String stderr, int pages) {}

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final WasiOptions options;

    /** Captures stdout and stderr; {@code argv[0]} is the program name. */
    WasiRun(String... argv) {
        options = WasiOptions.builder()
                .withStdout(stdout)
                .withStderr(stderr)
                .withArguments(List.of(argv))
                .build();
    }

    /** The options to give the instance's WASI preview 1. */
    WasiOptions options() {
        return options;
    }

    /** Calls {@code _start}; a {@code proc_exit} ends the run with its code, a return with 0. */
    Exit start(Instance instance) {
        int code = 0;
        try {
            instance.export("_start").apply();
        } catch (WasiExitException exit) {
            code = exit.exitCode();
        }
        return new Exit(
                code,
                stdout.toString(StandardCharsets.UTF_8),
                stderr.toString(StandardCharsets.UTF_8),
                instance.memory().pages());
    }

    /**
     * Runs a WASI command on plain Chicory; {@code limits} (null for the module's own) replaces
     * memory 0's limits.
     */
    static Exit plainCommand(WasmModule module, Engine engine, MemoryLimits limits, String... argv) {
        WasiRun run = new WasiRun(argv);
        try (WasiPreview1 wasi =
                WasiPreview1.builder().withOptions(run.options()).build()) {
            ImportValues imports =
                    ImportValues.builder().addFunction(wasi.toHostFunctions()).build();
            return run.start(plainInstance(module, engine, imports, limits));
        }
    }

    /** A plain Chicory instance whose start function (if any) has not run. */
    static Instance plainInstance(WasmModule module, Engine engine, ImportValues imports, MemoryLimits limits) {
        Instance.Builder builder = Instance.builder(module)
                .withImportValues(imports)
                .withMemoryFactory(ByteArrayMemory::new)
                .withStart(false);
        if (limits != null) {
            builder.withMemoryLimits(limits);
        }
        Function<Instance, Machine> machines = engine.machineFactory(module);
        if (machines != null) {
            builder.withMachineFactory(machines);
        }
        return builder.build();
    }
}
