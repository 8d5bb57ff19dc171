package dev.tvm.guest.link;

import static dev.tvm.guest.link.ParsedModule.FUNC;
import static dev.tvm.guest.link.ParsedModule.GLOBAL;
import static dev.tvm.guest.link.ParsedModule.MEMORY;
import static dev.tvm.guest.link.ParsedModule.TABLE;
import static dev.tvm.guest.link.ParsedModule.TAG;
import static dev.tvm.guest.wasm.WasmBinary.DATA_ACTIVE;
import static dev.tvm.guest.wasm.WasmBinary.DATA_ACTIVE_MEMORY;
import static dev.tvm.guest.wasm.WasmBinary.DATA_PASSIVE;
import static dev.tvm.guest.wasm.WasmBinary.FUNC_TYPE_FORM;
import static dev.tvm.guest.wasm.WasmBinary.MAGIC;
import static dev.tvm.guest.wasm.WasmBinary.PREAMBLE_BYTES;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_CODE;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_CUSTOM;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_DATA;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_DATA_COUNT;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_ELEMENT;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_EXPORT;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_FUNCTION;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_GLOBAL;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_IMPORT;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_MEMORY;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_START;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_TABLE;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_TAG;
import static dev.tvm.guest.wasm.WasmBinary.SECTION_TYPE;
import static dev.tvm.guest.wasm.WasmBinary.VERSION;
import static dev.tvm.guest.wasm.WasmBinary.sectionName;
import static dev.tvm.guest.wasm.WasmBinary.sectionOrder;

import dev.tvm.guest.link.ParsedModule.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a module binary (core spec 5.5) into a {@link ParsedModule}, checking the framing: the
 * preamble, section order (each known section at most once, in the spec's order; data count
 * between element and code), section sizes, item counts and every index that this pass can see.
 * Function bodies and constant expressions are only delimited here; {@link CodeRewriter} decodes
 * them instruction by instruction when the merged module is written.
 */
final class ModuleParser {
    private ModuleParser() {}

    /** A fixed-width little-endian u32 (the preamble's fields). */
    private static int u32le(WasmReader r) {
        return r.u8() | r.u8() << 8 | r.u8() << 16 | r.u8() << 24;
    }

