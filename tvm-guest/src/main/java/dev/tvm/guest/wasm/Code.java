package dev.tvm.guest.wasm;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A function body under construction: its locals and its instruction stream (core spec 5.4 and
 * 5.5.13, with the multi-memory extension).
 *
 * <p>Encoding rules relied on here:
 *
 * <ul>
 *   <li>A body is {@code size:u32} then {@code vec(locals)} then the expression ending in {@code
 *       0x0B}; locals are run-length groups {@code (count:u32, valtype)}. Parameters take local
 *       indices 0..p-1, declared locals follow in declaration order.
 *   <li>Block types are {@code 0x40} (empty) or one value type byte.
 *   <li>{@code memarg} is {@code align:u32 offset:u32} where {@code align} is log2 of the
 *       alignment. Multi-memory: when the memory index is not 0, bit 6 ({@code 0x40}) of the
 *       alignment field is set and the memory index follows as a {@code u32} before the offset.
 *       Memory 0 uses the short form so the output stays valid MVP where it can.
 *   <li>{@code memory.size} / {@code memory.grow} are {@code 0x3F}/{@code 0x40} followed by the
 *       memory index as {@code u32} (the MVP's reserved {@code 0x00} byte is memory 0).
 *   <li>{@code memory.copy} is {@code 0xFC 10 dst:u32 src:u32} (destination memory first) and
 *       {@code memory.fill} is {@code 0xFC 11 mem:u32}; the sub-opcode is a {@code u32}.
 *   <li>Constants: {@code i32.const} takes an {@code s32}, {@code i64.const} an {@code s64}.
 * </ul>
 */
public final class Code {
    private final int paramCount;
    private final List<ValType> locals = new ArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A body for a function with {@code paramCount} parameters. */
    public Code(int paramCount) {
        this.paramCount = paramCount;
    }

    /** Declares a local and returns its index. */
    public int local(ValType type) {
        locals.add(type);
        return paramCount + locals.size() - 1;
    }

    private Code op(int opcode) {
        out.write(opcode);
        return this;
    }

    private Code u32(int v) {
        Leb128.writeU32(out, v);
        return this;
    }

    // ---- control

    public Code unreachable() {
        return op(0x00);
    }

    public Code nop() {
        return op(0x01);
    }

    /** {@code block} with an empty block type. */
    public Code block() {
        return op(0x02).op(0x40);
    }

    /** {@code block} yielding one value. */
    public Code block(ValType result) {
        return op(0x02).op(result.code());
    }

    public Code loop() {
        return op(0x03).op(0x40);
    }

    /** {@code if} with an empty block type. */
    public Code if_() {
        return op(0x04).op(0x40);
    }

    /** {@code if} yielding one value. */
    public Code if_(ValType result) {
        return op(0x04).op(result.code());
    }

    public Code else_() {
        return op(0x05);
    }

    public Code end() {
        return op(0x0b);
    }

    public Code br(int depth) {
        return op(0x0c).u32(depth);
    }

    public Code brIf(int depth) {
        return op(0x0d).u32(depth);
    }

    /** {@code br_table l* ld}: {@code targets} then the default label. */
    public Code brTable(int[] targets, int defaultDepth) {
        op(0x0e).u32(targets.length);
        for (int t : targets) {
            u32(t);
        }
        return u32(defaultDepth);
    }

    public Code return_() {
        return op(0x0f);
    }

    public Code call(int function) {
        return op(0x10).u32(function);
    }

    public Code drop() {
        return op(0x1a);
    }

    public Code select() {
        return op(0x1b);
    }

    // ---- variables

    public Code localGet(int i) {
        return op(0x20).u32(i);
    }

    public Code localSet(int i) {
        return op(0x21).u32(i);
    }

    public Code localTee(int i) {
        return op(0x22).u32(i);
    }

    public Code globalGet(int i) {
        return op(0x23).u32(i);
    }

    public Code globalSet(int i) {
        return op(0x24).u32(i);
    }

    // ---- memory

    private Code memarg(int memory, int alignLog2, int offset) {
        if (memory == 0) {
            u32(alignLog2);
        } else {
            u32(alignLog2 | 0x40);
            u32(memory);
        }
        return u32(offset);
    }

    public Code i32Load(int memory, int offset) {
        return op(0x28).memarg(memory, 2, offset);
    }

    public Code i64Load(int memory, int offset) {
        return op(0x29).memarg(memory, 3, offset);
    }

    public Code f32Load(int memory, int offset) {
        return op(0x2a).memarg(memory, 2, offset);
    }

    public Code f64Load(int memory, int offset) {
        return op(0x2b).memarg(memory, 3, offset);
    }

    public Code i32Load8U(int memory, int offset) {
        return op(0x2d).memarg(memory, 0, offset);
    }

    public Code i64Load32U(int memory, int offset) {
        return op(0x35).memarg(memory, 2, offset);
    }

    public Code i32Store(int memory, int offset) {
        return op(0x36).memarg(memory, 2, offset);
    }

    public Code i64Store(int memory, int offset) {
        return op(0x37).memarg(memory, 3, offset);
    }

    public Code f32Store(int memory, int offset) {
        return op(0x38).memarg(memory, 2, offset);
    }

    public Code f64Store(int memory, int offset) {
        return op(0x39).memarg(memory, 3, offset);
    }

    public Code i32Store8(int memory, int offset) {
        return op(0x3a).memarg(memory, 0, offset);
    }

    public Code memorySize(int memory) {
        return op(0x3f).u32(memory);
    }

    public Code memoryGrow(int memory) {
        return op(0x40).u32(memory);
    }

    /** {@code memory.copy dst src}: stack {@code [dstAddr, srcAddr, len]}. */
    public Code memoryCopy(int dstMemory, int srcMemory) {
        return op(0xfc).u32(10).u32(dstMemory).u32(srcMemory);
    }

    /** {@code memory.fill mem}: stack {@code [addr, byte, len]}. */
    public Code memoryFill(int memory) {
        return op(0xfc).u32(11).u32(memory);
    }

    // ---- numeric

    public Code i32Const(int v) {
        op(0x41);
        Leb128.writeS32(out, v);
        return this;
    }

    public Code i64Const(long v) {
        op(0x42);
        Leb128.writeS64(out, v);
        return this;
    }

    public Code i32Eqz() {
        return op(0x45);
    }

    public Code i32Eq() {
        return op(0x46);
    }

    public Code i32Ne() {
        return op(0x47);
    }

    public Code i32LtS() {
        return op(0x48);
    }

    public Code i32LtU() {
        return op(0x49);
    }

    public Code i32GtS() {
        return op(0x4a);
    }

    public Code i32GtU() {
        return op(0x4b);
    }

    public Code i32LeU() {
        return op(0x4d);
    }

    public Code i32GeU() {
        return op(0x4f);
    }

    public Code i64Eqz() {
        return op(0x50);
    }

    public Code i64Eq() {
        return op(0x51);
    }

    public Code i64Ne() {
        return op(0x52);
    }

    public Code i64LtS() {
        return op(0x53);
    }

    public Code i64LtU() {
        return op(0x54);
    }

    public Code i64GtS() {
        return op(0x55);
    }

    public Code i64GtU() {
        return op(0x56);
    }

    public Code i64LeU() {
        return op(0x58);
    }

    public Code i64GeU() {
        return op(0x5a);
    }

    public Code i32Add() {
        return op(0x6a);
    }

    public Code i32Sub() {
        return op(0x6b);
    }

    public Code i32Mul() {
        return op(0x6c);
    }

    public Code i32DivU() {
        return op(0x6e);
    }

    public Code i32And() {
        return op(0x71);
    }

    public Code i32Or() {
        return op(0x72);
    }

    public Code i32Xor() {
        return op(0x73);
    }

    public Code i32Shl() {
        return op(0x74);
    }

    public Code i32ShrU() {
        return op(0x76);
    }

    public Code i64Add() {
        return op(0x7c);
    }

    public Code i64Sub() {
        return op(0x7d);
    }

    public Code i64Mul() {
        return op(0x7e);
    }

    public Code i64And() {
        return op(0x83);
    }

    public Code i64Or() {
        return op(0x84);
    }

    public Code i64Shl() {
        return op(0x86);
    }

    public Code i64ShrU() {
        return op(0x88);
    }

    public Code i32WrapI64() {
        return op(0xa7);
    }

    public Code i64ExtendI32S() {
        return op(0xac);
    }

    public Code i64ExtendI32U() {
        return op(0xad);
    }

    /** The encoded body: {@code size:u32, vec(locals), expr} with the final {@code end} added. */
    public byte[] encode() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<int[]> groups = new ArrayList<>();
        for (ValType t : locals) {
            if (!groups.isEmpty() && groups.get(groups.size() - 1)[1] == t.code()) {
                groups.get(groups.size() - 1)[0]++;
            } else {
                groups.add(new int[] {1, t.code()});
            }
        }
        Leb128.writeU32(body, groups.size());
        for (int[] g : groups) {
            Leb128.writeU32(body, g[0]);
            body.write(g[1]);
        }
        body.writeBytes(out.toByteArray());
        body.write(0x0b);
        ByteArrayOutputStream sized = new ByteArrayOutputStream();
        Leb128.writeU32(sized, body.size());
        sized.writeBytes(body.toByteArray());
        return sized.toByteArray();
    }

    /** The raw instruction bytes written so far (no locals, no final end); for tests. */
    public byte[] instructions() {
        return out.toByteArray();
    }
}
