package dev.tvm.guest.wasm;

import static dev.tvm.guest.wasm.WasmBinary.DATA_ACTIVE;
import static dev.tvm.guest.wasm.WasmBinary.DATA_ACTIVE_MEMORY;
import static dev.tvm.guest.wasm.WasmBinary.FUNC_TYPE_FORM;
import static dev.tvm.guest.wasm.WasmBinary.KIND_FUNC;
import static dev.tvm.guest.wasm.WasmBinary.KIND_GLOBAL;
import static dev.tvm.guest.wasm.WasmBinary.KIND_MEMORY;
import static dev.tvm.guest.wasm.WasmBinary.LIMITS_MIN;
import static dev.tvm.guest.wasm.WasmBinary.LIMITS_MIN_MAX;
import static dev.tvm.guest.wasm.WasmBinary.NAME_FUNCTIONS;
import static dev.tvm.guest.wasm.WasmBinary.OP_END;
import static dev.tvm.guest.wasm.WasmBinary.OP_I32_CONST;
import static dev.tvm.guest.wasm.WasmBinary.OP_I64_CONST;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_CODE;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_CUSTOM;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_DATA;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_EXPORT;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_FUNCTION;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_GLOBAL;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_IMPORT;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_MEMORY;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_TYPE;
import static dev.tvm.guest.wasm.WasmBinary.writePreamble;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Assembles a WebAssembly module binary (core spec 5.5). Sections are written in the required
 * order (type 1, import 2, function 3, memory 5, global 6, export 7, code 10, data 11), each as
 * {@code id:byte size:u32 contents}; empty sections are left out. Functions declared with a name
 * get a {@code name} custom section (function-name subsection) at the end. The preamble is {@code \0asm}
 * and version 1.
 *
 * <p>Index spaces: imported functions come first in the function index space, so {@link
 * #importFunction} must be called before any {@link #function}. Functions are declared (getting
 * their index) before their body is given, so bodies may call functions declared later.
 *
 * <p>Memories are encoded as {@code limits}: {@code 0x00 min:u32} or {@code 0x01 min:u32
 * max:u32}, in 64 KiB pages. Several memories need the multi-memory proposal (standard in
 * WebAssembly 3.0). Active data segments use flag {@code 0} for memory 0 and flag {@code 2 memidx}
 * otherwise, followed by an {@code i32.const} offset expression and the bytes.
 */
public final class ModuleBuilder {
    private final List<FuncType> types = new ArrayList<>();
    private final ByteArrayOutputStream imports = new ByteArrayOutputStream();
    private int importCount;
    private int importedFunctions;
    private final List<Integer> functionTypes = new ArrayList<>();
    private final List<byte[]> bodies = new ArrayList<>();
    private final ByteArrayOutputStream memories = new ByteArrayOutputStream();
    private int memoryCount;
    private final ByteArrayOutputStream globals = new ByteArrayOutputStream();
    private int globalCount;
    private final ByteArrayOutputStream exports = new ByteArrayOutputStream();
    private int exportCount;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private int dataCount;
    private final java.util.TreeMap<Integer, String> functionNames = new java.util.TreeMap<>();

    /** The index of {@code type} in the type section, adding it if new. */
    public int type(FuncType type) {
        int i = types.indexOf(type);
        if (i >= 0) {
            return i;
        }
        types.add(type);
        return types.size() - 1;
    }

    /** Imports a function; returns its function index. */
    public int importFunction(String module, String name, FuncType type) {
        if (!functionTypes.isEmpty()) {
            throw new IllegalStateException("imports must precede defined functions");
        }
        name(imports, module);
        name(imports, name);
        imports.write(KIND_FUNC);
        Leb128.writeU32(imports, type(type));
        importCount++;
        return importedFunctions++;
    }

    /** Declares a function of {@code type}; its body is given later with {@link #body}. */
    public int function(FuncType type) {
        functionTypes.add(type(type));
        bodies.add(null);
        return importedFunctions + functionTypes.size() - 1;
    }

    /** Declares a function with a name for the {@code name} section (stack traces, disassembly). */
    public int function(FuncType type, String name) {
        int f = function(type);
        functionNames.put(f, name);
        return f;
    }

    /** Sets the body of a declared function. */
    public void body(int function, Code code) {
        bodies.set(function - importedFunctions, code.encode());
    }

    /** Adds a memory; {@code maxPages < 0} means no maximum. Returns its memory index. */
    public int memory(int minPages, int maxPages) {
        if (maxPages < 0) {
            memories.write(LIMITS_MIN);
            Leb128.writeU32(memories, minPages);
        } else {
            memories.write(LIMITS_MIN_MAX);
            Leb128.writeU32(memories, minPages);
            Leb128.writeU32(memories, maxPages);
        }
        return memoryCount++;
    }

