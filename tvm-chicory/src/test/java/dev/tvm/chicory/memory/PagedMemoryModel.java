package dev.tvm.chicory.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/**
 * A paged {@link SegmentMemory} driven by seeded random operations and checked against a plain
 * {@code byte[]} reference model after each one: every width of load and store (unaligned and
 * page-crossing ones included), floats and doubles, bulk reads, writes, fills and copies (both
 * overlap directions), grows, atomics and out-of-bounds stores that must change nothing.
 *
 * <p>Invariant checked by {@link #step}: every value an operation returns, and every byte of the
 * range it touched, equals the model. {@link #verifyAll} compares every byte of the memory.
 *
 * <p>Not thread-safe: one thread drives one model (the memory itself may be shared, as long as
 * the threads keep to disjoint address ranges, see {@link #PagedMemoryModel(Memory, int, int,
 * int)}).
 */
final class PagedMemoryModel {
    static final int PAGE = Memory.PAGE_SIZE;

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final Memory memory;
    /** Every byte of the memory's address space, zero beyond its current pages. */
    private final byte[] model;
    /** The range this model owns: {@code [base, base + span)}, both multiples of 64 KiB. */
    private final int base;

    private final int span;
    /** The largest bulk operation, in bytes. */
    private final int bulkMax;

    private long ops;

    /**
     * A model of the whole of {@code memory} (its maximum pages, so grows are modelled), bulk
     * operations up to {@code bulkMax} bytes.
     */
    PagedMemoryModel(Memory memory, int bulkMax) {
        this(memory, 0, memory.maximumPages() * PAGE, bulkMax);
    }

    /**
     * A model of {@code [base, base + span)} of {@code memory} only: operations stay inside it and
     * never grow the memory, so several threads can each drive their own range of a shared memory.
     */
    PagedMemoryModel(Memory memory, int base, int span, int bulkMax) {
        this.memory = memory;
        this.base = base;
        this.span = span;
        this.bulkMax = bulkMax;
        this.model = new byte[span];
    }

    /** Operations run so far. */
    long ops() {
        return ops;
    }

    /** Bytes of the model's range that are addressable now. */
    private int size() {
        return (int) Math.min(span, Math.max(0L, (long) memory.pages() * PAGE - base));
    }

    private boolean ownsWholeMemory() {
        return base == 0 && span == memory.maximumPages() * PAGE;
    }

    /** Runs one random operation and checks its results and the bytes it touched. */
    void step(Random r) {
        ops++;
        int kind = r.nextInt(100);
        if (kind < 30) {
            storeAndLoad(r);
        } else if (kind < 45) {
            load(r);
        } else if (kind < 55) {
            atomic(r);
        } else if (kind < 65) {
            readRange(r);
        } else if (kind < 75) {
            writeRange(r);
        } else if (kind < 82) {
            fillRange(r);
        } else if (kind < 92) {
            copyRange(r);
        } else if (kind < 96) {
            outOfBoundsStoreChangesNothing(r);
        } else if (ownsWholeMemory()) {
            grow(r);
        } else {
            load(r);
        }
    }

    /** Writes {@code data} at model offset {@code at}, to the memory and the model. */
    void write(int at, byte[] data) {
        memory.write(base + at, data, 0, data.length);
        System.arraycopy(data, 0, model, at, data.length);
    }

    /** Compares every byte of the model's range with the memory, 1 MiB at a time. */
    void verifyAll() {
        int size = size();
        for (int at = 0; at < size; at += 1 << 20) {
            verifyRange(at, Math.min(1 << 20, size - at));
        }
        for (int at = size; at < span; at++) {
            assertEquals(0, model[at], "model byte beyond the memory's pages at " + at);
        }
    }

    /** Compares {@code [at, at + length)} of the model's range with the memory. */
    void verifyRange(int at, int length) {
        byte[] actual = memory.readBytes(base + at, length);
        if (!Arrays.equals(model, at, at + length, actual, 0, length)) {
            int i = Arrays.mismatch(model, at, at + length, actual, 0, length);
            throw new AssertionError("after " + ops + " ops, byte " + (base + at + i) + " is " + actual[i]
                    + ", the model says " + model[at + i]);
        }
    }

    // ------------------------------------------------------------ addresses

    /**
     * A model offset for an access of {@code width} bytes: a third of them straddle or touch a
     * 64 KiB page boundary, the rest anywhere (unaligned).
     */
    private int address(Random r, int width) {
        int size = size();
        if (r.nextInt(3) == 0 && size > PAGE) {
            int boundary = (1 + r.nextInt(size / PAGE - 1)) * PAGE;
            return boundary - width + r.nextInt(width + 1);
        }
        return r.nextInt(size - width + 1);
    }

    /** A bulk length: mostly small, one in eight up to {@code bulkMax}. */
    private int length(Random r) {
        int max = Math.min(bulkMax, size());
        return r.nextInt(8) == 0 ? r.nextInt(max + 1) : r.nextInt(Math.min(max, 3 * PAGE) + 1);
    }

    // ------------------------------------------------------------ operations

