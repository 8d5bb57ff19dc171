package dev.tvm.guest;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;

/** A generated shell instantiated in Chicory, with typed wrappers over its exports. */
final class Shell {
    enum Engine {
        INTERPRETER,
        COMPILER
    }

    final Instance instance;

    Shell(byte[] wasm, Engine engine) {
        Instance.Builder b = Instance.builder(Parser.parse(wasm));
        if (engine == Engine.COMPILER) {
            b.withMachineFactory(MachineFactoryCompiler::compile);
        }
        this.instance = b.build();
    }

    static Shell of(int pools, Engine engine) {
        return new Shell(ShellGenerator.builder().withPools(pools).build().generate(), engine);
    }

    long call(String name, long... args) {
        long[] r = instance.export(name).apply(args);
        return r == null || r.length == 0 ? 0 : r[0];
    }

    int regionCreate(int pool, int allocator, int capacity) {
        return (int) call("region_create", pool, allocator, capacity);
    }

    long alloc(int region, long size) {
        return call("alloc", region, size);
    }

    int free(long handle) {
        return (int) call("free", handle);
    }

    int loadI32(long h, long off) {
        return (int) call("load_i32", h, off);
    }

    long loadI64(long h, long off) {
        return call("load_i64", h, off);
    }

    void storeI32(long h, long off, int v) {
        call("store_i32", h, off, v);
    }

    void storeI64(long h, long off, long v) {
        call("store_i64", h, off, v);
    }

    int lastError() {
        return (int) call("last_error");
    }
}
