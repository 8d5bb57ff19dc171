package dev.tvm.guest.link;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked cursor over a module's bytes. Every read checks against the current limit (the
 * end of the section being read), so a truncated or overlong item is reported at its offset instead
 * of spilling into the next section. Errors carry the input's name and the current section.
 */
final class WasmReader {
    private final String input;
    private final byte[] bytes;
    private int pos;
    private int limit;
    private String section = "preamble";

    WasmReader(String input, byte[] bytes) {
        this.input = input;
        this.bytes = bytes;
        this.limit = bytes.length;
    }

    String input() {
        return input;
    }

    byte[] bytes() {
        return bytes;
    }

    int pos() {
        return pos;
    }

    void pos(int p) {
        pos = p;
    }

    int limit() {
        return limit;
    }

    void limit(int l) {
        limit = l;
    }

    String section() {
        return section;
    }

    void section(String s) {
        section = s;
    }

    boolean atEnd() {
        return pos >= limit;
    }

    int remaining() {
        return limit - pos;
    }

    LinkException error(String message) {
        return new LinkException(input, section, pos, message);
    }

    LinkException errorAt(int at, String message) {
        return new LinkException(input, section, at, message);
    }

    int u8() {
        if (pos >= limit) {
            throw error(pos >= bytes.length ? "unexpected end of input" : "unexpected end of section");
        }
        return bytes[pos++] & 0xff;
    }

    byte[] take(int n) {
        if (n < 0 || n > remaining()) {
            throw error("needs " + Integer.toUnsignedString(n) + " bytes, " + remaining() + " left");
        }
        byte[] out = new byte[n];
        System.arraycopy(bytes, pos, out, 0, n);
        pos += n;
        return out;
    }

    /** An unsigned LEB128 value of at most 32 bits. */
    int u32() {
        return (int) unsigned(32);
    }

    /** A u32 used as a count of items that each take at least {@code minBytes} bytes. */
    int count(String what, int minBytes) {
        int at = pos;
        int n = u32();
        if (n < 0 || (long) n * minBytes > remaining()) {
            throw errorAt(
                    at,
                    what + " count " + Integer.toUnsignedString(n) + " exceeds the section's " + remaining()
                            + " remaining bytes");
        }
        return n;
    }

    /** An unsigned LEB128 value of at most 64 bits. */
    long u64() {
        return unsigned(64);
    }

    /**
     * An unsigned LEB128 value of {@code bits} (32 or 64) bits: at most {@code ceil(bits / 7)}
     * bytes, and the last byte may not carry bits beyond {@code bits}.
     */
    private long unsigned(int bits) {
        int start = pos;
        int maxBytes = (bits + 6) / 7;
        long result = 0;
        for (int i = 0; ; i++) {
            int b = u8();
            if (i == maxBytes - 1) {
                int used = bits - 7 * i;
                if ((b & 0x80) != 0) {
                    throw errorAt(start, "u" + bits + " LEB128 longer than " + maxBytes + " bytes");
                }
                if ((b >>> used) != 0) {
                    throw errorAt(start, "u" + bits + " LEB128 overflows " + bits + " bits");
                }
            }
            result |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                return result;
            }
        }
    }

    /** A signed LEB128 value of {@code bits} bits (32, 33 or 64). */
    long signed(int bits) {
        int start = pos;
        long result = 0;
        int shift = 0;
        int maxBytes = (bits + 6) / 7;
        for (int i = 0; ; i++) {
            int b = u8();
            if (i == maxBytes - 1) {
                // the unused bits of the last byte must be a sign extension of the value's top bit
                int used = bits - 7 * i;
                int mask = (0x7f >> used) << used & 0x7f;
                int sign = (b >> (used - 1)) & 1;
                if ((b & 0x80) != 0 || (b & mask) != (sign == 1 ? mask : 0)) {
                    throw errorAt(start, "s" + bits + " LEB128 out of range");
                }
            }
            result |= (long) (b & 0x7f) << shift;
            shift += 7;
            if ((b & 0x80) == 0) {
                if (shift < 64 && (b & 0x40) != 0) {
                    result |= -1L << shift;
                }
                return result;
            }
        }
    }

    String name() {
        int n = u32();
        int at = pos;
        byte[] raw = take(n);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw))
                    .toString();
        } catch (CharacterCodingException e) {
            throw errorAt(at, "name is not valid UTF-8");
        }
    }
}
