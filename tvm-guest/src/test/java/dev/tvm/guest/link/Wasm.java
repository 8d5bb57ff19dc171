package dev.tvm.guest.link;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A tiny test DSL for writing module bytes by hand: {@code module(sec(1, ...), ...)}. Parts are
 * ints (one byte each), byte arrays (copied) and strings (written as a length-prefixed name).
 */
final class Wasm {
    private Wasm() {}

    static byte[] b(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof Integer i) {
                out.write(i);
            } else if (p instanceof byte[] bytes) {
                out.writeBytes(bytes);
            } else if (p instanceof String s) {
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                out.writeBytes(u32(utf8.length));
                out.writeBytes(utf8);
            } else {
                throw new IllegalArgumentException(String.valueOf(p));
            }
        }
        return out.toByteArray();
    }

    static byte[] u32(int v) {
        return dev.tvm.guest.wasm.Leb128.u32(v);
    }

    static byte[] module(byte[]... sections) {
        return b(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, b((Object[]) sections));
    }

    static byte[] sec(int id, Object... contents) {
        byte[] c = b(contents);
        return b(id, u32(c.length), c);
    }

    /** One type, {@code () -> ()}. */
    static byte[] voidType() {
        return sec(1, 1, 0x60, 0, 0);
    }

    /** A function section of one function of type 0. */
    static byte[] oneFunction() {
        return sec(3, 1, 0);
    }

    /** A code section of one body: no locals, then {@code instructions} (which must end it). */
    static byte[] code(Object... instructions) {
        byte[] body = b(0, b(instructions));
        return sec(10, 1, u32(body.length), body);
    }

    /** A module with one {@code () -> ()} function whose body is {@code instructions}. */
    static byte[] function(Object... instructions) {
        return module(voidType(), oneFunction(), code(instructions));
    }

    /** Same with a memory, so memory instructions have one to name. */
    static byte[] functionWithMemory(Object... instructions) {
        return module(voidType(), oneFunction(), sec(5, 1, 0, 1), code(instructions));
    }
}
