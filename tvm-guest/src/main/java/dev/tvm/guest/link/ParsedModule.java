package dev.tvm.guest.link;

import dev.tvm.guest.wasm.WasmBinary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A module split into its sections, as the linker needs it. Items whose contents refer to indices
 * (function bodies, constant expressions, element segments) are kept as {@link Span}s of the input
 * and rewritten when the merged module is written; everything else is decoded here.
 */
final class ParsedModule {
    static final int FUNC = WasmBinary.KIND_FUNC;
    static final int TABLE = WasmBinary.KIND_TABLE;
    static final int MEMORY = WasmBinary.KIND_MEMORY;
    static final int GLOBAL = WasmBinary.KIND_GLOBAL;
    static final int TAG = WasmBinary.KIND_TAG;
    static final String[] KIND_NAMES = {"function", "table", "memory", "global", "tag"};

    /** A byte range of the input ({@code [start, end)}), kept for rewriting with offsets intact. */
    record Span(int start, int end) {}

    /** A function type: value-type bytes of its parameters and results. */
    record FuncSig(byte[] params, byte[] results) {
        boolean sameAs(FuncSig o) {
            return Arrays.equals(params, o.params) && Arrays.equals(results, o.results);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FuncSig s && sameAs(s);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(params) + Arrays.hashCode(results);
        }

        @Override
        public String toString() {
            return "(" + ValTypes.names(params) + ") -> (" + ValTypes.names(results) + ")";
        }
    }

    /**
     * An import. {@code typeIndex} is the function's or tag's type; {@code desc} the raw descriptor
     * of a table, memory or global import (copied unchanged).
     */
    record Import(String module, String name, int kind, int typeIndex, byte[] desc, int offset) {}

    record Export(String name, int kind, int index, int offset) {}

    /** A memory's limits as written, and whether it is 64-bit. */
    record MemType(byte[] raw, boolean is64) {}

    /** A global: {@code valtype mut} bytes and its initialiser expression. */
    record Global(byte[] type, Span init) {}

    /**
     * An element segment: {@code flags} as in the binary format, the table for active ones, the
     * offset expression ({@code null} unless active), the element kind or reference type byte, and
     * either function indices ({@code funcs}) or expressions ({@code exprs}).
     */
    record Elem(int flags, int table, Span offset, int kind, int[] funcs, List<Span> exprs, int at) {}

    /** A data segment: {@code mode} 0 active, 1 passive; the memory and offset of active ones. */
    record Data(int mode, int memory, Span offset, Span bytes) {}

    record Custom(String name, Span payload, int offset) {}

    final WasmReader reader;
    final List<FuncSig> types = new ArrayList<>();
    final List<Import> imports = new ArrayList<>();
    final int[] importCounts = new int[5];
    final List<Integer> functions = new ArrayList<>();
    final List<byte[]> tables = new ArrayList<>();
    final List<MemType> memories = new ArrayList<>();
    final List<MemType> importedMemories = new ArrayList<>();
    final List<Global> globals = new ArrayList<>();
    final List<Export> exports = new ArrayList<>();
    final List<Integer> tags = new ArrayList<>();
    int start = -1;
    final List<Elem> elems = new ArrayList<>();
    int dataCount = -1;
    final List<Span> code = new ArrayList<>();
    final List<Data> data = new ArrayList<>();
    final List<Custom> customs = new ArrayList<>();

    ParsedModule(WasmReader reader) {
        this.reader = reader;
    }

    String input() {
        return reader.input();
    }

    int functionCount() {
        return importCounts[FUNC] + functions.size();
    }

    int tableCount() {
        return importCounts[TABLE] + tables.size();
    }

    int memoryCount() {
        return importCounts[MEMORY] + memories.size();
    }

    int globalCount() {
        return importCounts[GLOBAL] + globals.size();
    }

    int tagCount() {
        return importCounts[TAG] + tags.size();
    }

    /** The type of function {@code index} (imported or defined). */
    FuncSig functionType(int index) {
        if (index < importCounts[FUNC]) {
            int seen = 0;
            for (Import im : imports) {
                if (im.kind() == FUNC && seen++ == index) {
                    return types.get(im.typeIndex());
                }
            }
        }
        return types.get(functions.get(index - importCounts[FUNC]));
    }

    /** Whether memory {@code index} is 64-bit. */
    boolean memoryIs64(int index) {
        return index < importedMemories.size()
                ? importedMemories.get(index).is64()
                : memories.get(index - importedMemories.size()).is64();
    }
}
