package dev.tvm.guest.link;

import static dev.tvm.guest.wasm.WasmBinary.NAME_FUNCTIONS;
import static dev.tvm.guest.wasm.WasmBinary.NAME_LABELS;
import static dev.tvm.guest.wasm.WasmBinary.NAME_LOCALS;
import static dev.tvm.guest.wasm.WasmBinary.NAME_MEMORIES;

import dev.tvm.guest.link.ParsedModule.Custom;
import dev.tvm.guest.link.ParsedModule.Export;
import java.util.Map;
import java.util.TreeMap;

/**
 * Merges the guest's {@code name} custom section with names for the shell. Subsections that index
 * functions (1 function names, 2 local names, 3 label names) are remapped to merged function indices
 * and lose the entries of imports the shell resolved; the memory names (6) gain the shell's pools;
 * the other subsections index spaces whose guest part is unchanged and are copied. Shell functions
 * and memories are named {@code tvm_shell:<export>} ({@code tvm_shell:#<index>} for internal
 * functions without a name in the shell's own name section) so stack traces through the shell
 * stay readable.
 *
 * <pre>
 *   name section = (id:u8 size:u32 contents)*      ids ascending
 *   namemap      = vec(index:u32 name)             indices ascending
 *   indirect     = vec(index:u32 namemap)          (local and label names)
 * </pre>
 */
final class NameSection {
    static final String SHELL_PREFIX = "tvm_shell:";

    private NameSection() {}

    static byte[] merge(
            ParsedModule g,
            Custom guestNames,
            Remap gm,
            ParsedModule s,
            Remap sm,
            int shellBase,
            int shellPlaceholder) {
        Map<Integer, byte[]> subsections = new TreeMap<>();
        if (guestNames != null) {
            read(g.reader, guestNames, subsections);
        }
        WasmReader r = g.reader;
        Map<Integer, String> functions = new TreeMap<>();
        Linker.Buf locals = new Linker.Buf();
        Linker.Buf labels = new Linker.Buf();
        if (subsections.containsKey(NAME_FUNCTIONS)) {
            readNameMap(r, subsections.get(NAME_FUNCTIONS), (i, name, at) -> {
                int merged = gm.map(Remap.FUNC, i, r, at);
                if (merged < shellBase) {
                    functions.put(merged, name);
                }
            });
        }
        remapIndirect(r, subsections.get(NAME_LOCALS), gm, shellBase, locals);
        remapIndirect(r, subsections.get(NAME_LABELS), gm, shellBase, labels);
        for (int j = 0; j < s.functionCount(); j++) {
            functions.put(shellBase + j, SHELL_PREFIX + "#" + j);
        }
        for (Custom c : s.customs) {
            if (c.name().equals("name")) {
                Map<Integer, byte[]> shellSubsections = new TreeMap<>();
                read(s.reader, c, shellSubsections);
                if (shellSubsections.containsKey(NAME_FUNCTIONS)) {
                    readNameMap(
                            s.reader,
                            shellSubsections.get(NAME_FUNCTIONS),
                            (j, name, at) -> functions.put(sm.map(Remap.FUNC, j, s.reader, at), SHELL_PREFIX + name));
                }
            }
        }
        Map<Integer, String> memories = new TreeMap<>();
        if (subsections.containsKey(NAME_MEMORIES)) {
            readNameMap(r, subsections.get(NAME_MEMORIES), (i, name, at) -> memories.put(i, name));
        }
        for (Export e : s.exports) {
            if (e.kind() == ParsedModule.FUNC) {
                functions.put(sm.map(Remap.FUNC, e.index(), s.reader, -1), SHELL_PREFIX + e.name());
            } else if (e.kind() == ParsedModule.MEMORY && e.index() != shellPlaceholder) {
                memories.put(sm.map(Remap.MEMORY, e.index(), s.reader, -1), SHELL_PREFIX + e.name());
            }
        }
        subsections.put(NAME_FUNCTIONS, nameMap(functions));
        if (subsections.containsKey(NAME_LOCALS)) {
            subsections.put(NAME_LOCALS, locals.toByteArray());
        }
        if (subsections.containsKey(NAME_LABELS)) {
            subsections.put(NAME_LABELS, labels.toByteArray());
        }
        subsections.put(NAME_MEMORIES, nameMap(memories));
        Linker.Buf out = new Linker.Buf();
        subsections.forEach((id, contents) -> {
            out.write(id);
            out.u32(contents.length);
            out.writeBytes(contents);
        });
        return out.toByteArray();
    }

    /** Splits the section into subsections, checking their framing. */
    private static void read(WasmReader r, Custom c, Map<Integer, byte[]> into) {
        r.section("custom 'name'");
        r.pos(c.payload().start());
        r.limit(c.payload().end());
        int last = -1;
        while (!r.atEnd()) {
            int at = r.pos();
            int id = r.u8();
            if (id <= last) {
                throw r.errorAt(at, "name subsection " + id + " out of order or repeated");
            }
            last = id;
            int size = r.u32();
            into.put(id, r.take(size));
        }
    }

    interface Entry {
        void accept(int index, String name, int at);
    }

    private static void readNameMap(WasmReader section, byte[] contents, Entry entry) {
        WasmReader r = new WasmReader(section.input(), contents);
        r.section("custom 'name'");
        readNameMap(r, entry);
        if (!r.atEnd()) {
            throw r.error("name map has " + r.remaining() + " trailing bytes");
        }
    }

    private static void readNameMap(WasmReader r, Entry entry) {
        int n = r.count("name", 2);
        for (int i = 0; i < n; i++) {
            int at = r.pos();
            int index = r.u32();
            entry.accept(index, r.name(), at);
        }
    }

    private static void remapIndirect(WasmReader section, byte[] contents, Remap gm, int shellBase, Linker.Buf out) {
        if (contents == null) {
            return;
        }
        WasmReader r = new WasmReader(section.input(), contents);
        r.section("custom 'name'");
        int n = r.count("indirect name", 2);
        Linker.Buf entries = new Linker.Buf();
        int kept = 0;
        for (int i = 0; i < n; i++) {
            int at = r.pos();
            int merged = gm.map(Remap.FUNC, r.u32(), r, at);
            Map<Integer, String> names = new TreeMap<>();
            readNameMap(r, (idx, name, a) -> names.put(idx, name));
            if (merged < shellBase) {
                entries.u32(merged);
                entries.writeBytes(nameMap(names));
                kept++;
            }
        }
        if (!r.atEnd()) {
            throw r.error("indirect name map has " + r.remaining() + " trailing bytes");
        }
        out.u32(kept);
        entries.appendTo(out);
    }

    private static byte[] nameMap(Map<Integer, String> names) {
        Linker.Buf b = new Linker.Buf();
        b.u32(names.size());
        names.forEach((i, name) -> {
            b.u32(i);
            b.name(name);
        });
        return b.toByteArray();
    }
}
