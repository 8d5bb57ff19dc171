package dev.tvm.chicory.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.core.memory.ArenaBacking;
import dev.tvm.core.memory.Backing;
import dev.tvm.core.memory.BackingFactory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** What only {@link SegmentMemory} promises: alignment traps, segments, views and ownership. */
class SegmentMemoryTest {
    private static final int PAGE = Memory.PAGE_SIZE;

    private static void assertUnaligned(Executable access) {
        WasmRuntimeException e = assertThrows(WasmRuntimeException.class, access);
        assertEquals("unaligned atomic", e.getMessage());
    }

    @Test
    void misalignedAtomicsTrap() {
        try (SegmentMemory m = SegmentMemory.create(new MemoryLimits(1, 1, true))) {
            List<Executable> misaligned = List.of(
                    () -> m.atomicReadShort(1),
                    () -> m.atomicWriteShort(3, (short) 0),
                    () -> m.atomicAddShort(1, (short) 1),
                    () -> m.atomicAndShort(1, (short) 1),
                    () -> m.atomicOrShort(1, (short) 1),
                    () -> m.atomicXorShort(1, (short) 1),
                    () -> m.atomicXchgShort(1, (short) 1),
                    () -> m.atomicCmpxchgShort(1, (short) 0, (short) 1),
                    () -> m.atomicReadInt(2),
                    () -> m.atomicWriteInt(1, 0),
                    () -> m.atomicAddInt(2, 1),
                    () -> m.atomicAndInt(2, 1),
                    () -> m.atomicOrInt(2, 1),
                    () -> m.atomicXorInt(2, 1),
                    () -> m.atomicXchgInt(2, 1),
                    () -> m.atomicCmpxchgInt(2, 0, 1),
                    () -> m.atomicReadLong(4),
                    () -> m.atomicWriteLong(4, 0),
                    () -> m.atomicAddLong(4, 1),
                    () -> m.atomicAndLong(4, 1),
                    () -> m.atomicOrLong(4, 1),
                    () -> m.atomicXorLong(4, 1),
                    () -> m.atomicXchgLong(4, 1),
                    () -> m.atomicCmpxchgLong(4, 0, 1),
                    () -> m.atomicWait(2, 0, 0L),
                    () -> m.atomicWait(4, 0L, 0L),
                    () -> m.atomicNotify(2, 1),
                    // Misalignment wins over out-of-bounds, as in Chicory's own checks.
                    () -> m.atomicReadInt(PAGE + 1));
            for (Executable e : misaligned) {
                assertUnaligned(e);
            }
            assertEquals(0, m.readLong(0), "nothing was written");
            // Bytes are always aligned; plain accesses may be unaligned.
            assertEquals(0, m.atomicAddByte(1, (byte) 1));
            m.writeLong(3, -1L);
            assertEquals(-1L, m.readLong(3));
        }
    }

    @Test
    void waitAndNotifyCheckBounds() {
        try (SegmentMemory m = SegmentMemory.create(new MemoryLimits(1, 1, true))) {
            MemoryContractTest.assertTrap(() -> m.atomicNotify(PAGE, 1));
            MemoryContractTest.assertTrap(() -> m.atomicWait(PAGE, 0, 0L));
            MemoryContractTest.assertTrap(() -> m.atomicWait(PAGE, 0L, 0L));
            assertEquals(0, m.atomicNotify(PAGE - 4, 1));
        }
        try (SegmentMemory m = SegmentMemory.create(new MemoryLimits(1, 1))) {
            WasmRuntimeException e = assertThrows(WasmRuntimeException.class, () -> m.atomicWait(0, 0, -1L));
            assertEquals("expected shared memory", e.getMessage());
            MemoryContractTest.assertTrap(() -> m.atomicNotify(PAGE, 1));
        }
    }