    private void storeAndLoad(Random r) {
        int width = 1 << r.nextInt(4);
        int at = address(r, width);
        int addr = base + at;
        long bits = r.nextLong();
        switch (width) {
            case 1 -> {
                memory.writeByte(addr, (byte) bits);
                model[at] = (byte) bits;
            }
            case 2 -> {
                memory.writeShort(addr, (short) bits);
                SHORT.set(model, at, (short) bits);
            }
            case 4 -> {
                if (r.nextBoolean()) {
                    float f = finiteFloat((int) bits);
                    memory.writeF32(addr, f);
                    INT.set(model, at, Float.floatToRawIntBits(f));
                } else {
                    memory.writeI32(addr, (int) bits);
                    INT.set(model, at, (int) bits);
                }
            }
            default -> {
                if (r.nextBoolean()) {
                    double d = finiteDouble(bits);
                    memory.writeF64(addr, d);
                    LONG.set(model, at, Double.doubleToRawLongBits(d));
                } else {
                    memory.writeLong(addr, bits);
                    LONG.set(model, at, bits);
                }
            }
        }
        checkLoad(at, width, r);
    }

    private void load(Random r) {
        int width = 1 << r.nextInt(4);
        checkLoad(address(r, width), width, r);
    }

    /** Loads {@code width} bytes at model offset {@code at} through a randomly chosen accessor. */
    private void checkLoad(int at, int width, Random r) {
        int addr = base + at;
        String where = "load of " + width + " bytes at " + addr + " after " + ops + " ops";
        switch (width) {
            case 1 -> assertEquals(model[at], memory.read(addr), where);
            case 2 -> {
                assertEquals((short) SHORT.get(model, at), memory.readShort(addr), where);
                assertEquals(Short.toUnsignedLong((short) SHORT.get(model, at)), memory.readU16(addr), where);
            }
            case 4 -> {
                int expected = (int) INT.get(model, at);
                if (r.nextBoolean()) {
                    assertEquals(expected, Float.floatToRawIntBits(memory.readFloat(addr)), where);
                } else {
                    assertEquals(expected, memory.readInt(addr), where);
                }
            }
            default -> {
                long expected = (long) LONG.get(model, at);
                if (r.nextBoolean()) {
                    assertEquals(expected, Double.doubleToRawLongBits(memory.readDouble(addr)), where);
                } else {
                    assertEquals(expected, memory.readLong(addr), where);
                }
            }
        }
    }

    private void atomic(Random r) {
        int width = 1 << r.nextInt(4);
        int at = address(r, width) & -width; // atomics must be aligned
        int addr = base + at;
        long operand = r.nextLong();
        int op = r.nextInt(8);
        String where = "atomic op " + op + " of " + width + " bytes at " + addr + " after " + ops + " ops";
        switch (width) {
            case 1 -> {
                byte old = model[at];
                byte v = (byte) operand;
                assertEquals(old, atomicByte(op, addr, v, old), where);
                model[at] = (byte) apply(op, old, v, old);
            }
            case 2 -> {
                short old = (short) SHORT.get(model, at);
                short v = (short) operand;
                assertEquals(old, atomicShort(op, addr, v, old), where);
                SHORT.set(model, at, (short) apply(op, old, v, old));
            }
            case 4 -> {
                int old = (int) INT.get(model, at);
                int v = (int) operand;
                assertEquals(old, atomicInt(op, addr, v, old), where);
                INT.set(model, at, (int) apply(op, old, v, old));
            }
            default -> {
                long old = (long) LONG.get(model, at);
                assertEquals(old, atomicLong(op, addr, operand, old), where);
                LONG.set(model, at, apply(op, old, operand, old));
            }
        }
        verifyRange(at, width);
    }

    /** The value op leaves: 0 add, 1 and, 2 or, 3 xor, 4 xchg, 5 cmpxchg that succeeds, 6 one that fails, 7 store. */
    private static long apply(int op, long old, long v, long expectedOld) {
        return switch (op) {
            case 0 -> old + v;
            case 1 -> old & v;
            case 2 -> old | v;
            case 3 -> old ^ v;
            case 4, 7 -> v;
            case 5 -> old == expectedOld ? v : old;
            default -> old; // cmpxchg with a wrong expected value
        };
    }

    /** Runs op and returns the old value (for a store, reads it first with an atomic load). */
    private byte atomicByte(int op, int addr, byte v, byte old) {
        return switch (op) {
            case 0 -> memory.atomicAddByte(addr, v);
            case 1 -> memory.atomicAndByte(addr, v);
            case 2 -> memory.atomicOrByte(addr, v);
            case 3 -> memory.atomicXorByte(addr, v);
            case 4 -> memory.atomicXchgByte(addr, v);
            case 5 -> memory.atomicCmpxchgByte(addr, old, v);
            case 6 -> memory.atomicCmpxchgByte(addr, (byte) ~old, v);
            default -> {
                byte was = memory.atomicReadByte(addr);
                memory.atomicWriteByte(addr, v);
                yield was;
            }
        };
    }

