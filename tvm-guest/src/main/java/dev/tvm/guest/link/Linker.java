package dev.tvm.guest.link;

import static dev.tvm.guest.link.ParsedModule.FUNC;
import static dev.tvm.guest.link.ParsedModule.GLOBAL;
import static dev.tvm.guest.link.ParsedModule.MEMORY;
import static dev.tvm.guest.link.ParsedModule.TABLE;
import static dev.tvm.guest.wasm.WasmBinary.DATA_ACTIVE;
import static dev.tvm.guest.wasm.WasmBinary.DATA_ACTIVE_MEMORY;
import static dev.tvm.guest.wasm.WasmBinary.DATA_PASSIVE;
import static dev.tvm.guest.wasm.WasmBinary.FUNC_TYPE_FORM;
import static dev.tvm.guest.wasm.WasmBinary.OP_CALL;
import static dev.tvm.guest.wasm.WasmBinary.OP_END;
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
import static dev.tvm.guest.wasm.WasmBinary.TAG_EXCEPTION;
import static dev.tvm.guest.wasm.WasmBinary.writePreamble;

import dev.tvm.guest.ShellGenerator;
import dev.tvm.guest.link.ParsedModule.Data;
import dev.tvm.guest.link.ParsedModule.Elem;
import dev.tvm.guest.link.ParsedModule.Export;
import dev.tvm.guest.link.ParsedModule.FuncSig;
import dev.tvm.guest.link.ParsedModule.Import;
import dev.tvm.guest.link.ParsedModule.Span;
import dev.tvm.guest.wasm.Leb128;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Statically links a compiled guest module with a TVM shell ({@link ShellGenerator}) into one
 * self-contained module. The guest's imports from the shell module (default {@value
 * #DEFAULT_SHELL_MODULE}) become direct calls to the shell's functions; its other imports (WASI,
 * say) stay. The merged index spaces are the guest's, unchanged except for the function imports
 * that were resolved, followed by the shell's:
 *
 * <pre>
 *   functions  [ guest imports kept | guest functions | shell functions ]
 *   memories   [ guest memories (0 = its default) | shell pools 0..N-1 | shell meta ]
 *   types, tables, globals, tags, element and data segments: [ guest | shell ]
 * </pre>
 *
 * The shell's stand-in for the guest memory (its export {@value ShellGenerator#GUEST_MEMORY_EXPORT})
 * is replaced by the guest's memory 0, so {@code copy_in}/{@code copy_out} reach the guest's own
 * bytes. The guest's exports keep their names; the shell's are re-exported with a prefix (default
 * {@value #DEFAULT_EXPORT_PREFIX}), so a host can still read pools and metrics. The guest's name
 * section is carried over with function indices remapped, and the shell's functions and memories are
 * named after its exports.
 *
 * <p>Every malformed or unsupported input is refused with a {@link LinkException} naming the
 * input, section and byte offset; the linker never writes a module it could not decode entirely.
 */
public final class Linker {
    /** The import module whose functions the shell provides. */
    public static final String DEFAULT_SHELL_MODULE = "tvm_shell";
    /** Prefix of the shell's exports in the linked module. */
    public static final String DEFAULT_EXPORT_PREFIX = "tvm_";

    private final String shellModule;
    private final String exportPrefix;
    private final String memoryAlias;

    private Linker(Builder b) {
        this.shellModule = b.shellModule;
        this.exportPrefix = b.exportPrefix;
        this.memoryAlias = b.memoryAlias;
    }

    /** A builder with the default shell module and export prefix. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a link. */
    public static final class Builder {
        private String shellModule = DEFAULT_SHELL_MODULE;
        private String exportPrefix = DEFAULT_EXPORT_PREFIX;
        private String memoryAlias;

        private Builder() {}

        /** The import module name whose function imports resolve to the shell. */
        public Builder withShellModule(String module) {
            this.shellModule = Objects.requireNonNull(module);
            return this;
        }

        /** Prefix of the shell's exports in the result; {@code null} leaves them unexported. */
        public Builder withShellExportPrefix(String prefix) {
            this.exportPrefix = prefix;
            return this;
        }

        /**
         * Also exports memory 0 (the guest's default memory) under {@code name}, unless the guest
         * already exports it so; a different item of that name is an error.
         */
        public Builder withMemoryAlias(String name) {
            this.memoryAlias = name;
            return this;
        }

        /** The linker. */
        public Linker build() {
            return new Linker(this);
        }
    }

    /**
     * A linked module and what the link did.
     *
     * @param wasm the module's bytes
     * @param resolved guest imports bound to shell functions ({@code module.name})
     * @param remaining imports the result still has ({@code module.name})
     * @param notes things dropped or added on the way (debug sections, a synthesised start)
     */
    public record Result(byte[] wasm, List<String> resolved, List<String> remaining, List<String> notes) {}

    /**
     * Links {@code guest} with {@code shell}.
     *
     * @throws LinkException if either input is malformed or uses something unsupported
     */
    public Result link(byte[] guest, byte[] shell) {
        ParsedModule g = ModuleParser.parse("guest", guest);
        ParsedModule s = ModuleParser.parse("shell", shell);
        return new Merge(g, s).run();
    }

    /** One link: the two parsed inputs, their remaps and the output. */
    private final class Merge {
        private final ParsedModule g;
        private final ParsedModule s;
        private final Remap gm = new Remap();
        private final Remap sm = new Remap();
        private final List<String> resolved = new ArrayList<>();
        private final List<String> remaining = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private final List<Import> keptImports = new ArrayList<>();
        private int shellPlaceholder = -1; // shell memory index replaced by the guest's memory 0
        private int syntheticStartType = -1;
        private int keptFuncImports;

        Merge(ParsedModule g, ParsedModule s) {
            this.g = g;
            this.s = s;
        }

        Result run() {
            checkShell();
            checkGuestMemories();
            mapFunctions();
            mapMemories();
            int types = g.types.size();
            gm.set(Remap.TYPE, Remap.shifted(types, 0));
            sm.set(Remap.TYPE, Remap.shifted(s.types.size(), types));
            mapShifted(Remap.TABLE, g.tableCount(), s.tableCount());
            mapShifted(Remap.GLOBAL, g.globalCount(), s.globalCount());
            mapShifted(Remap.TAG, g.tagCount(), s.tagCount());
            mapShifted(Remap.ELEM, g.elems.size(), s.elems.size());
            mapShifted(Remap.DATA, g.data.size(), s.data.size());
            byte[] wasm = write();
            return new Result(wasm, List.copyOf(resolved), List.copyOf(remaining), List.copyOf(notes));
        }

        private void mapShifted(int space, int guestCount, int shellCount) {
            gm.set(space, Remap.shifted(guestCount, 0));
            sm.set(space, Remap.shifted(shellCount, guestCount));
        }

        private void checkShell() {
            if (!s.imports.isEmpty()) {
                Import im = s.imports.get(0);
                throw new LinkException(
                        "shell",
                        "import",
                        im.offset(),
                        "a shell must be self-contained, but it imports " + im.module() + "." + im.name());
            }
        }

        private void checkGuestMemories() {
            for (int i = 0; i < g.memoryCount(); i++) {
                if (g.memoryIs64(i)) {
                    throw new LinkException(
                            "guest",
                            i < g.importCounts[MEMORY] ? "import" : "memory",
                            -1,
                            "memory " + i + " is 64-bit (memory64); the shell's pools are 32-bit and so must"
                                    + " the guest's memories be (compile for wasm32)");
                }
            }
        }

        private void mapFunctions() {
            Map<String, Integer> shellFunctions = new HashMap<>();
            for (Export e : s.exports) {
                if (e.kind() == FUNC) {
                    shellFunctions.put(e.name(), e.index());
                }
            }
            for (Import im : g.imports) {
                if (im.module().equals(shellModule)) {
                    if (im.kind() != FUNC) {
                        throw new LinkException(
                                "guest",
                                "import",
                                im.offset(),
                                "imports " + ParsedModule.KIND_NAMES[im.kind()] + " " + im.module() + "." + im.name()
                                        + ": only functions can be imported from the shell");
                    }
                } else {
                    keptImports.add(im);
                    remaining.add(im.module() + "." + im.name());
                    if (im.kind() == FUNC) {
                        keptFuncImports++;
                    }
                }
            }
            int shellBase = keptFuncImports + g.functions.size();
            int[] gf = new int[g.functionCount()];
            int fi = 0;
            int kept = 0;
            for (Import im : g.imports) {
                if (im.kind() != FUNC) {
                    continue;
                }
                if (im.module().equals(shellModule)) {
                    Integer target = shellFunctions.get(im.name());
                    if (target == null) {
                        throw new LinkException(
                                "guest",
                                "import",
                                im.offset(),
                                "imports " + im.module() + "." + im.name() + " but the shell exports no function '"
                                        + im.name() + "' (it exports " + String.join(", ", shellFunctions.keySet())
                                        + ")");
                    }
                    FuncSig want = g.types.get(im.typeIndex());
                    FuncSig have = s.functionType(target);
                    if (!want.sameAs(have)) {
                        throw new LinkException(
                                "guest",
                                "import",
                                im.offset(),
                                "imports " + im.module() + "." + im.name() + " with type " + want
                                        + " but the shell's function has type " + have);
                    }
                    gf[fi++] = shellBase + target;
                    resolved.add(im.module() + "." + im.name());
                } else {
                    gf[fi++] = kept++;
                }
            }
            for (int j = 0; j < g.functions.size(); j++) {
                gf[fi++] = keptFuncImports + j;
            }
            gm.set(Remap.FUNC, gf);
            sm.set(Remap.FUNC, Remap.shifted(s.functionCount(), shellBase));
        }

        private void mapMemories() {
            int guestMemories = g.memoryCount();
            gm.set(Remap.MEMORY, Remap.shifted(guestMemories, 0));
            for (Export e : s.exports) {
                if (e.kind() == MEMORY && e.name().equals(ShellGenerator.GUEST_MEMORY_EXPORT)) {
                    shellPlaceholder = guestMemories > 0 ? e.index() : -1;
                }
            }
            int[] sMap = new int[s.memoryCount()];
            int next = guestMemories;
            for (int k = 0; k < sMap.length; k++) {
                sMap[k] = k == shellPlaceholder ? 0 : next++;
            }
            sm.set(Remap.MEMORY, sMap);
        }

        // ------------------------------------------------------------------ writing

        private byte[] write() {
            ByteArrayOutputStream out = new ByteArrayOutputStream(g.reader.bytes().length + s.reader.bytes().length);
            writePreamble(out);
            int guestStart = g.start < 0 ? -1 : gm.map(Remap.FUNC, g.start, g.reader, -1);
            int shellStart = s.start < 0 ? -1 : sm.map(Remap.FUNC, s.start, s.reader, -1);
            boolean synthStart = guestStart >= 0 && shellStart >= 0;
            int typeCount = g.types.size() + s.types.size();
            if (synthStart) {
                syntheticStartType = typeCount++;
            }

            Buf types = new Buf();
            types.u32(typeCount);
            for (FuncSig t : g.types) {
                types.funcType(t);
            }
            for (FuncSig t : s.types) {
                types.funcType(t);
            }
            if (synthStart) {
                types.funcType(new FuncSig(new byte[0], new byte[0]));
            }
            section(out, SECTION_TYPE, types);

            if (!keptImports.isEmpty()) {
                Buf imports = new Buf();
                imports.u32(keptImports.size());
                for (Import im : keptImports) {
                    imports.name(im.module());
                    imports.name(im.name());
                    imports.write(im.kind());
                    imports.writeBytes(im.desc()); // guest type indices are unchanged
                }
                section(out, SECTION_IMPORT, imports);
            }

            int definedFunctions = g.functions.size() + s.functions.size() + (synthStart ? 1 : 0);
            if (definedFunctions > 0) {
                Buf funcs = new Buf();
                funcs.u32(definedFunctions);
                g.functions.forEach(funcs::u32);
                for (int t : s.functions) {
                    funcs.u32(t + g.types.size());
                }
                if (synthStart) {
                    funcs.u32(syntheticStartType);
                }
                section(out, SECTION_FUNCTION, funcs);
            }

            if (!g.tables.isEmpty() || !s.tables.isEmpty()) {
                Buf tables = new Buf();
                tables.u32(g.tables.size() + s.tables.size());
                g.tables.forEach(tables::writeBytes);
                s.tables.forEach(tables::writeBytes);
                section(out, SECTION_TABLE, tables);
            }

            List<byte[]> memories = new ArrayList<>();
            g.memories.forEach(mt -> memories.add(mt.raw()));
            for (int k = 0; k < s.memories.size(); k++) {
                if (k != shellPlaceholder) {
                    memories.add(s.memories.get(k).raw());
                }
            }
            if (!memories.isEmpty()) {
                Buf mems = new Buf();
                mems.u32(memories.size());
                memories.forEach(mems::writeBytes);
                section(out, SECTION_MEMORY, mems);
            }

            if (!g.tags.isEmpty() || !s.tags.isEmpty()) {
                Buf tags = new Buf();
                tags.u32(g.tags.size() + s.tags.size());
                for (int t : g.tags) {
                    tags.write(TAG_EXCEPTION);
                    tags.u32(t);
                }
                for (int t : s.tags) {
                    tags.write(TAG_EXCEPTION);
                    tags.u32(t + g.types.size());
                }
                section(out, SECTION_TAG, tags);
            }

            if (!g.globals.isEmpty() || !s.globals.isEmpty()) {
                Buf globals = new Buf();
                globals.u32(g.globals.size() + s.globals.size());
                writeGlobals(globals, g, gm);
                writeGlobals(globals, s, sm);
                section(out, SECTION_GLOBAL, globals);
            }

            writeExports(out);

            if (synthStart || guestStart >= 0 || shellStart >= 0) {
                Buf start = new Buf();
                start.u32(
                        synthStart
                                ? keptFuncImports + g.functions.size() + s.functions.size()
                                : Math.max(guestStart, shellStart));
                section(out, SECTION_START, start);
                if (synthStart) {
                    notes.add("both inputs have a start function: a new one calls the shell's, then the guest's");
                }
            }

            if (!g.elems.isEmpty() || !s.elems.isEmpty()) {
                Buf elems = new Buf();
                elems.u32(g.elems.size() + s.elems.size());
                writeElems(elems, g, gm);
                writeElems(elems, s, sm);
                section(out, SECTION_ELEMENT, elems);
            }

            if (g.dataCount >= 0 || s.dataCount >= 0) {
                Buf dc = new Buf();
                dc.u32(g.data.size() + s.data.size());
                section(out, SECTION_DATA_COUNT, dc);
            }

            Buf code = new Buf();
            code.u32(definedFunctions);
            writeBodies(code, g, gm);
            writeBodies(code, s, sm);
            if (synthStart) {
                Buf body = new Buf();
                body.u32(0); // no locals
                body.write(OP_CALL);
                body.u32(shellStart);
                body.write(OP_CALL);
                body.u32(guestStart);
                body.write(OP_END);
                code.u32(body.size());
                body.appendTo(code);
            }
            if (definedFunctions > 0) {
                section(out, SECTION_CODE, code);
            }

            if (!g.data.isEmpty() || !s.data.isEmpty()) {
                Buf data = new Buf();
                data.u32(g.data.size() + s.data.size());
                writeData(data, g, gm);
                writeData(data, s, sm);
                section(out, SECTION_DATA, data);
            }

            writeCustoms(out);
            return out.toByteArray();
        }

        private void writeGlobals(Buf out, ParsedModule p, Remap map) {
            p.reader.section("global");
            for (ParsedModule.Global gl : p.globals) {
                out.writeBytes(gl.type());
                CodeRewriter.rewriteConstExpr(p.reader, gl.init(), map, out);
            }
        }

        private void writeBodies(Buf out, ParsedModule p, Remap map) {
            p.reader.section("code");
            for (Span body : p.code) {
                CodeRewriter.rewriteBody(p.reader, body, map, out);
            }
        }

        private void writeElems(Buf out, ParsedModule p, Remap map) {
            p.reader.section("element");
            for (Elem e : p.elems) {
                int table = e.offset() == null ? 0 : map.map(Remap.TABLE, e.table(), p.reader, e.at());
                boolean exprs = e.exprs() != null;
                boolean passive = e.offset() == null;
                // flags: bit 0 passive/declarative, bit 1 explicit table (active) or declarative, bit 2 exprs
                // an active segment names its table unless it is table 0 with the implied kind
                boolean explicit = !passive && (table != 0 || (exprs && e.kind() != 0x70));
                out.u32(passive ? e.flags() : (explicit ? 2 : 0) | (exprs ? 4 : 0));
                if (explicit) {
                    out.u32(table);
                }
                if (!passive) {
                    CodeRewriter.rewriteConstExpr(p.reader, e.offset(), map, out);
                }
                if (passive || explicit) {
                    out.write(e.kind());
                }
                if (exprs) {
                    out.u32(e.exprs().size());
                    for (Span x : e.exprs()) {
                        CodeRewriter.rewriteConstExpr(p.reader, x, map, out);
                    }
                } else {
                    out.u32(e.funcs().length);
                    for (int f : e.funcs()) {
                        out.u32(map.map(Remap.FUNC, f, p.reader, e.at()));
                    }
                }
            }
        }

        private void writeData(Buf out, ParsedModule p, Remap map) {
            p.reader.section("data");
            for (Data d : p.data) {
                if (d.mode() == DATA_PASSIVE) {
                    out.u32(DATA_PASSIVE);
                } else {
                    int memory = map.map(
                            Remap.MEMORY, d.memory(), p.reader, d.bytes().start());
                    if (memory == 0) {
                        out.u32(DATA_ACTIVE);
                    } else {
                        out.u32(DATA_ACTIVE_MEMORY);
                        out.u32(memory);
                    }
                    CodeRewriter.rewriteConstExpr(p.reader, d.offset(), map, out);
                }
                int len = d.bytes().end() - d.bytes().start();
                out.u32(len);
                out.write(p.reader.bytes(), d.bytes().start(), len);
            }
        }

        private void writeExports(ByteArrayOutputStream out) {
            Map<String, int[]> exports = new LinkedHashMap<>(); // name -> {kind, index}
            for (Export e : g.exports) {
                exports.put(e.name(), new int[] {e.kind(), guestIndex(e.kind(), e.index())});
            }
            if (exportPrefix != null) {
                for (Export e : s.exports) {
                    if (e.kind() == MEMORY && e.index() == shellPlaceholder) {
                        continue; // it is the guest's memory now
                    }
                    String name = exportPrefix + e.name();
                    if (exports.containsKey(name)) {
                        throw new LinkException(
                                "guest",
                                "export",
                                -1,
                                "the guest exports '" + name + "', which the shell's export '" + e.name()
                                        + "' needs; choose another prefix");
                    }
                    exports.put(name, new int[] {e.kind(), shellIndex(e.kind(), e.index())});
                }
            }
            if (memoryAlias != null) {
                int[] existing = exports.get(memoryAlias);
                if (existing == null) {
                    if (g.memoryCount() == 0) {
                        throw new LinkException(
                                "guest", "memory", -1, "cannot alias memory 0 as '" + memoryAlias + "': no memory");
                    }
                    exports.put(memoryAlias, new int[] {MEMORY, 0});
                } else if (existing[0] != MEMORY || existing[1] != 0) {
                    throw new LinkException(
                            "guest",
                            "export",
                            -1,
                            "cannot alias memory 0 as '" + memoryAlias + "': the guest exports a "
                                    + ParsedModule.KIND_NAMES[existing[0]] + " of that name");
                }
            }
            if (exports.isEmpty()) {
                return;
            }
            Buf b = new Buf();
            b.u32(exports.size());
            exports.forEach((name, ki) -> {
                b.name(name);
                b.write(ki[0]);
                b.u32(ki[1]);
            });
            section(out, SECTION_EXPORT, b);
        }

        private int guestIndex(int kind, int index) {
            return kind == FUNC ? gm.map(Remap.FUNC, index, g.reader, -1) : index;
        }

        private int shellIndex(int kind, int index) {
            switch (kind) {
                case FUNC:
                    return sm.map(Remap.FUNC, index, s.reader, -1);
                case TABLE:
                    return sm.map(Remap.TABLE, index, s.reader, -1);
                case MEMORY:
                    return sm.map(Remap.MEMORY, index, s.reader, -1);
                case GLOBAL:
                    return sm.map(Remap.GLOBAL, index, s.reader, -1);
                default:
                    return sm.map(Remap.TAG, index, s.reader, -1);
            }
        }

        private void writeCustoms(ByteArrayOutputStream out) {
            boolean named = false;
            for (ParsedModule.Custom c : g.customs) {
                if (c.name().equals("name")) {
                    named = true;
                    writeCustom(
                            out,
                            "name",
                            NameSection.merge(g, c, gm, s, sm, keptFuncImports + g.functions.size(), shellPlaceholder));
                } else if (c.name().startsWith(".debug")
                        || c.name().equals("sourceMappingURL")
                        || c.name().equals("external_debug_info")) {
                    notes.add("dropped custom section '" + c.name() + "': its code offsets would be wrong");
                } else {
                    int len = c.payload().end() - c.payload().start();
                    byte[] payload = new byte[len];
                    System.arraycopy(g.reader.bytes(), c.payload().start(), payload, 0, len);
                    writeCustom(out, c.name(), payload);
                }
            }
            if (!named) {
                writeCustom(
                        out,
                        "name",
                        NameSection.merge(g, null, gm, s, sm, keptFuncImports + g.functions.size(), shellPlaceholder));
            }
        }
    }

    private static void writeCustom(ByteArrayOutputStream out, String name, byte[] payload) {
        Buf b = new Buf();
        b.name(name);
        b.writeBytes(payload);
        section(out, SECTION_CUSTOM, b);
    }

    private static void section(ByteArrayOutputStream out, int id, Buf contents) {
        out.write(id);
        Leb128.writeU32(out, contents.size());
        contents.appendTo(out);
    }

    /** A growable byte buffer with the binary format's primitives. */
    static final class Buf extends ByteArrayOutputStream {
        void u32(int v) {
            Leb128.writeU32(this, v);
        }

        void name(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u32(b.length);
            writeBytes(b);
        }

        void funcType(FuncSig t) {
            write(FUNC_TYPE_FORM);
            u32(t.params().length);
            writeBytes(t.params());
            u32(t.results().length);
            writeBytes(t.results());
        }

        void appendTo(ByteArrayOutputStream out) {
            out.write(buf, 0, count);
        }
    }
}