    @Test
    void interruptedWaitThrowsAndKeepsTheFlag() throws Exception {
        try (SegmentMemory m = SegmentMemory.create(new MemoryLimits(1, 1, true))) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            boolean[] flag = {false};
            Thread th = new Thread(() -> {
                try {
                    m.atomicWait(0, 0, -1L);
                } catch (Throwable t) {
                    thrown.set(t);
                    flag[0] = Thread.currentThread().isInterrupted();
                }
            });
            th.start();
            MemoryContractTest.awaitAllWaiting(List.of(th));
            th.interrupt();
            th.join(10_000);
            assertInstanceOf(ChicoryInterruptedException.class, thrown.get());
            assertTrue(flag[0]);
            assertEquals(0, m.atomicNotify(0, 1), "the interrupted waiter left the queue");
        }
    }

    @Test
    void segmentIsTheVisiblePagesAndNeverMoves() {
        try (SegmentMemory m = SegmentMemory.create(new MemoryLimits(1, 8))) {
            MemorySegment s1 = m.segment();
            assertEquals(PAGE, s1.byteSize());
            s1.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 10, 0x12345678);
            assertEquals(0x12345678, m.readInt(10));
            m.writeLong(100, 42);
            assertEquals(42, s1.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 100));

            assertEquals(1, m.grow(3));
            MemorySegment s2 = m.segment();
            assertEquals(4L * PAGE, s2.byteSize());
            assertEquals(s1.address(), s2.address(), "growth stays inside the reservation");
            assertEquals(PAGE, s1.byteSize(), "an older segment keeps its size");
            assertEquals(0x12345678, s1.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 10));
            s2.set(ValueLayout.JAVA_BYTE, 4L * PAGE - 1, (byte) 9);
            assertEquals(9, m.read(4 * PAGE - 1));
            assertThrows(IndexOutOfBoundsException.class, () -> s2.get(ValueLayout.JAVA_BYTE, 4L * PAGE));
        }
    }

    @Test
    void ownedMemoryIsFreedByClose() {
        SegmentMemory m = SegmentMemory.create(new MemoryLimits(1, 2));
        MemorySegment s = m.segment();
        m.writeI32(0, 1);
        m.close();
        m.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> m.readInt(0));
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void factoryMakesOwningSegmentMemories() {
        Memory m = SegmentMemory.factory().apply(new MemoryLimits(2, 3));
        SegmentMemory sm = assertInstanceOf(SegmentMemory.class, m);
        try (sm) {
            assertEquals(2, sm.pages());
            assertEquals(3, sm.maximumPages());
        }
        Memory arena = SegmentMemory.factory(ArenaBacking::allocate).apply(new MemoryLimits(1, 2));
        try (SegmentMemory a = (SegmentMemory) arena) {
            a.writeLong(8, 7);
            a.zero();
            assertEquals(0, a.readLong(8));
            assertEquals(1, a.grow(1));
            assertEquals(-1, a.grow(1));
        }
    }

    @Test
    void initialPagesBeyondTheRuntimeMaximumAreRejected() {
        assertThrows(UninstantiableException.class, () -> SegmentMemory.create(new MemoryLimits(40_000, 65_536)));
    }

    @Test
    void zeroOnAnOwnedMemoryReleasesPages() {
        try (SegmentMemory m = SegmentMemory.create(new MemoryLimits(64, 64))) {
            m.fill((byte) 1, 0, 64 * PAGE);
            m.zero();
            assertEquals(-1, m.segment().mismatch(MemorySegment.ofArray(new byte[64 * PAGE])));
        }
    }

    @Test
    void viewNeverFreesAndKeepsInitialContents() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment segment = arena.allocate(3L * PAGE, 4096);
            segment.fill((byte) 0x5A);
            SegmentMemory view = SegmentMemory.wrap(segment, new MemoryLimits(1, 10));
            assertEquals(3, view.maximumPages(), "clamped to the segment's capacity");
            assertEquals(0x5A, view.read(0), "a view shows what is there");
            assertSame(segment.scope(), view.segment().scope());
            assertEquals(segment.address(), view.segment().address());
            assertEquals(1, view.grow(1));
            assertEquals(0, view.readLong(PAGE), "grown pages read as zero");
            assertEquals(0, segment.get(ValueLayout.JAVA_BYTE, 2L * PAGE - 1));
            assertEquals(0x5A, segment.get(ValueLayout.JAVA_BYTE, 2L * PAGE), "capacity beyond stays untouched");
            assertEquals(-1, view.grow(2));
            view.close();
            assertEquals(0x5A, segment.get(ValueLayout.JAVA_BYTE, 0), "closing a view frees nothing");
            assertEquals(0x5A, view.read(0));
        }
    }

    @Test
    void viewOverHeapLongArrayIncludingAtomics() {
        long[] backing = new long[PAGE / 8];
        SegmentMemory view = SegmentMemory.wrap(MemorySegment.ofArray(backing), new MemoryLimits(1, 1));
        view.writeI32(0, 0x01020304);
        assertEquals(0x01020304L, backing[0] & 0xFFFFFFFFL);
        assertEquals(0x01020304, view.atomicAddInt(0, 1));
        assertEquals((byte) 0x05, view.atomicXchgByte(0, (byte) 0));
        assertEquals(0L, view.atomicCmpxchgLong(8, 0, 9));
        assertEquals(9L, backing[1]);
    }

    @Test
    void readOnlyViewsReadButRefuseEveryWrite() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(2L * PAGE, 8);
            s.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 100, 7);
            SegmentMemory ro = SegmentMemory.wrap(s.asReadOnly(), new MemoryLimits(1, 1));
            assertEquals(7, ro.readInt(100));
            assertThrows(IllegalArgumentException.class, () -> ro.writeI32(100, 8));
            assertThrows(IllegalArgumentException.class, () -> ro.writeLong(0, 8));
            assertThrows(IllegalArgumentException.class, () -> ro.write(0, new byte[4]));
            assertThrows(IllegalArgumentException.class, () -> ro.fill((byte) 1, 0, 4));
            assertEquals(7, ro.readInt(100));
        }
    }

    @Test
    void wrapRejectsUnusableSegments() {
        assertThrows(
                IllegalArgumentException.class,
                () -> SegmentMemory.wrap(MemorySegment.ofArray(new byte[PAGE]), new MemoryLimits(1, 1)));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(2L * PAGE, 8);
            assertThrows(
                    IllegalArgumentException.class, () -> SegmentMemory.wrap(s.asSlice(4), new MemoryLimits(1, 1)));
            assertThrows(IllegalArgumentException.class, () -> SegmentMemory.wrap(s, new MemoryLimits(3, 3)));
            SegmentMemory ok = SegmentMemory.wrap(s.asSlice(8), new MemoryLimits(1, 2));
            assertEquals(1, ok.maximumPages(), "a partial page of capacity does not count");
        }
    }

    @Test
    void viewOverAReservationClampsToTheRuntimeMaximum() {
        Backing backing = BackingFactory.defaultFactory().create((long) Memory.RUNTIME_MAX_PAGES * PAGE);
        try (backing) {
            SegmentMemory view = SegmentMemory.wrap(backing.segment(), new MemoryLimits(0, MemoryLimits.MAX_PAGES));
            assertEquals(Memory.RUNTIME_MAX_PAGES, view.maximumPages());
            assertEquals(0, view.grow(2));
            view.writeLong(2 * PAGE - 8, 5);
            assertEquals(5, view.readLong(2 * PAGE - 8));
            assertNotSame(backing.segment(), view.segment());
        }
        assertFalse(backing.segment().scope().isAlive());
    }
}
