package dev.tvm.chicory.spec;

import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportGlobal;
import com.dylibso.chicory.runtime.ImportMemory;
import com.dylibso.chicory.runtime.ImportTable;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.Table;
import com.dylibso.chicory.wasm.types.TableLimits;
import com.dylibso.chicory.wasm.types.ValType;
import com.dylibso.chicory.wasm.types.Value;
import java.util.List;
import java.util.function.Function;

/**
 * The {@code spectest} host module every spec script may import from, as the reference
 * interpreter defines it: {@code print*} functions that do nothing, the globals {@code global_i32}
 * / {@code global_i64} (666) and {@code global_f32} / {@code global_f64} (666.6), a funcref {@code
 * table} of 10 to 20 elements, a {@code memory} of 1 to 2 pages and, for the threads proposal, a
 * {@code shared_memory} of 1 to 2 pages. Both memories come from the run's memory factory, so in
 * region mode they are regions too.
 */
final class SpecHost {
    static final String MODULE = "spectest";

    private SpecHost() {}

    static ImportValues imports(Function<MemoryLimits, Memory> memories) {
        ImportValues.Builder b = ImportValues.builder();
        print(b, "print");
        print(b, "print_i32", ValType.I32);
        print(b, "print_i64", ValType.I64);
        print(b, "print_f32", ValType.F32);
        print(b, "print_f64", ValType.F64);
        print(b, "print_i32_f32", ValType.I32, ValType.F32);
        print(b, "print_f64_f64", ValType.F64, ValType.F64);
        b.addGlobal(new ImportGlobal(MODULE, "global_i32", new GlobalInstance(Value.i32(666))));
        b.addGlobal(new ImportGlobal(MODULE, "global_i64", new GlobalInstance(Value.i64(666))));
        b.addGlobal(new ImportGlobal(MODULE, "global_f32", new GlobalInstance(Value.fromFloat(666.6f))));
        b.addGlobal(new ImportGlobal(MODULE, "global_f64", new GlobalInstance(Value.fromDouble(666.6))));
        b.addTable(new ImportTable(
                MODULE,
                "table",
                new TableInstance(new Table(ValType.FuncRef, new TableLimits(10, 20)), Value.REF_NULL_VALUE)));
        b.addMemory(new ImportMemory(MODULE, "memory", memories.apply(new MemoryLimits(1, 2))));
        b.addMemory(new ImportMemory(MODULE, "shared_memory", memories.apply(new MemoryLimits(1, 2, true))));
        return b.build();
    }

    private static void print(ImportValues.Builder b, String name, ValType... params) {
        b.addFunction(
                new HostFunction(MODULE, name, FunctionType.of(List.of(params), List.of()), (instance, args) -> null));
    }
}
