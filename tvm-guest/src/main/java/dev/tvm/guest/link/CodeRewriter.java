package dev.tvm.guest.link;

import dev.tvm.guest.link.ParsedModule.Span;
import dev.tvm.guest.wasm.Leb128;
import java.io.ByteArrayOutputStream;

/**
 * Decodes function bodies and constant expressions instruction by instruction and writes them back
 * with every index immediate (function, type, table, memory, global, element, data, tag) passed
 * through a {@link Remap}. Everything else is copied. The decoder knows the immediates of the core
 * instruction set of WebAssembly 3.0 without GC: MVP, sign extension, saturating truncation, bulk
 * memory and reference types, multi-memory, SIMD and relaxed SIMD, threads (atomics), tail calls,
 * typed function references' call_ref/br_on_null, and both exception-handling encodings. An
 * unknown opcode is an error naming its offset; nothing is passed through undecoded.
 *
 * <p>Memory arguments are re-encoded for the merged memory index: {@code align} alone when the
 * memory is 0, {@code align | 0x40, memidx} otherwise (the multi-memory encoding).
 */
final class CodeRewriter {
    /** Engines refuse functions with more locals than this (V8's and Chicory's limit is 50,000). */
    static final int MAX_LOCALS = 50_000;

    private final WasmReader r;
    private final Remap m;
    private final ByteArrayOutputStream o;

    private CodeRewriter(WasmReader r, Remap m, ByteArrayOutputStream o) {
        this.r = r;
        this.m = m;
        this.o = o;
    }

    /** Reads a constant expression up to and including its {@code end}, checking its opcodes. */
    static void skipConstExpr(WasmReader r) {
        new CodeRewriter(r, null, new ByteArrayOutputStream()).constExpr();
    }

    /** Rewrites the constant expression at {@code span} into {@code out}. */
    static void rewriteConstExpr(WasmReader r, Span span, Remap m, ByteArrayOutputStream out) {
        int saved = r.limit();
        r.pos(span.start());
        r.limit(span.end());
        new CodeRewriter(r, m, out).constExpr();
        r.limit(saved);
    }

    /** Rewrites the function body at {@code span}, writing it to {@code out} with its size prefix. */
    static void rewriteBody(WasmReader r, Span span, Remap m, ByteArrayOutputStream out) {
        r.pos(span.start());
        r.limit(span.end());
        ByteArrayOutputStream body = new ByteArrayOutputStream(span.end() - span.start() + 16);
        CodeRewriter cw = new CodeRewriter(r, m, body);
        cw.locals();
        cw.instructions();
        if (r.pos() != span.end()) {
            throw r.error("function body has " + (span.end() - r.pos()) + " bytes after its final end");
        }
        Leb128.writeU32(out, body.size());
        out.writeBytes(body.toByteArray());
    }

    private void locals() {
        int groups = r.count("local group", 2);
        Leb128.writeU32(o, groups);
        long total = 0;
        for (int i = 0; i < groups; i++) {
            int at = r.pos();
            int n = r.u32();
            total += Integer.toUnsignedLong(n);
            if (total > MAX_LOCALS) {
                throw r.errorAt(at, "more than " + MAX_LOCALS + " locals in one function");
            }
            Leb128.writeU32(o, n);
            o.write(ValTypes.read(r));
        }
    }

    private void constExpr() {
        while (true) {
            int at = r.pos();
            int op = r.u8();
            switch (op) {
                case 0x0b -> {
                    o.write(op);
                    return;
                }
                case 0x41, 0x42, 0x43, 0x44, 0x23, 0xd0, 0xd2, 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e -> simple(op, at);
                case 0xfd -> {
                    int sub = r.u32();
                    if (sub != 12) {
                        throw r.errorAt(at, "SIMD opcode " + sub + " is not allowed in a constant expression");
                    }
                    o.write(op);
                    Leb128.writeU32(o, sub);
                    o.writeBytes(r.take(16));
                }
                default -> throw r.errorAt(
                        at, String.format("opcode 0x%02x is not allowed in a constant expression", op));
            }
        }
    }