    static ParsedModule parse(String input, byte[] bytes) {
        WasmReader r = new WasmReader(input, bytes);
        ParsedModule m = new ParsedModule(r);
        if (bytes.length < PREAMBLE_BYTES) {
            throw r.error(
                    "not a WebAssembly module: " + bytes.length + " bytes, a module has at least " + PREAMBLE_BYTES);
        }
        if (u32le(r) != MAGIC) {
            throw r.errorAt(0, "not a WebAssembly module: bad magic (expected \\0asm)");
        }
        int version = u32le(r);
        if (version != VERSION) {
            throw r.errorAt(
                    4,
                    version == 0x000d0001 || (version & 0xffff) == 0x0d
                            ? "a component (binary version 0x" + Integer.toHexString(version) + "), not a core module"
                            : "unsupported binary version " + version);
        }
        int lastOrder = 0;
        while (r.pos() < bytes.length) {
            r.limit(bytes.length);
            r.section("section header");
            int idAt = r.pos();
            int id = r.u8();
            int size = r.u32();
            if (Integer.toUnsignedLong(size) > bytes.length - r.pos()) {
                throw r.errorAt(
                        idAt,
                        "section " + sectionName(id) + " declares " + Integer.toUnsignedString(size) + " bytes, only "
                                + (bytes.length - r.pos()) + " follow");
            }
            int end = r.pos() + size;
            r.limit(end);
            r.section(sectionName(id));
            if (id != SECTION_CUSTOM) {
                int order = sectionOrder(id);
                if (order < 0) {
                    throw r.errorAt(idAt, "unknown section id " + id);
                }
                if (order <= lastOrder) {
                    throw r.errorAt(idAt, "section out of order or repeated");
                }
                lastOrder = order;
            }
            switch (id) {
                case SECTION_CUSTOM -> {
                    String name = r.name();
                    m.customs.add(new ParsedModule.Custom(name, new Span(r.pos(), end), idAt));
                    r.pos(end);
                }
                case SECTION_TYPE -> types(r, m);
                case SECTION_IMPORT -> imports(r, m);
                case SECTION_FUNCTION -> {
                    int n = r.count("function", 1);
                    for (int i = 0; i < n; i++) {
                        m.functions.add(typeIndex(r, m));
                    }
                }
                case SECTION_TABLE -> {
                    int n = r.count("table", 2);
                    for (int i = 0; i < n; i++) {
                        m.tables.add(tableType(r));
                    }
                }
                case SECTION_MEMORY -> {
                    int n = r.count("memory", 2);
                    for (int i = 0; i < n; i++) {
                        m.memories.add(memType(r));
                    }
                }
                case SECTION_TAG -> {
                    int n = r.count("tag", 2);
                    for (int i = 0; i < n; i++) {
                        m.tags.add(tagType(r, m));
                    }
                }
                case SECTION_GLOBAL -> {
                    int n = r.count("global", 3);
                    for (int i = 0; i < n; i++) {
                        int at = r.pos();
                        int vt = ValTypes.read(r);
                        int mut = r.u8();
                        if (mut > 1) {
                            throw r.errorAt(at + 1, "global mutability must be 0 or 1, not " + mut);
                        }
                        m.globals.add(new ParsedModule.Global(new byte[] {(byte) vt, (byte) mut}, constExpr(r)));
                    }
                }
                case SECTION_EXPORT -> exports(r, m);
                case SECTION_START -> {
                    int at = r.pos();
                    m.start = r.u32();
                    if (Integer.toUnsignedLong(m.start) >= m.importCounts[FUNC] + m.functions.size()) {
                        throw r.errorAt(at, "start function " + Integer.toUnsignedString(m.start) + " does not exist");
                    }
                }
                case SECTION_ELEMENT -> elements(r, m);
                case SECTION_DATA_COUNT -> m.dataCount = r.u32();
                case SECTION_CODE -> {
                    int n = r.count("function body", 2);
                    if (n != m.functions.size()) {
                        throw r.error("code section has " + n + " bodies for " + m.functions.size() + " functions");
                    }
                    for (int i = 0; i < n; i++) {
                        int size1 = r.u32();
                        if (Integer.toUnsignedLong(size1) > r.remaining() || size1 == 0) {
                            throw r.error("function body of " + Integer.toUnsignedString(size1) + " bytes, "
                                    + r.remaining() + " left in the section");
                        }
                        m.code.add(new Span(r.pos(), r.pos() + size1));
                        r.pos(r.pos() + size1);
                    }
                }
                case SECTION_DATA -> datas(r, m);
                default -> throw r.errorAt(idAt, "unknown section id " + id);
            }
            if (r.pos() != end) {
                throw r.error("section has " + (end - r.pos()) + " unread bytes at its end");
            }
        }
        r.limit(bytes.length);
        r.section("module");
        if (m.functions.size() != m.code.size()) {
            throw r.errorAt(bytes.length, m.functions.size() + " functions declared but " + m.code.size() + " bodies");
        }
        if (m.dataCount >= 0 && m.dataCount != m.data.size()) {
            throw r.errorAt(
                    bytes.length, "data count section says " + m.dataCount + ", data section has " + m.data.size());
        }
        for (ParsedModule.Custom c : m.customs) {
            if (c.name().equals("linking") || c.name().startsWith("reloc.")) {
                throw new LinkException(
                        input,
                        "custom '" + c.name() + "'",
                        c.offset(),
                        "a relocatable object file (clang -c output); link it into a module with wasm-ld first");
            }
        }
        return m;
    }

    private static void types(WasmReader r, ParsedModule m) {
        int n = r.count("type", 3);
        for (int i = 0; i < n; i++) {
            int at = r.pos();
            int form = r.u8();
            if (form != FUNC_TYPE_FORM) {
                throw r.errorAt(
                        at,
                        String.format(
                                "type %d: form 0x%02x is not a function type (GC and recursive types are unsupported)",
                                i, form));
            }
            m.types.add(new ParsedModule.FuncSig(valTypes(r), valTypes(r)));
        }
    }

