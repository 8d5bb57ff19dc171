package dev.tvm.guest.wasm;

import java.io.ByteArrayOutputStream;

/**
 * The numbers of the WebAssembly binary format (core spec 5.5 and the multi-memory and exception
 * handling extensions) that the module builder, the shell generator and the linker write or check:
 * the preamble, section ids and their order, external kinds, type and limits forms, segment flags
 * and the few opcodes a constant expression or a synthesised body needs. Instruction opcodes of
 * function bodies stay with the instructions ({@link Code}'s methods, the linker's rewriter).
 *
 * <pre>
 * module  = magic:"\0asm" version:u32(1) section*
 * section = id:u8 size:u32 contents            ids below; customs (0) anywhere
 * order   = type import function table memory tag global export start element datacount code data
 * </pre>
 */
public final class WasmBinary {
    private WasmBinary() {}

    /** The magic number {@code \0asm}, as a little-endian u32. */
    public static final int MAGIC = 0x6d736100;
    /** The binary version of a core module. */
    public static final int VERSION = 1;
    /** Bytes of the preamble (magic and version). */
    public static final int PREAMBLE_BYTES = 8;

    /** Custom section (name, then free-form bytes); may appear anywhere. */
    public static final int SECTION_CUSTOM = 0;
    /** Type section. */
    public static final int SECTION_TYPE = 1;
    /** Import section. */
    public static final int SECTION_IMPORT = 2;
    /** Function section (type index per defined function). */
    public static final int SECTION_FUNCTION = 3;
    /** Table section. */
    public static final int SECTION_TABLE = 4;
    /** Memory section. */
    public static final int SECTION_MEMORY = 5;
    /** Global section. */
    public static final int SECTION_GLOBAL = 6;
    /** Export section. */
    public static final int SECTION_EXPORT = 7;
    /** Start section. */
    public static final int SECTION_START = 8;
    /** Element section. */
    public static final int SECTION_ELEMENT = 9;
    /** Code section (function bodies). */
    public static final int SECTION_CODE = 10;
    /** Data section. */
    public static final int SECTION_DATA = 11;
    /** Data count section. */
    public static final int SECTION_DATA_COUNT = 12;
    /** Tag section (exception handling). */
    public static final int SECTION_TAG = 13;

    /** Non-custom section ids in the order a module must have them (data count before code, tag after memory). */
    private static final int[] SECTION_ORDER = {
        SECTION_TYPE,
        SECTION_IMPORT,
        SECTION_FUNCTION,
        SECTION_TABLE,
        SECTION_MEMORY,
        SECTION_TAG,
        SECTION_GLOBAL,
        SECTION_EXPORT,
        SECTION_START,
        SECTION_ELEMENT,
        SECTION_DATA_COUNT,
        SECTION_CODE,
        SECTION_DATA
    };

    private static final String[] SECTION_NAMES = {
        "custom",
        "type",
        "import",
        "function",
        "table",
        "memory",
        "global",
        "export",
        "start",
        "element",
        "code",
        "data",
        "data count",
        "tag"
    };

    /** External kind of a function import or export. */
    public static final int KIND_FUNC = 0;
    /** External kind of a table. */
    public static final int KIND_TABLE = 1;
    /** External kind of a memory. */
    public static final int KIND_MEMORY = 2;
    /** External kind of a global. */
    public static final int KIND_GLOBAL = 3;
    /** External kind of a tag. */
    public static final int KIND_TAG = 4;

    /** The form byte that starts a function type. */
    public static final int FUNC_TYPE_FORM = 0x60;
    /** Block type of a block without results. */
    public static final int EMPTY_BLOCK_TYPE = 0x40;
    /** Limits flag: a minimum only. */
    public static final int LIMITS_MIN = 0x00;
    /** Limits flag: a minimum and a maximum. */
    public static final int LIMITS_MIN_MAX = 0x01;
    /** Tag attribute of an exception tag. */
    public static final int TAG_EXCEPTION = 0x00;

    /** Data segment flag: active, memory 0. */
    public static final int DATA_ACTIVE = 0;
    /** Data segment flag: passive. */
    public static final int DATA_PASSIVE = 1;
    /** Data segment flag: active, explicit memory index. */
    public static final int DATA_ACTIVE_MEMORY = 2;

    /** Subsection id of the function names in the {@code name} custom section. */
    public static final int NAME_FUNCTIONS = 1;
    /** Subsection id of the local names in the {@code name} custom section. */
    public static final int NAME_LOCALS = 2;
    /** Subsection id of the label names in the {@code name} custom section. */
    public static final int NAME_LABELS = 3;
    /** Subsection id of the memory names in the {@code name} custom section. */
    public static final int NAME_MEMORIES = 6;

    /** Opcode {@code end}, closing a body, block or constant expression. */
    public static final int OP_END = 0x0b;
    /** Opcode {@code call}. */
    public static final int OP_CALL = 0x10;
    /** Opcode {@code i32.const}. */
    public static final int OP_I32_CONST = 0x41;
    /** Opcode {@code i64.const}. */
    public static final int OP_I64_CONST = 0x42;

    /** Bytes of a memory page. */
    public static final int PAGE_BYTES = 1 << 16;
    /** log2 of {@link #PAGE_BYTES}: a byte count shifted right by this is a page count. */
    public static final int PAGE_SHIFT = 16;

    /** Writes the preamble: the magic number and version 1. */
    public static void writePreamble(ByteArrayOutputStream out) {
        out.writeBytes(new byte[] {0x00, 0x61, 0x73, 0x6d, VERSION, 0x00, 0x00, 0x00});
    }

    /** The position of section {@code id} in the required order (1-based), or -1 for an unknown or custom id. */
    public static int sectionOrder(int id) {
        for (int i = 0; i < SECTION_ORDER.length; i++) {
            if (SECTION_ORDER[i] == id) {
                return i + 1;
            }
        }
        return -1;
    }

    /** Whether {@code id} is a section id this format knows (custom included). */
    public static boolean isKnownSection(int id) {
        return id == SECTION_CUSTOM || sectionOrder(id) > 0;
    }

    /** The spec's name of section {@code id}, or {@code "unknown <id>"}. */
    public static String sectionName(int id) {
        return id >= 0 && id < SECTION_NAMES.length ? SECTION_NAMES[id] : "unknown " + id;
    }
}