    /** Decodes up to the {@code end} closing depth 0. */
    private void instructions() {
        int depth = 0;
        while (true) {
            int at = r.pos();
            int op = r.u8();
            switch (op) {
                case 0x0b -> {
                    o.write(op);
                    if (depth == 0) {
                        return;
                    }
                    depth--;
                }
                case 0x02, 0x03, 0x04, 0x06 -> {
                    o.write(op);
                    blockType();
                    depth++;
                }
                case 0x1f -> { // try_table bt vec(catch)
                    o.write(op);
                    blockType();
                    int n = r.count("catch clause", 2);
                    Leb128.writeU32(o, n);
                    for (int i = 0; i < n; i++) {
                        int kAt = r.pos();
                        int kind = r.u8();
                        o.write(kind);
                        if (kind == 0 || kind == 1) {
                            index(Remap.TAG);
                        } else if (kind != 2 && kind != 3) {
                            throw r.errorAt(kAt, "unknown catch clause kind " + kind);
                        }
                        copyU32(); // label
                    }
                    depth++;
                }
                case 0x18 -> { // delegate: ends a try block
                    if (depth == 0) {
                        throw r.errorAt(at, "delegate outside a try block");
                    }
                    o.write(op);
                    copyU32();
                    depth--;
                }
                default -> simple(op, at);
            }
        }
    }

    /** An instruction that neither opens nor closes a block. */
    private void simple(int op, int at) {
        if ((op >= 0x45 && op <= 0xc4)
                || op == 0x00
                || op == 0x01
                || op == 0x05
                || op == 0x0a
                || op == 0x0f
                || op == 0x19
                || op == 0x1a
                || op == 0x1b
                || op == 0xd1
                || op == 0xd3
                || op == 0xd4) {
            o.write(op);
            return;
        }
        o.write(op);
        switch (op) {
            case 0x07, 0x08 -> index(Remap.TAG);
            case 0x09, 0x0c, 0x0d, 0xd5, 0xd6, 0x20, 0x21, 0x22 -> copyU32();
            case 0x0e -> {
                int n = r.count("br_table target", 1);
                Leb128.writeU32(o, n);
                for (int i = 0; i <= n; i++) {
                    copyU32();
                }
            }
            case 0x10, 0x12, 0xd2 -> index(Remap.FUNC);
            case 0x11, 0x13 -> {
                index(Remap.TYPE);
                index(Remap.TABLE);
            }
            case 0x14, 0x15 -> index(Remap.TYPE);
            case 0x1c -> {
                int n = r.count("select type", 1);
                Leb128.writeU32(o, n);
                for (int i = 0; i < n; i++) {
                    o.write(ValTypes.read(r));
                }
            }
            case 0x23, 0x24 -> index(Remap.GLOBAL);
            case 0x25, 0x26 -> index(Remap.TABLE);
            case 0x3f, 0x40 -> index(Remap.MEMORY);
            case 0x41 -> Leb128.writeS32(o, (int) r.signed(32));
            case 0x42 -> Leb128.writeS64(o, r.signed(64));
            case 0x43 -> o.writeBytes(r.take(4));
            case 0x44 -> o.writeBytes(r.take(8));
            case 0xd0 -> heapType();
            case 0xfc -> prefixedFc(at);
            case 0xfd -> prefixedSimd(at);
            case 0xfe -> prefixedAtomic(at);
            default -> {
                if (op >= 0x28 && op <= 0x3e) {
                    memarg();
                } else {
                    throw r.errorAt(
                            at,
                            String.format(
                                    "unknown or unsupported opcode 0x%02x%s",
                                    op, op == 0xfb ? " (GC instructions are unsupported)" : ""));
                }
            }
        }
    }