    private static byte[] valTypes(WasmReader r) {
        int n = r.count("value type", 1);
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = (byte) ValTypes.read(r);
        }
        return out;
    }

    private static int typeIndex(WasmReader r, ParsedModule m) {
        int at = r.pos();
        int t = r.u32();
        if (Integer.toUnsignedLong(t) >= m.types.size()) {
            throw r.errorAt(
                    at, "type index " + Integer.toUnsignedString(t) + " out of range (" + m.types.size() + " types)");
        }
        return t;
    }

    private static int tagType(WasmReader r, ParsedModule m) {
        int at = r.pos();
        int attr = r.u8();
        if (attr != 0) {
            throw r.errorAt(at, "tag attribute must be 0, not " + attr);
        }
        int t = typeIndex(r, m);
        if (m.types.get(t).results().length != 0) {
            throw r.errorAt(at, "a tag's type must have no results");
        }
        return t;
    }

    private static byte[] tableType(WasmReader r) {
        int start = r.pos();
        int rt = r.u8();
        if (!ValTypes.isRefType(rt)) {
            throw r.errorAt(
                    start,
                    rt == 0x40
                            ? "tables with initialiser expressions are unsupported"
                            : String.format("table element type 0x%02x is not funcref or externref", rt));
        }
        limits(r, false);
        return slice(r, start);
    }

    private static ParsedModule.MemType memType(WasmReader r) {
        int start = r.pos();
        boolean is64 = limits(r, true);
        return new ParsedModule.MemType(slice(r, start), is64);
    }

    /** Reads limits; returns whether they are 64-bit (memories only). */
    private static boolean limits(WasmReader r, boolean memory) {
        int at = r.pos();
        int flags = r.u8();
        int allowed = memory ? 0x07 : 0x01;
        if ((flags & ~allowed) != 0) {
            throw r.errorAt(
                    at,
                    String.format(
                            "%s limits flags 0x%02x unsupported%s",
                            memory ? "memory" : "table", flags, (flags & 0x08) != 0 ? " (custom page sizes)" : ""));
        }
        boolean is64 = (flags & 0x04) != 0;
        long min = is64 ? r.u64() : Integer.toUnsignedLong(r.u32());
        if ((flags & 0x01) != 0) {
            long max = is64 ? r.u64() : Integer.toUnsignedLong(r.u32());
            if (Long.compareUnsigned(max, min) < 0) {
                throw r.errorAt(at, "limits maximum " + max + " below minimum " + min);
            }
        } else if ((flags & 0x02) != 0) {
            throw r.errorAt(at, "a shared memory must have a maximum");
        }
        if (memory && !is64 && min > 65536) {
            throw r.errorAt(at, "memory of " + min + " pages exceeds 65536 (4 GiB)");
        }
        return is64;
    }

    private static byte[] slice(WasmReader r, int start) {
        byte[] out = new byte[r.pos() - start];
        System.arraycopy(r.bytes(), start, out, 0, out.length);
        return out;
    }

    private static void imports(WasmReader r, ParsedModule m) {
        int n = r.count("import", 4);
        for (int i = 0; i < n; i++) {
            int at = r.pos();
            String module = r.name();
            String name = r.name();
            int kindAt = r.pos();
            int kind = r.u8();
            int descStart = r.pos();
            int type = -1;
            switch (kind) {
                case FUNC -> type = typeIndex(r, m);
                case TABLE -> tableType(r);
                case MEMORY -> m.importedMemories.add(memType(r));
                case GLOBAL -> {
                    ValTypes.read(r);
                    int mut = r.u8();
                    if (mut > 1) {
                        throw r.errorAt(r.pos() - 1, "global mutability must be 0 or 1, not " + mut);
                    }
                }
                case TAG -> type = tagType(r, m);
                default -> throw r.errorAt(kindAt, "import " + module + "." + name + " has unknown kind " + kind);
            }
            m.importCounts[kind]++;
            m.imports.add(new ParsedModule.Import(module, name, kind, type, slice(r, descStart), at));
        }
    }

    private static void exports(WasmReader r, ParsedModule m) {
        int n = r.count("export", 3);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            int at = r.pos();
            String name = r.name();
            if (!seen.add(name)) {
                throw r.errorAt(at, "export name '" + name + "' is repeated");
            }
            int kindAt = r.pos();
            int kind = r.u8();
            int idxAt = r.pos();
            int index = r.u32();
            long count;
            switch (kind) {
                case FUNC -> count = (long) m.importCounts[FUNC] + m.functions.size();
                case TABLE -> count = m.tableCount();
                case MEMORY -> count = m.memoryCount();
                case GLOBAL -> count = m.globalCount();
                case TAG -> count = m.tagCount();
                default -> throw r.errorAt(kindAt, "export '" + name + "' has unknown kind " + kind);
            }
            if (Integer.toUnsignedLong(index) >= count) {
                throw r.errorAt(
                        idxAt,
                        "export '" + name + "' names " + ParsedModule.KIND_NAMES[kind] + " "
                                + Integer.toUnsignedString(index) + ", the module has " + count);
            }
            m.exports.add(new ParsedModule.Export(name, kind, index, at));
        }
    }

    /** Delimits a constant expression: reads instructions up to its {@code end}. */
    static Span constExpr(WasmReader r) {
        int start = r.pos();
        CodeRewriter.skipConstExpr(r);
        return new Span(start, r.pos());
    }

    private static void elements(WasmReader r, ParsedModule m) {
        int n = r.count("element segment", 2);
        for (int i = 0; i < n; i++) {
            int at = r.pos();
            int flags = r.u32();
            if (flags < 0 || flags > 7) {
                throw r.errorAt(at, "element segment flags " + Integer.toUnsignedString(flags) + " unknown");
            }
            boolean passiveOrDeclarative = (flags & 1) != 0;
            boolean explicitTable = (flags & 2) != 0 && !passiveOrDeclarative;
            boolean usesExprs = (flags & 4) != 0;
            int table = 0;
            Span offset = null;
            if (explicitTable) {
                int tAt = r.pos();
                table = r.u32();
                if (Integer.toUnsignedLong(table) >= m.tableCount()) {
                    throw r.errorAt(
                            tAt,
                            "element segment names table " + Integer.toUnsignedString(table) + ", the module has "
                                    + m.tableCount());
                }
            }
            if (!passiveOrDeclarative) {
                if (m.tableCount() == 0) {
                    throw r.errorAt(at, "active element segment but the module has no table");
                }
                offset = constExpr(r);
            }
            int kind = usesExprs ? 0x70 : 0x00;
            if (passiveOrDeclarative || explicitTable) {
                int kAt = r.pos();
                kind = r.u8();
                if (usesExprs ? !ValTypes.isRefType(kind) : kind != 0x00) {
                    throw r.errorAt(kAt, String.format("element kind 0x%02x unsupported", kind));
                }
            }
            if (usesExprs) {
                int count = r.count("element expression", 2);
                List<Span> exprs = new ArrayList<>(count);
                for (int k = 0; k < count; k++) {
                    exprs.add(constExpr(r));
                }
                m.elems.add(new ParsedModule.Elem(flags, table, offset, kind, null, exprs, at));
            } else {
                int count = r.count("element function index", 1);
                int[] funcs = new int[count];
                for (int k = 0; k < count; k++) {
                    int fAt = r.pos();
                    funcs[k] = r.u32();
                    if (Integer.toUnsignedLong(funcs[k]) >= m.functionCount()) {
                        throw r.errorAt(
                                fAt,
                                "element segment names function " + Integer.toUnsignedString(funcs[k])
                                        + ", the module has " + m.functionCount());
                    }
                }
                m.elems.add(new ParsedModule.Elem(flags, table, offset, kind, funcs, null, at));
            }
        }
    }

    private static void datas(WasmReader r, ParsedModule m) {
        int n = r.count("data segment", 2);
        for (int i = 0; i < n; i++) {
            int at = r.pos();
            int flags = r.u32();
            int memory = 0;
            Span offset = null;
            switch (flags) {
                case DATA_ACTIVE -> offset = constExpr(r);
                case DATA_PASSIVE -> {}
                case DATA_ACTIVE_MEMORY -> {
                    memory = r.u32();
                    offset = constExpr(r);
                }
                default -> throw r.errorAt(at, "data segment flags " + Integer.toUnsignedString(flags) + " unknown");
            }
            if (flags != DATA_PASSIVE && Integer.toUnsignedLong(memory) >= m.memoryCount()) {
                throw r.errorAt(
                        at,
                        "data segment " + i + " names memory " + Integer.toUnsignedString(memory) + ", the module has "
                                + m.memoryCount());
            }
            int len = r.u32();
            if (Integer.toUnsignedLong(len) > r.remaining()) {
                throw r.error("data segment " + i + " of " + Integer.toUnsignedString(len) + " bytes, " + r.remaining()
                        + " left in the section");
            }
            m.data.add(new ParsedModule.Data(
                    flags == DATA_PASSIVE ? DATA_PASSIVE : DATA_ACTIVE,
                    memory,
                    offset,
                    new Span(r.pos(), r.pos() + len)));
            r.pos(r.pos() + len);
        }
    }
}