    private short atomicShort(int op, int addr, short v, short old) {
        return switch (op) {
            case 0 -> memory.atomicAddShort(addr, v);
            case 1 -> memory.atomicAndShort(addr, v);
            case 2 -> memory.atomicOrShort(addr, v);
            case 3 -> memory.atomicXorShort(addr, v);
            case 4 -> memory.atomicXchgShort(addr, v);
            case 5 -> memory.atomicCmpxchgShort(addr, old, v);
            case 6 -> memory.atomicCmpxchgShort(addr, (short) ~old, v);
            default -> {
                short was = memory.atomicReadShort(addr);
                memory.atomicWriteShort(addr, v);
                yield was;
            }
        };
    }

    private int atomicInt(int op, int addr, int v, int old) {
        return switch (op) {
            case 0 -> memory.atomicAddInt(addr, v);
            case 1 -> memory.atomicAndInt(addr, v);
            case 2 -> memory.atomicOrInt(addr, v);
            case 3 -> memory.atomicXorInt(addr, v);
            case 4 -> memory.atomicXchgInt(addr, v);
            case 5 -> memory.atomicCmpxchgInt(addr, old, v);
            case 6 -> memory.atomicCmpxchgInt(addr, ~old, v);
            default -> {
                int was = memory.atomicReadInt(addr);
                memory.atomicWriteInt(addr, v);
                yield was;
            }
        };
    }

    private long atomicLong(int op, int addr, long v, long old) {
        return switch (op) {
            case 0 -> memory.atomicAddLong(addr, v);
            case 1 -> memory.atomicAndLong(addr, v);
            case 2 -> memory.atomicOrLong(addr, v);
            case 3 -> memory.atomicXorLong(addr, v);
            case 4 -> memory.atomicXchgLong(addr, v);
            case 5 -> memory.atomicCmpxchgLong(addr, old, v);
            case 6 -> memory.atomicCmpxchgLong(addr, ~old, v);
            default -> {
                long was = memory.atomicReadLong(addr);
                memory.atomicWriteLong(addr, v);
                yield was;
            }
        };
    }

    private void readRange(Random r) {
        int length = length(r);
        int at = r.nextInt(size() - length + 1);
        verifyRange(at, length); // readBytes is the operation under test here
    }

    private void writeRange(Random r) {
        int length = length(r);
        int at = r.nextInt(size() - length + 1);
        int from = r.nextInt(16);
        byte[] data = new byte[length + from + r.nextInt(16)];
        r.nextBytes(data);
        memory.write(base + at, data, from, length);
        System.arraycopy(data, from, model, at, length);
        verifyRange(at, length);
    }

    private void fillRange(Random r) {
        int length = length(r);
        int at = r.nextInt(size() - length + 1);
        byte value = (byte) r.nextInt();
        memory.fill(value, base + at, base + at + length);
        Arrays.fill(model, at, at + length, value);
        verifyRange(at, length);
    }

    /** A copy between two ranges that overlap (either direction) half the time. */
    private void copyRange(Random r) {
        int size = size();
        int length = length(r);
        int src = r.nextInt(size - length + 1);
        int dest;
        if (r.nextBoolean() && length > 1) {
            int shift = 1 + r.nextInt(Math.max(1, length - 1)); // overlapping
            dest = r.nextBoolean() ? src + shift : src - shift;
            dest = Math.clamp(dest, 0, size - length);
        } else {
            dest = r.nextInt(size - length + 1);
        }
        memory.copy(base + dest, base + src, length);
        System.arraycopy(model, src, model, dest, length); // arraycopy has memmove semantics too
        verifyRange(dest, length);
        verifyRange(src, length);
    }

    /** A store running past the end of the memory traps and changes no byte, not even the in-bounds ones. */
    private void outOfBoundsStoreChangesNothing(Random r) {
        if (base + span < memory.pages() * (long) PAGE) {
            return; // the model's range does not end the memory: someone else owns what follows
        }
        int end = size();
        int width = 2 << r.nextInt(3);
        int at = end - width + 1 + r.nextInt(width - 1);
        int addr = base + at;
        assertThrows(WasmRuntimeException.class, () -> {
            switch (width) {
                case 2 -> memory.writeShort(addr, (short) -1);
                case 4 -> memory.writeI32(addr, -1);
                default -> memory.writeLong(addr, -1L);
            }
        });
        assertThrows(WasmRuntimeException.class, () -> memory.write(addr, new byte[width], 0, width));
        verifyRange(end - width, width);
    }

    private void grow(Random r) {
        int pages = memory.pages();
        int delta = r.nextInt(4);
        int expected = pages + delta <= memory.maximumPages() ? pages : -1;
        assertEquals(expected, memory.grow(delta), "grow by " + delta + " from " + pages);
        if (expected >= 0 && delta > 0) {
            verifyRange(pages * PAGE, delta * PAGE); // new pages read as zero (the model is zero there)
        }
    }

    private static float finiteFloat(int bits) {
        float f = Float.intBitsToFloat(bits);
        return Float.isNaN(f) ? 1.5f : f; // NaN payloads are not the paging's business
    }

    private static double finiteDouble(long bits) {
        double d = Double.longBitsToDouble(bits);
        return Double.isNaN(d) ? -2.25 : d;
    }
}