    private void prefixedFc(int at) {
        int sub = r.u32();
        Leb128.writeU32(o, sub);
        switch (sub) {
            case 0, 1, 2, 3, 4, 5, 6, 7 -> {}
            case 8 -> { // memory.init data mem
                index(Remap.DATA);
                index(Remap.MEMORY);
            }
            case 9 -> index(Remap.DATA);
            case 10 -> {
                index(Remap.MEMORY);
                index(Remap.MEMORY);
            }
            case 11 -> index(Remap.MEMORY);
            case 12 -> { // table.init elem table
                index(Remap.ELEM);
                index(Remap.TABLE);
            }
            case 13 -> index(Remap.ELEM);
            case 14 -> {
                index(Remap.TABLE);
                index(Remap.TABLE);
            }
            case 15, 16, 17 -> index(Remap.TABLE);
            default -> throw r.errorAt(at, "unknown 0xfc opcode " + Integer.toUnsignedString(sub));
        }
    }

    private void prefixedSimd(int at) {
        int sub = r.u32();
        Leb128.writeU32(o, sub);
        if ((sub >= 0 && sub <= 11) || sub == 92 || sub == 93) {
            memarg();
        } else if (sub == 12 || sub == 13) {
            o.writeBytes(r.take(16));
        } else if (sub >= 21 && sub <= 34) {
            o.write(r.u8());
        } else if (sub >= 84 && sub <= 91) {
            memarg();
            o.write(r.u8());
        } else if (sub < 0 || sub > 0x113) {
            throw r.errorAt(at, "unknown SIMD opcode " + Integer.toUnsignedString(sub));
        }
    }

    private void prefixedAtomic(int at) {
        int sub = r.u32();
        Leb128.writeU32(o, sub);
        if (sub == 3) {
            int b = r.u8();
            if (b != 0) {
                throw r.errorAt(at, "atomic.fence takes a 0x00 byte, not " + b);
            }
            o.write(0);
        } else if ((sub >= 0 && sub <= 2) || (sub >= 0x10 && sub <= 0x4e)) {
            memarg();
        } else {
            throw r.errorAt(at, "unknown atomic opcode " + Integer.toUnsignedString(sub));
        }
    }

    private void memarg() {
        int at = r.pos();
        int flags = r.u32();
        if ((flags & ~0x7f) != 0 || (flags & 0x3f) > 16) {
            throw r.errorAt(at, "memory argument flags " + Integer.toUnsignedString(flags) + " invalid");
        }
        int memory = 0;
        int memAt = r.pos();
        if ((flags & 0x40) != 0) {
            memory = r.u32();
        }
        int merged = m == null ? memory : m.map(Remap.MEMORY, memory, r, memAt);
        int align = flags & 0x3f;
        if (merged == 0) {
            Leb128.writeU32(o, align);
        } else {
            Leb128.writeU32(o, align | 0x40);
            Leb128.writeU32(o, merged);
        }
        Leb128.writeU32(o, r.u32());
    }

    private void blockType() {
        int at = r.pos();
        int b = r.u8();
        if (b == 0x40 || ValTypes.isValType(b)) {
            o.write(b);
            return;
        }
        r.pos(at);
        long t = r.signed(33);
        if (t < 0) {
            throw r.errorAt(at, String.format("unsupported block type 0x%02x", b));
        }
        int merged = m == null ? (int) t : m.map(Remap.TYPE, (int) t, r, at);
        Leb128.writeS64(o, merged);
    }

    private void heapType() {
        int at = r.pos();
        long t = r.signed(33);
        if (t < 0) {
            if (t != -16 && t != -17) { // func, extern
                throw r.errorAt(at, "unsupported heap type " + t + " (only func and extern)");
            }
            Leb128.writeS64(o, t);
        } else {
            Leb128.writeS64(o, m == null ? t : m.map(Remap.TYPE, (int) t, r, at));
        }
    }

    private void index(int space) {
        int at = r.pos();
        int i = r.u32();
        Leb128.writeU32(o, m == null ? i : m.map(space, i, r, at));
    }

    private void copyU32() {
        Leb128.writeU32(o, r.u32());
    }
}
