package dev.tvm.guest.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** LEB128 against byte sequences computed by hand (and the spec's examples). */
class Leb128Test {
    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    @Test
    void unsigned32() {
        assertArrayEquals(b(0x00), Leb128.u32(0));
        assertArrayEquals(b(0x01), Leb128.u32(1));
        assertArrayEquals(b(0x7f), Leb128.u32(127));
        assertArrayEquals(b(0x80, 0x01), Leb128.u32(128));
        assertArrayEquals(b(0xe5, 0x8e, 0x26), Leb128.u32(624485));
        assertArrayEquals(b(0xff, 0xff, 0x03), Leb128.u32(65535));
        assertArrayEquals(b(0x80, 0x80, 0x04), Leb128.u32(65536));
        assertArrayEquals(b(0xff, 0xff, 0xff, 0xff, 0x07), Leb128.u32(Integer.MAX_VALUE));
        assertArrayEquals(b(0x80, 0x80, 0x80, 0x80, 0x08), Leb128.u32(Integer.MIN_VALUE));
        assertArrayEquals(b(0xff, 0xff, 0xff, 0xff, 0x0f), Leb128.u32(-1));
    }

    @Test
    void unsigned64() {
        assertArrayEquals(b(0x00), Leb128.u64(0));
        assertArrayEquals(b(0x80, 0x80, 0x80, 0x80, 0x10), Leb128.u64(1L << 32));
        assertArrayEquals(b(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), Leb128.u64(-1L));
        assertArrayEquals(b(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), Leb128.u64(Long.MIN_VALUE));
        assertArrayEquals(b(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), Leb128.u64(Long.MAX_VALUE));
    }

    @Test
    void signed32() {
        assertArrayEquals(b(0x00), Leb128.s32(0));
        assertArrayEquals(b(0x01), Leb128.s32(1));
        assertArrayEquals(b(0x7f), Leb128.s32(-1));
        assertArrayEquals(b(0x3f), Leb128.s32(63));
        assertArrayEquals(b(0xc0, 0x00), Leb128.s32(64));
        assertArrayEquals(b(0x40), Leb128.s32(-64));
        assertArrayEquals(b(0xbf, 0x7f), Leb128.s32(-65));
        assertArrayEquals(b(0x80, 0x7f), Leb128.s32(-128));
        assertArrayEquals(b(0xc0, 0xbb, 0x78), Leb128.s32(-123456));
        assertArrayEquals(b(0xff, 0xff, 0xff, 0xff, 0x07), Leb128.s32(Integer.MAX_VALUE));
        assertArrayEquals(b(0x80, 0x80, 0x80, 0x80, 0x78), Leb128.s32(Integer.MIN_VALUE));
    }

    @Test
    void signed64() {
        assertArrayEquals(b(0x7f), Leb128.s64(-1L));
        assertArrayEquals(b(0x80, 0x80, 0x80, 0x80, 0x10), Leb128.s64(1L << 32));
        assertArrayEquals(b(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00), Leb128.s64(Long.MAX_VALUE));
        assertArrayEquals(b(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f), Leb128.s64(Long.MIN_VALUE));
        assertArrayEquals(b(0x80, 0x80, 0x80, 0x80, 0x70), Leb128.s64(-(1L << 32)));
    }
}
