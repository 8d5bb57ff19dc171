package dev.tvm.cli;

import com.dylibso.chicory.runtime.ImportValue;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Import;
import dev.tvm.guest.wasm.WasmBinary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reading a guest module for the CLI, with one-line explanations: what is wrong with a file that
 * is not a module, which imports a module needs that nobody provides, which functions it exports.
 */
final class WasmFiles {
    private static final int MAX_LISTED = 20;

    private WasmFiles() {}

    /** Parses {@code file}; a {@link CliError} naming the file if it cannot be read or is not a module. */
    static WasmModule parse(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CliError(
                    Exit.IO,
                    file.toString(),
                    "cannot read: " + ErrorReporter.describe(e),
                    "check the path and its permissions",
                    e);
        }
        try {
            return Parser.parse(bytes);
        } catch (RuntimeException | StackOverflowError e) {
            throw invalid(file, bytes, e);
        }
    }

    /** The error for a module Chicory refused to parse or instantiate as malformed or invalid. */
    static CliError invalid(Path file, byte[] bytes, Throwable chicory) {
        String defect = bytes == null ? null : defect(bytes);
        String reason = ErrorReporter.describe(chicory);
        return new CliError(
                Exit.USAGE,
                file.toString(),
                "not a valid WebAssembly module: " + (defect != null ? defect + " (Chicory: " + reason + ")" : reason),
                "give a core wasm binary (.wasm, not text .wat), complete and as the compiler wrote it",
                chicory);
    }

    /**
     * What is structurally wrong with {@code bytes}, found by walking the header and the section
     * sizes; null if the structure is sound (the fault, if any, is inside a section).
     */
    static String defect(byte[] bytes) {
        if (bytes.length == 0) {
            return "the file is empty";
        }
        String text = new String(bytes, 0, Math.min(bytes.length, 256), StandardCharsets.ISO_8859_1)
                .replaceAll("(?s)^(\\s|;;[^\n]*\n)*", "");
        if (text.startsWith("(module") || text.startsWith("(component")) {
            return "it is WebAssembly text (.wat); compile it to a binary first, e.g. with wat2wasm";
        }
        if (bytes.length < WasmBinary.PREAMBLE_BYTES) {
            return "only " + bytes.length + " bytes, shorter than the " + WasmBinary.PREAMBLE_BYTES
                    + "-byte wasm header";
        }
        if (bytes[0] != 0 || bytes[1] != 'a' || bytes[2] != 's' || bytes[3] != 'm') {
            return String.format(
                    Locale.ROOT,
                    "it does not start with the wasm magic 00 61 73 6d but with %02x %02x %02x %02x",
                    bytes[0],
                    bytes[1],
                    bytes[2],
                    bytes[3]);
        }
        if (bytes[4] != 1 || bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0) {
            return bytes[6] == 1 && bytes[7] == 0
                    ? "it is a component (component model), not a core module"
                    : "unsupported binary version "
                            + String.format(Locale.ROOT, "%02x %02x %02x %02x", bytes[4], bytes[5], bytes[6], bytes[7]);
        }
        int pos = WasmBinary.PREAMBLE_BYTES;
        while (pos < bytes.length) {
            int start = pos;
            int id = bytes[pos++] & 0xFF;
            if (!WasmBinary.isKnownSection(id)) {
                return "unknown section id " + id + " at offset " + start;
            }
            String name = WasmBinary.sectionName(id);
            long size = 0;
            int shift = 0;
            while (true) {
                if (pos >= bytes.length) {
                    return "truncated in the header of the " + name + " section at offset " + start + " (the file is "
                            + bytes.length + " bytes)";
                }
                int b = bytes[pos++] & 0xFF;
                size |= (long) (b & 0x7F) << shift;
                shift += 7;
                if ((b & 0x80) == 0) {
                    break;
                }
                if (shift > 28) {
                    return "bad size of the " + name + " section at offset " + start;
                }
            }
            long remaining = (long) bytes.length - pos;
            if (size > remaining) {
                return "truncated: the " + name + " section at offset " + start + " declares " + size
                        + " bytes but only " + remaining + " remain (the file is " + bytes.length + " bytes)";
            }
            pos += (int) size;
        }
        return null;
    }

    /** The imports of {@code module} that {@code provided} does not satisfy, as "kind module.name". */
    static List<String> unresolvedImports(WasmModule module, Collection<? extends ImportValue> provided) {
        Set<String> functions = new HashSet<>();
        for (ImportValue v : provided) {
            if (v.type() == ImportValue.Type.FUNCTION) {
                functions.add(v.module() + "." + v.name());
            }
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < module.importSection().importCount(); i++) {
            Import imp = module.importSection().getImport(i);
            String qualified = imp.module() + "." + imp.name();
            if (imp.importType() != ExternalType.FUNCTION || !functions.contains(qualified)) {
                missing.add(imp.importType().name().toLowerCase(Locale.ROOT) + " " + qualified);
            }
        }
        return missing;
    }

    /** Names of the functions {@code module} exports. */
    static List<String> exportedFunctions(WasmModule module) {
        ExportSection exports = module.exportSection();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < exports.exportCount(); i++) {
            Export e = exports.getExport(i);
            if (e.exportType() == ExternalType.FUNCTION) {
                names.add(e.name());
            }
        }
        return names;
    }

    /** "a, b, c" with at most 20 entries and "... and N more". */
    static String list(List<String> items) {
        if (items.isEmpty()) {
            return "none";
        }
        String shown = String.join(", ", items.subList(0, Math.min(items.size(), MAX_LISTED)));
        return items.size() > MAX_LISTED ? shown + ", ... and " + (items.size() - MAX_LISTED) + " more" : shown;
    }
}
