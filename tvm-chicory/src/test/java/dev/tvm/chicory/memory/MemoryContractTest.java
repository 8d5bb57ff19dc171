package dev.tvm.chicory.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The behaviour every {@link Memory} in this project must share with Chicory's reference {@code
 * ByteArrayMemory}. Subclasses supply the memory; running the suite against {@code
 * ByteArrayMemory} too keeps the expectations honest.
 */
abstract class MemoryContractTest {
    static final int PAGE = Memory.PAGE_SIZE;

    private final List<AutoCloseable> resources = new ArrayList<>();

    /** A fresh memory for {@code limits}; register anything to free with {@link #closeLater}. */
    abstract Memory create(MemoryLimits limits);

    void closeLater(AutoCloseable resource) {
        resources.add(resource);
    }

    @AfterEach
    void release() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        resources.clear();
    }

    Memory memory(int initial, int maximum) {
        return create(new MemoryLimits(initial, maximum));
    }

    Memory shared(int initial, int maximum) {
        return create(new MemoryLimits(initial, maximum, true));
    }

    /**
     * A memory for the atomics tests. Shared, because on JDK 25 the byte-array view VarHandles
     * Chicory's ByteArrayMemory relies on lost their atomic access modes, and its lock fallback
     * only exists for shared memories: on unshared ones every atomic traps as "out of bounds".
     * SegmentMemoryTest covers atomics on unshared SegmentMemory.
     */
    Memory atomicMemory(int initial, int maximum) {
        return shared(initial, maximum);
    }

    static void assertTrap(Executable access) {
        WasmRuntimeException e = assertThrows(WasmRuntimeException.class, access);
        assertTrue(e.getMessage().contains("out of bounds memory access"), e.getMessage());
    }

    // ------------------------------------------------------------ limits and growth

    @Test
    void reportsLimits() {
        Memory m = memory(2, 5);
        assertEquals(2, m.pages());
        assertEquals(2, m.initialPages());
        assertEquals(5, m.maximumPages());
        assertFalse(m.shared());
        assertTrue(shared(1, 1).shared());
    }

    @Test
    void clampsUnboundedMaximumToRuntimeMaximum() {
        Memory m = create(new MemoryLimits(1, MemoryLimits.MAX_PAGES));
        assertEquals(Memory.RUNTIME_MAX_PAGES, m.maximumPages());
        assertEquals(-1, m.grow(Memory.RUNTIME_MAX_PAGES));
        assertEquals(-1, m.grow(Integer.MAX_VALUE));
        assertEquals(1, m.pages());
        assertEquals(1, m.grow(3));
        assertEquals(4, m.pages());
    }

    @Test
    void startsZeroed() {
        Memory m = memory(2, 2);
        assertArrayEquals(new byte[2 * PAGE], m.readBytes(0, 2 * PAGE));
    }

    @Test
    void growReturnsOldSizeKeepsContentsAndZeroesNewPages() {
        Memory m = memory(1, 4);
        m.writeLong(PAGE - 8, 0x1122334455667788L);
        assertTrap(() -> m.read(PAGE));
        assertEquals(1, m.grow(2));
        assertEquals(3, m.pages());
        assertEquals(0x1122334455667788L, m.readLong(PAGE - 8));
        assertArrayEquals(new byte[2 * PAGE], m.readBytes(PAGE, 2 * PAGE));
        m.writeByte(3 * PAGE - 1, (byte) 7);
        assertEquals(7, m.read(3 * PAGE - 1));
        assertTrap(() -> m.read(3 * PAGE));
        assertEquals(3, m.grow(0));
        assertEquals(-1, m.grow(2), "beyond the maximum");
        assertEquals(-1, m.grow(-1), "a u32 delta of 2^32-1 pages");
        assertEquals(3, m.pages());
        assertEquals(3, m.grow(1));
        assertEquals(-1, m.grow(1));
        assertEquals(4, m.pages());
    }

    @Test
    void zeroPageMemory() {
        Memory m = memory(0, 0);
        assertEquals(0, m.pages());
        assertEquals(0, m.grow(0));
        assertEquals(-1, m.grow(1));
        assertTrap(() -> m.read(0));
        assertArrayEquals(new byte[0], m.readBytes(0, 0));
        m.fill((byte) 1, 0, 0);
        m.copy(0, 0, 0);
        m.zero();
    }

    // ------------------------------------------------------------ loads and stores

    @Test
    void roundTripsEveryWidth() {
        Memory m = memory(1, 1);
        m.writeByte(1, (byte) -2);
        assertEquals(-2, m.read(1));
        assertEquals(0xFE, m.readU8(1));
        assertEquals(-2, m.readI8(1));

        m.writeShort(3, (short) -3);
        assertEquals(-3, m.readShort(3));
        assertEquals(0xFFFD, m.readU16(3));
        assertEquals(-3, m.readI16(3));

        m.writeI32(7, -4);
        assertEquals(-4, m.readInt(7));
        assertEquals(-4, m.readI32(7));
        assertEquals(0xFFFF_FFFCL, m.readU32(7));

        m.writeLong(13, -5L);
        assertEquals(-5L, m.readLong(13));
        assertEquals(-5L, m.readI64(13));

        m.writeF32(25, 1.5f);
        assertEquals(1.5f, m.readFloat(25));
        assertEquals(Float.floatToRawIntBits(1.5f), (int) m.readF32(25));

        m.writeF64(33, -2.25);
        assertEquals(-2.25, m.readDouble(33));
        assertEquals(Double.doubleToRawLongBits(-2.25), m.readF64(33));
    }

    @Test
    void readF32AndReadF64ReturnRawBits() {
        Memory m = memory(1, 1);
        m.writeI32(0, 0x7FA0_0001); // a signalling NaN payload must survive
        assertEquals(0x7FA0_0001, (int) m.readF32(0));
        m.writeI32(4, 0xBF80_0000); // -1.0f: sign-extended like Chicory's memories
        assertEquals(0xFFFF_FFFF_BF80_0000L, m.readF32(4));
        m.writeLong(8, 0x7FF0_0000_0000_0001L);
        assertEquals(0x7FF0_0000_0000_0001L, m.readF64(8));
    }

    @Test
    void isLittleEndian() {
        Memory m = atomicMemory(1, 1);
        m.writeI32(0, 0x04030201);
        assertArrayEquals(new byte[] {1, 2, 3, 4}, m.readBytes(0, 4));
        m.writeShort(4, (short) 0x0605);
        assertArrayEquals(new byte[] {5, 6}, m.readBytes(4, 2));
        m.writeLong(8, 0x0807060504030201L);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, m.readBytes(8, 8));
        m.writeF32(16, Float.intBitsToFloat(0x44332211));
        assertArrayEquals(new byte[] {0x11, 0x22, 0x33, 0x44}, m.readBytes(16, 4));
        m.writeF64(24, Double.longBitsToDouble(0x1122334455667788L));
        assertEquals(0x88, m.readU8(24));
        assertEquals(0x11, m.readU8(31));
        m.write(40, new byte[] {(byte) 0xEF, (byte) 0xBE, (byte) 0xAD, (byte) 0xDE});
        assertEquals(0xDEADBEEF, m.readInt(40));
        assertEquals(0xBEEF, m.readU16(40));
        m.atomicWriteInt(48, 0x0D0C0B0A);
        assertEquals(0x0A, m.read(48));
        assertEquals((short) 0x0D0C, m.atomicReadShort(50));
        assertEquals(0x0B, m.atomicReadByte(49));
    }

    @Test
    void unalignedAccessAcrossPageBoundary() {
        Memory m = memory(2, 2);
        m.writeLong(PAGE - 3, 0x0102030405060708L);
        assertEquals(0x0102030405060708L, m.readLong(PAGE - 3));
        m.writeI32(PAGE - 1, 0xCAFEBABE);
        assertEquals(0xCAFEBABE, m.readInt(PAGE - 1));
        m.writeShort(PAGE - 1, (short) 0x1234);
        assertEquals(0x1234, m.readShort(PAGE - 1));
        m.writeF64(PAGE - 5, Math.PI);
        assertEquals(Math.PI, m.readDouble(PAGE - 5));
        m.writeF32(PAGE - 2, 3.25f);
        assertEquals(3.25f, m.readFloat(PAGE - 2));
    }

    @Test
    void trapsAtTheCurrentSizeNotTheMaximum() {
        Memory m = memory(1, 3);
        int end = PAGE;
        // Last valid address of each width is fine...
        m.writeByte(end - 1, (byte) 1);
        m.writeShort(end - 2, (short) 1);
        m.writeI32(end - 4, 1);
        m.writeLong(end - 8, 1);
        m.writeF32(end - 4, 1);
        m.writeF64(end - 8, 1);
        m.writeI32(end - 12, 0x01020304);
        byte[] before = m.readBytes(end - 16, 16);
        // ...one byte further traps, although the maximum would allow it.
        List<Executable> oob = List.of(
                () -> m.read(end),
                () -> m.writeByte(end, (byte) 0),
                () -> m.readShort(end - 1),
                () -> m.readU16(end - 1),
                () -> m.writeShort(end - 1, (short) 0),
                () -> m.readInt(end - 3),
                () -> m.readU32(end - 3),
                () -> m.writeI32(end - 3, 0),
                () -> m.readLong(end - 7),
                () -> m.writeLong(end - 7, 0),
                () -> m.readFloat(end - 3),
                () -> m.readF32(end - 3),
                () -> m.writeF32(end - 3, 0),
                () -> m.readDouble(end - 7),
                () -> m.readF64(end - 7),
                () -> m.writeF64(end - 7, 0),
                () -> m.read(-1),
                () -> m.readInt(-4),
                () -> m.writeLong(Integer.MIN_VALUE, 0),
                () -> m.readLong(Integer.MAX_VALUE),
                () -> m.read(2 * PAGE));
        for (Executable e : oob) {
            assertTrap(e);
        }
        assertArrayEquals(before, m.readBytes(end - 16, 16), "a trapping store writes nothing");
    }

    // ------------------------------------------------------------ bulk

    @Test
    void writeAndReadBytes() {
        Memory m = memory(1, 1);
        byte[] data = {1, 2, 3, 4, 5, 6};
        m.write(100, data);
        m.write(200, data, 2, 3);
        assertArrayEquals(data, m.readBytes(100, 6));
        assertArrayEquals(new byte[] {3, 4, 5}, m.readBytes(200, 3));
        assertArrayEquals(new byte[0], m.readBytes(PAGE, 0));
        m.write(PAGE, data, 0, 0);
        m.write(PAGE - 6, data);
        assertArrayEquals(data, m.readBytes(PAGE - 6, 6));
        assertTrap(() -> m.write(PAGE - 5, data));
        assertTrap(() -> m.write(-1, data));
        assertTrap(() -> m.write(0, data, 4, 3));
        assertTrap(() -> m.write(0, data, -1, 2));
        assertTrap(() -> m.readBytes(PAGE - 5, 6));
        assertTrap(() -> m.readBytes(PAGE + 1, 0));
        assertTrap(() -> m.readBytes(0, -1));
        assertTrap(() -> m.readBytes(-1, 1));
        assertArrayEquals(data, m.readBytes(PAGE - 6, 6), "a trapping write writes nothing");
    }

    @Test
    void fill() {
        Memory m = memory(1, 1);
        m.fill((byte) 9, 10, 20);
        assertEquals(0, m.read(9));
        assertEquals(9, m.read(10));
        assertEquals(9, m.read(19));
        assertEquals(0, m.read(20));
        m.fill((byte) 3, PAGE - 4, PAGE);
        assertEquals(3, m.readInt(PAGE - 4) & 0xFF);
        m.fill((byte) 5, PAGE, PAGE);
        assertTrap(() -> m.fill((byte) 1, PAGE - 4, PAGE + 1));
        assertTrap(() -> m.fill((byte) 1, PAGE + 1, PAGE + 1));
        assertTrap(() -> m.fill((byte) 1, -1, 3));
        assertTrap(() -> m.fill((byte) 1, 8, 4));
        assertEquals(0x03030303, m.readInt(PAGE - 4), "a trapping fill writes nothing");
    }

    @Test
    void copyHasMemmoveSemantics() {
        Memory m = memory(1, 1);
        byte[] data = {1, 2, 3, 4, 5, 6, 7, 8};
        m.write(0, data);
        m.copy(2, 0, 6); // forward overlap: destination after source
        assertArrayEquals(new byte[] {1, 2, 1, 2, 3, 4, 5, 6}, m.readBytes(0, 8));
        m.write(0, data);
        m.copy(0, 2, 6); // backward overlap
        assertArrayEquals(new byte[] {3, 4, 5, 6, 7, 8, 7, 8}, m.readBytes(0, 8));
        m.copy(1000, 0, 8);
        assertArrayEquals(new byte[] {3, 4, 5, 6, 7, 8, 7, 8}, m.readBytes(1000, 8));
        m.copy(PAGE, 0, 0);
        m.copy(0, PAGE, 0);
        m.copy(PAGE - 8, 0, 8);
        assertTrap(() -> m.copy(PAGE - 7, 0, 8));
        assertTrap(() -> m.copy(0, PAGE - 7, 8));
        assertTrap(() -> m.copy(PAGE + 1, 0, 0));
        assertTrap(() -> m.copy(0, -1, 1));
        assertTrap(() -> m.copy(0, 0, -1));
        assertArrayEquals(new byte[] {3, 4, 5, 6, 7, 8, 7, 8}, m.readBytes(0, 8), "a trapping copy copies nothing");
    }

    @Test
    void zero() {
        Memory m = memory(2, 2);
        m.fill((byte) 0x55, 0, 2 * PAGE);
        m.zero();
        assertArrayEquals(new byte[2 * PAGE], m.readBytes(0, 2 * PAGE));
    }

    @Test
    void strings() {
        Memory m = memory(1, 1);
        m.writeString(0, "héllo");
        assertEquals("héllo", m.readString(0, "héllo".getBytes(StandardCharsets.UTF_8).length));
        m.writeString(100, "abc", StandardCharsets.UTF_16LE);
        assertEquals("abc", m.readString(100, 6, StandardCharsets.UTF_16LE));
        assertEquals('a', m.read(100));
        m.writeCString(200, "zero-terminated");
        assertEquals(0, m.read(200 + "zero-terminated".length()));
        assertEquals("zero-terminated", m.readCString(200));
        m.writeCString(300, "latin", StandardCharsets.ISO_8859_1);
        assertEquals("latin", m.readCString(300, StandardCharsets.ISO_8859_1));
        assertTrap(() -> m.writeString(PAGE - 2, "abc"));
        assertTrap(() -> m.readString(PAGE - 2, 3));
    }

    // ------------------------------------------------------------ data segments

    static Instruction[] i32Const(int value) {
        return new Instruction[] {
            new Instruction(0, OpCode.I32_CONST, new long[] {value}), new Instruction(2, OpCode.END, new long[0])
        };
    }

    static ActiveDataSegment active(int memory, int offset, byte... data) {
        return new ActiveDataSegment(memory, List.of(i32Const(offset)), data);
    }

    @Test
    void initializeAppliesActiveSegmentsOfItsMemoryOnly() {
        Memory m = memory(1, 1);
        DataSegment[] segments = {
            active(0, 10, (byte) 1, (byte) 2),
            new PassiveDataSegment(new byte[] {7, 8, 9}),
            active(1, 20, (byte) 3),
            active(0, 30, (byte) 4),
            active(1, 40, (byte) 5),
        };
        m.initialize(null, segments);
        assertArrayEquals(new byte[] {1, 2}, m.readBytes(10, 2));
        assertEquals(0, m.read(20));
        assertEquals(4, m.read(30));
        assertEquals(0, m.read(40));

        Memory second = memory(1, 1);
        second.initialize(null, segments, 1);
        assertEquals(0, second.read(10));
        assertEquals(3, second.read(20));
        assertEquals(0, second.read(30));
        assertEquals(5, second.read(40));
        assertEquals(0, second.read(1), "passive segments are not applied");
    }

    @Test
    void outOfBoundsActiveSegmentFailsInstantiation() {
        Memory m = memory(1, 1);
        m.initialize(null, new DataSegment[] {active(0, PAGE, new byte[0])}, 0);
        DataSegment[] bad = {active(0, 0, (byte) 1), active(0, PAGE - 1, (byte) 2, (byte) 3)};
        ChicoryException e = assertThrows(UninstantiableException.class, () -> m.initialize(null, bad, 0));
        assertTrue(e.getMessage().contains("out of bounds memory access"), e.getMessage());
        assertEquals(1, m.read(0), "segments before the failing one stay applied");
        assertThrows(UninstantiableException.class, () -> m.initialize(null, new DataSegment[] {active(0, -1)}, 0));
    }

    @Test
    void passiveSegmentsInitAndDrop() {
        Memory m = memory(1, 1);
        DataSegment[] segments = {
            new PassiveDataSegment(new byte[] {1, 2, 3, 4, 5}),
            active(0, 0, (byte) 9),
            new PassiveDataSegment(new byte[] {6})
        };
        m.initialize(null, segments, 0);
        m.initPassiveSegment(0, 100, 1, 3);
        assertArrayEquals(new byte[] {2, 3, 4}, m.readBytes(100, 3));
        m.initPassiveSegment(2, PAGE - 1, 0, 1);
        assertEquals(6, m.read(PAGE - 1));
        m.initPassiveSegment(0, PAGE, 5, 0);
        assertTrap(() -> m.initPassiveSegment(0, 0, 3, 3));
        assertTrap(() -> m.initPassiveSegment(0, PAGE - 2, 0, 3));
        assertTrap(() -> m.initPassiveSegment(0, 0, -1, 1));

        m.drop(0);
        assertTrap(() -> m.initPassiveSegment(0, 0, 0, 1));
        m.initPassiveSegment(0, 0, 0, 0);
        assertEquals(PassiveDataSegment.EMPTY, segments[0], "drop writes through the shared array");

        // The Instance drops segments (data.drop) by writing into the array it shares with memory.
        m.initPassiveSegment(2, 0, 0, 1);
        segments[2] = PassiveDataSegment.EMPTY;
        assertTrap(() -> m.initPassiveSegment(2, 0, 0, 1));
    }

    // ------------------------------------------------------------ atomics

    @Test
    void atomicLoadsAndStores() {
        Memory m = atomicMemory(1, 1);
        m.atomicWriteByte(1, (byte) 0x81);
        assertEquals((byte) 0x81, m.atomicReadByte(1));
        m.atomicWriteShort(2, (short) 0x8182);
        assertEquals((short) 0x8182, m.atomicReadShort(2));
        m.atomicWriteInt(4, 0x81828384);
        assertEquals(0x81828384, m.atomicReadInt(4));
        m.atomicWriteLong(8, 0x8182838485868788L);
        assertEquals(0x8182838485868788L, m.atomicReadLong(8));
        assertEquals(0x8182838485868788L, m.readLong(8));
        assertEquals((short) 0x8182, m.readShort(2));
        m.atomicFence();
    }

    @Test
    void intAtomicsReturnOldValue() {
        Memory m = atomicMemory(1, 1);
        int a = 16;
        m.writeI32(a, 10);
        assertEquals(10, m.atomicAddInt(a, 5));
        assertEquals(15, m.atomicAndInt(a, 0b1100));
        assertEquals(12, m.atomicOrInt(a, 0b0011));
        assertEquals(15, m.atomicXorInt(a, 0xFF));
        assertEquals(0xF0, m.atomicXchgInt(a, -1));
        assertEquals(-1, m.atomicCmpxchgInt(a, 0, 42), "mismatch leaves the value");
        assertEquals(-1, m.atomicCmpxchgInt(a, -1, 42));
        assertEquals(42, m.readInt(a));
        assertEquals(42, m.atomicAddInt(a, Integer.MAX_VALUE));
        assertEquals(Integer.MIN_VALUE + 41, m.readInt(a), "wraps");
        assertEquals(0, m.readInt(a + 4), "neighbours untouched");
    }

    @Test
    void longAtomicsReturnOldValue() {
        Memory m = atomicMemory(1, 1);
        int a = 24;
        m.writeLong(a, 10);
        assertEquals(10, m.atomicAddLong(a, 1L << 40));
        assertEquals(10 + (1L << 40), m.atomicAndLong(a, 0xFFL));
        assertEquals(10, m.atomicOrLong(a, 1L << 63));
        assertEquals(10 | (1L << 63), m.atomicXorLong(a, -1L));
        assertEquals(~(10 | (1L << 63)), m.atomicXchgLong(a, 7));
        assertEquals(7, m.atomicCmpxchgLong(a, 8, 9));
        assertEquals(7, m.atomicCmpxchgLong(a, 7, Long.MIN_VALUE));
        assertEquals(Long.MIN_VALUE, m.readLong(a));
        assertEquals(0, m.readLong(a + 8));
        assertEquals(0, m.readLong(a - 8));
    }

    @Test
    void shortAtomicsReturnOldValueAndSpareNeighbours() {
        Memory m = atomicMemory(1, 1);
        m.writeLong(32, 0x7777_7777_7777_7777L);
        int a = 34;
        m.writeShort(a, (short) 0xFFF0);
        assertEquals((short) 0xFFF0, m.atomicAddShort(a, (short) 0x20)); // wraps to 0x0010
        assertEquals((short) 0x0010, m.atomicOrShort(a, (short) 0x8001));
        assertEquals((short) 0x8011, m.atomicAndShort(a, (short) 0x00FF));
        assertEquals((short) 0x0011, m.atomicXorShort(a, (short) 0xFFFF));
        assertEquals((short) 0xFFEE, m.atomicXchgShort(a, (short) 5));
        assertEquals((short) 5, m.atomicCmpxchgShort(a, (short) 6, (short) 7));
        assertEquals((short) 5, m.atomicCmpxchgShort(a, (short) 5, (short) 0x9999));
        assertEquals((short) 0x9999, m.readShort(a));
        assertEquals((short) 0x9999, m.atomicCmpxchgShort(a, (short) 0x9999, (short) 1), "sign-extended expected");
        assertEquals(0x7777, m.readU16(32));
        assertEquals(0x7777_7777, m.readInt(36));
        // Upper half of a word.
        assertEquals((short) 0x7777, m.atomicAddShort(38, (short) 1));
        assertEquals(0x7778_7777, m.readInt(36));
    }

    @Test
    void byteAtomicsReturnOldValueAndSpareNeighbours() {
        Memory m = atomicMemory(1, 1);
        m.writeLong(40, 0x7777_7777_7777_7777L);
        for (int a = 40; a < 44; a++) {
            m.writeByte(a, (byte) 0xF0);
            assertEquals((byte) 0xF0, m.atomicAddByte(a, (byte) 0x20));
            assertEquals((byte) 0x10, m.atomicOrByte(a, (byte) 0x81));
            assertEquals((byte) 0x91, m.atomicAndByte(a, (byte) 0x0F));
            assertEquals((byte) 0x01, m.atomicXorByte(a, (byte) 0xFF));
            assertEquals((byte) 0xFE, m.atomicXchgByte(a, (byte) 3));
            assertEquals((byte) 3, m.atomicCmpxchgByte(a, (byte) 4, (byte) 5));
            assertEquals((byte) 3, m.atomicCmpxchgByte(a, (byte) 3, (byte) 0x80));
            assertEquals((byte) 0x80, m.atomicCmpxchgByte(a, (byte) 0x80, (byte) a));
            assertEquals((byte) a, m.read(a));
        }
        assertEquals(0x2B2A2928, m.readInt(40));
        assertEquals(0x7777_7777, m.readInt(44));
    }

    @Test
    void atomicsTrapOutOfBounds() {
        Memory m = atomicMemory(1, 2);
        int end = PAGE;
        List<Executable> oob = List.of(
                () -> m.atomicReadByte(end),
                () -> m.atomicReadShort(end),
                () -> m.atomicReadInt(end),
                () -> m.atomicReadLong(end),
                () -> m.atomicWriteByte(end, (byte) 0),
                () -> m.atomicWriteShort(end, (short) 0),
                () -> m.atomicWriteInt(end, 0),
                () -> m.atomicWriteLong(end, 0),
                () -> m.atomicAddByte(end, (byte) 1),
                () -> m.atomicCmpxchgByte(end, (byte) 0, (byte) 1),
                () -> m.atomicXchgShort(end, (short) 1),
                () -> m.atomicAddInt(end, 1),
                () -> m.atomicCmpxchgInt(end, 0, 1),
                () -> m.atomicXorLong(end, 1),
                () -> m.atomicCmpxchgLong(end, 0, 1),
                () -> m.atomicAddInt(-4, 1));
        for (Executable e : oob) {
            assertTrap(e);
        }
        assertEquals(0, m.atomicAddLong(end - 8, 1));
        assertEquals(0, m.atomicAddShort(end - 2, (short) 1));
        assertEquals(0, m.atomicAddByte(end - 1, (byte) 1));
        assertEquals(0x0101_0000_0000_0001L, m.readLong(end - 8));
    }

    @Test
    void concurrentAtomicCounters() throws Exception {
        Memory m = shared(1, 1);
        int threads = 4;
        int iterations = 50_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < iterations; i++) {
                        m.atomicAddInt(0, 1);
                        // CAS loop on a long.
                        long seen;
                        do {
                            seen = m.atomicReadLong(8);
                        } while (m.atomicCmpxchgLong(8, seen, seen + 3) != seen);
                        // CAS loop on an int.
                        int s;
                        do {
                            s = m.atomicReadInt(16);
                        } while (m.atomicCmpxchgInt(16, s, s + 2) != s);
                        // Sub-word RMWs on neighbouring bytes/shorts of one word must not clobber.
                        m.atomicAddByte(24 + id, (byte) 1);
                        m.atomicAddShort(32 + 2 * (id & 1), (short) 1);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * iterations, m.atomicReadInt(0));
        assertEquals(3L * threads * iterations, m.atomicReadLong(8));
        assertEquals(2 * threads * iterations, m.atomicReadInt(16));
        for (int t = 0; t < threads; t++) {
            assertEquals((byte) iterations, m.atomicReadByte(24 + t), "byte " + t);
        }
        assertEquals((short) (iterations * threads / 2), m.atomicReadShort(32));
        assertEquals((short) (iterations * threads / 2), m.atomicReadShort(34));
    }

    // ------------------------------------------------------------ wait / notify

    @Test
    void waitReturnsNotEqualAndTimesOut() {
        Memory m = shared(1, 1);
        m.writeI32(0, 5);
        assertEquals(1, m.atomicWait(0, 4, -1L));
        assertEquals(1, m.atomicWait(8, 1L, -1L));
        long t0 = System.nanoTime();
        assertEquals(2, m.atomicWait(0, 5, 20_000_000L));
        assertTrue(System.nanoTime() - t0 >= 20_000_000L);
        assertEquals(2, m.atomicWait(8, 0L, 1_000_000L));
        assertEquals(2, m.atomicWait(0, 5, 0L));
        assertEquals(0, m.atomicNotify(0, 1), "nobody waits");
    }

    @Test
    void waitAndNotifyAcrossThreads() throws Exception {
        Memory m = shared(1, 1);
        int addr = 64;
        int threads = 3;
        List<Thread> waiters = new ArrayList<>();
        int[] results = new int[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> results[id] = m.atomicWait(addr, 0, -1L), "waiter-" + t);
            th.setDaemon(true);
            waiters.add(th);
            th.start();
        }
        awaitAllWaiting(waiters);
        assertEquals(0, m.atomicNotify(addr + 4, 10), "other addresses have no waiters");
        assertEquals(2, m.atomicNotify(addr, 2));
        assertEquals(1, m.atomicNotify(addr, -1), "a u32 count above 2^31 wakes everyone left");
        assertEquals(0, m.atomicNotify(addr, 1));
        for (Thread th : waiters) {
            th.join(10_000);
            assertFalse(th.isAlive());
        }
        assertArrayEquals(new int[] {0, 0, 0}, results);
    }

    @Test
    void wait64AndNotifyWithHandOff() throws Exception {
        Memory m = shared(1, 1);
        int addr = 128;
        long[] result = {-1};
        Thread th = new Thread(() -> {
            result[0] = m.atomicWait(addr, 0L, 30_000_000_000L);
        });
        th.setDaemon(true);
        th.start();
        awaitAllWaiting(List.of(th));
        m.atomicWriteLong(addr, 1);
        assertEquals(1, m.atomicNotify(addr, 1));
        th.join(10_000);
        assertEquals(0, result[0]);
    }

    @Test
    void waitOnUnsharedMemoryTraps() {
        Memory m = memory(1, 1);
        assertThrows(ChicoryException.class, () -> m.atomicWait(0, 0, 0L));
        assertThrows(ChicoryException.class, () -> m.atomicWait(0, 0L, 0L));
        assertEquals(0, m.atomicNotify(0, 1));
    }

    @Test
    @SuppressWarnings("removal")
    void lockIsUnsupported() {
        Memory m = shared(1, 1);
        assertThrows(UnsupportedOperationException.class, () -> m.lock(0));
    }

    static void awaitAllWaiting(List<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Thread th : threads) {
            while (th.getState() != Thread.State.WAITING && th.getState() != Thread.State.TIMED_WAITING) {
                assertTrue(System.nanoTime() < deadline, th.getName() + " never blocked");
                Thread.sleep(1);
            }
        }
    }
}
