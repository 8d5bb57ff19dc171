package dev.tvm.guest.wasm;

import java.io.ByteArrayOutputStream;

/**
 * LEB128 encodings as the WebAssembly binary format uses them (core spec 5.2.2, "Integers").
 *
 * <ul>
 *   <li><b>Unsigned</b> ({@code u32}, {@code u64}): seven bits per byte, least significant group
 *       first; bit 7 of each byte is set when more bytes follow. The encoder emits the shortest
 *       form; {@code u32} takes at most 5 bytes, {@code u64} at most 10.
 *   <li><b>Signed</b> ({@code s32}, {@code s64}, used for {@code i32.const}/{@code i64.const} and
 *       block types): two's complement, seven bits per byte; encoding stops once the remaining
 *       value is all sign bits <em>and</em> bit 6 of the last byte written equals the sign, so a
 *       decoder sign-extends correctly (e.g. 64 is {@code C0 00}, -64 is {@code 40}).
 * </ul>
 */
public final class Leb128 {
    private Leb128() {}

    /** Writes {@code value} as an unsigned 32-bit LEB128 (the int is read as unsigned). */
    public static void writeU32(ByteArrayOutputStream out, int value) {
        writeU64(out, Integer.toUnsignedLong(value));
    }

    /** Writes {@code value} as an unsigned 64-bit LEB128 (the long is read as unsigned). */
    public static void writeU64(ByteArrayOutputStream out, long value) {
        do {
            int b = (int) (value & 0x7f);
            value >>>= 7;
            if (value != 0) {
                b |= 0x80;
            }
            out.write(b);
        } while (value != 0);
    }

    /** Writes {@code value} as a signed 32-bit LEB128. */
    public static void writeS32(ByteArrayOutputStream out, int value) {
        writeS64(out, value);
    }

    /** Writes {@code value} as a signed 64-bit LEB128. */
    public static void writeS64(ByteArrayOutputStream out, long value) {
        while (true) {
            int b = (int) (value & 0x7f);
            value >>= 7;
            boolean done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
            if (done) {
                out.write(b);
                return;
            }
            out.write(b | 0x80);
        }
    }

    /** The unsigned encoding as a fresh array. */
    public static byte[] u32(int value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeU32(out, value);
        return out.toByteArray();
    }

    /** The unsigned 64-bit encoding as a fresh array. */
    public static byte[] u64(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeU64(out, value);
        return out.toByteArray();
    }

    /** The signed 32-bit encoding as a fresh array. */
    public static byte[] s32(int value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeS32(out, value);
        return out.toByteArray();
    }

    /** The signed 64-bit encoding as a fresh array. */
    public static byte[] s64(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeS64(out, value);
        return out.toByteArray();
    }
}
