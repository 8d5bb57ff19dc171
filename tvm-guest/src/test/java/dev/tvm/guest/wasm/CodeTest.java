package dev.tvm.guest.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Instruction and module encodings against bytes worked out from the spec. */
class CodeTest {
    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    @Test
    void memargOfMemoryZeroIsTheShortForm() {
        assertArrayEquals(b(0x28, 0x02, 0x10), new Code(0).i32Load(0, 16).instructions());
        assertArrayEquals(b(0x37, 0x03, 0x00), new Code(0).i64Store(0, 0).instructions());
    }

    @Test
    void memargOfAnotherMemorySetsBit6ThenTheIndex() {
        // i64.load align=3|0x40, memidx 3, offset 8
        assertArrayEquals(b(0x29, 0x43, 0x03, 0x08), new Code(0).i64Load(3, 8).instructions());
        // memory 200 needs two LEB bytes
        assertArrayEquals(
                b(0x36, 0x42, 0xc8, 0x01, 0x00), new Code(0).i32Store(200, 0).instructions());
        assertArrayEquals(b(0x2d, 0x40, 0x01, 0x00), new Code(0).i32Load8U(1, 0).instructions());
    }

    @Test
    void bulkMemoryAndSizeGrowCarryMemoryIndices() {
        assertArrayEquals(
                b(0xfc, 0x0a, 0x02, 0x05), new Code(0).memoryCopy(2, 5).instructions());
        assertArrayEquals(b(0xfc, 0x0b, 0x07), new Code(0).memoryFill(7).instructions());
        assertArrayEquals(b(0x3f, 0x00), new Code(0).memorySize(0).instructions());
        assertArrayEquals(b(0x40, 0x81, 0x02), new Code(0).memoryGrow(257).instructions());
    }

    @Test
    void constantsControlAndLocals() {
        assertArrayEquals(
                b(0x41, 0x40, 0x42, 0xc0, 0x00),
                new Code(0).i32Const(-64).i64Const(64).instructions());
        assertArrayEquals(
                b(0x02, 0x40, 0x03, 0x40, 0x0e, 0x02, 0x00, 0x01, 0x02, 0x0b, 0x0b),
                new Code(0)
                        .block()
                        .loop()
                        .brTable(new int[] {0, 1}, 2)
                        .end()
                        .end()
                        .instructions());
        Code c = new Code(1);
        int a = c.local(ValType.I32);
        int b2 = c.local(ValType.I32);
        int d = c.local(ValType.I64);
        c.localGet(a).localSet(b2).localGet(d).drop();
        // size, 2 groups: (2 x i32) (1 x i64), local.get 1, local.set 2, local.get 3, drop, end
        assertArrayEquals(
                b(0x0d, 0x02, 0x02, 0x7f, 0x01, 0x7e, 0x20, 0x01, 0x21, 0x02, 0x20, 0x03, 0x1a, 0x0b), c.encode());
    }

    @Test
    void smallestModuleWithTwoMemoriesAndAnExport() {
        ModuleBuilder m = new ModuleBuilder();
        int f = m.function(new FuncType(List.of(), List.of(ValType.I32)));
        m.body(f, new Code(0).i32Const(7));
        m.memory(1, -1);
        m.memory(0, 2);
        m.exportFunction("f", f);
        m.data(1, 4, new byte[] {9});
        byte[] expected = b(
                0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // preamble
                0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
                0x03, 0x02, 0x01, 0x00, // function: type 0
                0x05, 0x06, 0x02, 0x00, 0x01, 0x01, 0x00, 0x02, // memories {1} {0,2}
                0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f" func 0
                0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x07, 0x0b, // code
                0x0b, 0x08, 0x01, 0x02, 0x01, 0x41, 0x04, 0x0b, 0x01, 0x09); // data in memory 1
        assertArrayEquals(expected, m.build());
    }
}