    /** Adds a global with a constant initialiser; returns its index. */
    public int global(ValType type, boolean mutable, long init) {
        globals.write(type.code());
        globals.write(mutable ? 1 : 0);
        if (type == ValType.I32) {
            globals.write(OP_I32_CONST);
            Leb128.writeS32(globals, (int) init);
        } else if (type == ValType.I64) {
            globals.write(OP_I64_CONST);
            Leb128.writeS64(globals, init);
        } else {
            throw new IllegalArgumentException("only i32/i64 globals: " + type);
        }
        globals.write(OP_END);
        return globalCount++;
    }

    /** Exports a function. */
    public void exportFunction(String name, int function) {
        export(name, KIND_FUNC, function);
    }

    /** Exports a memory. */
    public void exportMemory(String name, int memory) {
        export(name, KIND_MEMORY, memory);
    }

    /** Exports a global. */
    public void exportGlobal(String name, int global) {
        export(name, KIND_GLOBAL, global);
    }

    private void export(String name, int kind, int index) {
        name(exports, name);
        exports.write(kind);
        Leb128.writeU32(exports, index);
        exportCount++;
    }

    /** An active data segment writing {@code bytes} at {@code offset} of {@code memory}. */
    public void data(int memory, int offset, byte[] bytes) {
        if (memory == 0) {
            data.write(DATA_ACTIVE);
        } else {
            data.write(DATA_ACTIVE_MEMORY);
            Leb128.writeU32(data, memory);
        }
        data.write(OP_I32_CONST);
        Leb128.writeS32(data, offset);
        data.write(OP_END);
        Leb128.writeU32(data, bytes.length);
        data.writeBytes(bytes);
        dataCount++;
    }

    /** The module's bytes. */
    public byte[] build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writePreamble(out);
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        Leb128.writeU32(t, types.size());
        for (FuncType ft : types) {
            t.write(FUNC_TYPE_FORM);
            Leb128.writeU32(t, ft.params().size());
            ft.params().forEach(v -> t.write(v.code()));
            Leb128.writeU32(t, ft.results().size());
            ft.results().forEach(v -> t.write(v.code()));
        }
        section(out, SECTION_TYPE, types.size(), t.toByteArray(), false);
        section(out, SECTION_IMPORT, importCount, imports.toByteArray(), true);
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        for (int ti : functionTypes) {
            Leb128.writeU32(f, ti);
        }
        section(out, SECTION_FUNCTION, functionTypes.size(), f.toByteArray(), true);
        section(out, SECTION_MEMORY, memoryCount, memories.toByteArray(), true);
        section(out, SECTION_GLOBAL, globalCount, globals.toByteArray(), true);
        section(out, SECTION_EXPORT, exportCount, exports.toByteArray(), true);
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        for (int i = 0; i < bodies.size(); i++) {
            if (bodies.get(i) == null) {
                throw new IllegalStateException("function " + (importedFunctions + i) + " has no body");
            }
            c.writeBytes(bodies.get(i));
        }
        section(out, SECTION_CODE, bodies.size(), c.toByteArray(), true);
        section(out, SECTION_DATA, dataCount, data.toByteArray(), true);
        if (!functionNames.isEmpty()) {
            // custom section "name", subsection 1 (function names): vec(index name), ascending
            ByteArrayOutputStream names = new ByteArrayOutputStream();
            Leb128.writeU32(names, functionNames.size());
            functionNames.forEach((index, n) -> {
                Leb128.writeU32(names, index);
                name(names, n);
            });
            ByteArrayOutputStream custom = new ByteArrayOutputStream();
            name(custom, "name");
            custom.write(NAME_FUNCTIONS);
            Leb128.writeU32(custom, names.size());
            custom.writeBytes(names.toByteArray());
            section(out, SECTION_CUSTOM, 1, custom.toByteArray(), false);
        }
        return out.toByteArray();
    }

    private static void section(ByteArrayOutputStream out, int id, int count, byte[] items, boolean prefix) {
        if (count == 0) {
            return;
        }
        ByteArrayOutputStream contents = new ByteArrayOutputStream();
        if (prefix) {
            Leb128.writeU32(contents, count);
        }
        contents.writeBytes(items);
        out.write(id);
        Leb128.writeU32(out, contents.size());
        out.writeBytes(contents.toByteArray());
    }

    private static void name(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        Leb128.writeU32(out, b.length);
        out.writeBytes(b);
    }
}
