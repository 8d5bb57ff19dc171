package dev.tvm.cli;

import dev.tvm.guest.wasm.Code;
import dev.tvm.guest.wasm.FuncType;
import dev.tvm.guest.wasm.ModuleBuilder;
import dev.tvm.guest.wasm.ValType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small guest modules for the CLI's error tests, assembled with tvm-guest's {@link ModuleBuilder}. */
final class TestGuests {
    private TestGuests() {}

    /**
     * Exports {@code go} ({@code outer_fn} calls {@code inner_fn}, which runs {@code unreachable})
     * and {@code first(i32, f64) -> i32}, which returns its first argument; with a name section.
     */
    static Path trapping(Path dir) throws IOException {
        ModuleBuilder m = new ModuleBuilder();
        FuncType none = FuncType.of(null);
        int inner = m.function(none, "inner_fn");
        int outer = m.function(none, "outer_fn");
        int first = m.function(FuncType.of(ValType.I32, ValType.I32, ValType.F64), "first");
        m.body(inner, new Code(0).unreachable());
        m.body(outer, new Code(0).call(inner));
        m.body(first, new Code(2).localGet(0));
        m.exportFunction("go", outer);
        m.exportFunction("first", first);
        return write(dir.resolve("trapping.wasm"), m.build());
    }

    /** Imports {@code env.missing_fn} and {@code tvm.no_such_tvm_fn}, which nobody provides, and WASI's {@code proc_exit}. */
    static Path unresolved(Path dir) throws IOException {
        ModuleBuilder m = new ModuleBuilder();
        FuncType none = FuncType.of(null);
        m.importFunction("wasi_snapshot_preview1", "proc_exit", FuncType.of(null, ValType.I32));
        int missing = m.importFunction("env", "missing_fn", none);
        m.importFunction("tvm", "no_such_tvm_fn", none);
        int f = m.function(none);
        m.body(f, new Code(0).call(missing));
        m.exportFunction("_start", f);
        return write(dir.resolve("unresolved.wasm"), m.build());
    }

    /**
     * A WASI command whose {@code _start} exits with {@code argc + argv[1][0]}: how many arguments
     * it got plus the first byte of the first argument after the program name.
     */
    static Path argvEcho(Path dir) throws IOException {
        ModuleBuilder m = new ModuleBuilder();
        FuncType twoToOne = FuncType.of(ValType.I32, ValType.I32, ValType.I32);
        int sizes = m.importFunction("wasi_snapshot_preview1", "args_sizes_get", twoToOne);
        int get = m.importFunction("wasi_snapshot_preview1", "args_get", twoToOne);
        int exit = m.importFunction("wasi_snapshot_preview1", "proc_exit", FuncType.of(null, ValType.I32));
        int memory = m.memory(1, 1);
        int start = m.function(FuncType.of(null));
        m.body(
                start,
                new Code(0)
                        .i32Const(0) // argc at 0, buffer size at 4
                        .i32Const(4)
                        .call(sizes)
                        .drop()
                        .i32Const(16) // argv pointers at 16, strings at 256
                        .i32Const(256)
                        .call(get)
                        .drop()
                        .i32Const(0)
                        .i32Load(memory, 0)
                        .i32Const(0)
                        .i32Load(memory, 20) // argv[1]
                        .i32Load8U(memory, 0)
                        .i32Add()
                        .call(exit));
        m.exportMemory("memory", memory);
        m.exportFunction("_start", start);
        return write(dir.resolve("argv.wasm"), m.build());
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        return file;
    }
}
