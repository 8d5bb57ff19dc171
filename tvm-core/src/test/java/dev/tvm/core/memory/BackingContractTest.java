package dev.tvm.core.memory;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The {@link Backing} contract, run against every implementation by a subclass that supplies the
 * factory: zero on creation, bytes read back as written, {@code discard} zeroes exactly its range
 * (page-aligned or not) and nothing else, access after {@code close} throws {@link
 * IllegalStateException}, and {@code close} is idempotent.
 */
abstract class BackingContractTest {
    static final long CAPACITY = 256 * 1024;
    static final byte MARK = (byte) 0xAB;

    abstract Backing create(long capacity);

    /** Index of the first byte of {@code [from, to)} that is not {@code value}, or -1. */
    static long firstNot(MemorySegment s, long from, long to, byte value) {
        for (long i = from; i < to; i++) {
            if (s.get(JAVA_BYTE, i) != value) {
                return i;
            }
        }
        return -1;
    }

    static boolean allZero(MemorySegment s) {
        return s.mismatch(MemorySegment.ofArray(new byte[(int) s.byteSize()])) == -1;
    }

    @Test
    void newBackingHasItsCapacityAndReadsZero() {
        for (long capacity : new long[] {1, 4095, 4096, 12345, CAPACITY, 1 << 20}) {
            try (Backing b = create(capacity)) {
                assertEquals(capacity, b.capacity());
                assertEquals(capacity, b.segment().byteSize());
                assertEquals(true, allZero(b.segment()), "capacity " + capacity + " reads zero");
            }
        }
    }

    @Test
    void bytesReadBackAsWritten() {
        try (Backing b = create(CAPACITY)) {
            MemorySegment s = b.segment();
            byte[] data = new byte[(int) CAPACITY];
            new Random(5).nextBytes(data);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, s, 0, CAPACITY);
            byte[] back = new byte[(int) CAPACITY];
            MemorySegment.copy(s, 0, MemorySegment.ofArray(back), 0, CAPACITY);
            assertArrayEquals(data, back);
            s.set(JAVA_LONG, CAPACITY - 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, s.get(JAVA_LONG, CAPACITY - 8));
        }
    }

    private void checkDiscard(Backing b, long offset, long length) {
        MemorySegment s = b.segment();
        s.fill(MARK);
        b.discard(offset, length);
        long cap = b.capacity();
        String what = "discard(" + offset + ", " + length + ")";
        assertEquals(-1, firstNot(s, 0, offset, MARK), what + " touched a byte before the range");
        assertEquals(-1, firstNot(s, offset, offset + length, (byte) 0), what + " left a non-zero byte");
        assertEquals(-1, firstNot(s, offset + length, cap, MARK), what + " touched a byte after the range");
    }

    @Test
    void discardZeroesExactlyTheRange() {
        try (Backing b = create(CAPACITY)) {
            long[][] cases = {
                {0, CAPACITY}, // everything
                {0, 0}, // nothing
                {4096, 8192}, // whole pages only
                {100, 50}, // inside one page
                {4000, 10_000}, // unaligned head and tail spanning pages
                {4095, 2}, // straddling one page boundary
                {1, 4096 * 3 - 2}, // one byte short of whole pages on both sides
                {8192, 4096 + 1}, // aligned head, one tail byte
                {8191, 4096 + 1}, // one head byte, aligned tail
                {CAPACITY - 1, 1}, // last byte
                {CAPACITY - 4096, 4096}, // last page
                {0, 1}, // first byte
            };
            for (long[] c : cases) {
                checkDiscard(b, c[0], c[1]);
            }
        }
    }

    @Test
    void randomDiscardsZeroExactlyTheirRange() {
        Random rnd = new Random(77);
        try (Backing b = create(CAPACITY)) {
            for (int i = 0; i < 100; i++) {
                long offset = rnd.nextInt((int) CAPACITY);
                long length = rnd.nextInt((int) (CAPACITY - offset) + 1);
                checkDiscard(b, offset, length);
            }
        }
    }

    @Test
    void discardedRangesCanBeWrittenAgain() {
        try (Backing b = create(CAPACITY)) {
            MemorySegment s = b.segment();
            s.fill((byte) 7);
            b.discard(0, CAPACITY);
            assertEquals(true, allZero(s));
            s.fill((byte) 9);
            assertEquals(-1, firstNot(s, 0, CAPACITY, (byte) 9));
        }
    }

    @Test
    void accessAfterCloseThrowsIllegalStateException() {
        Backing b = create(CAPACITY);
        MemorySegment s = b.segment();
        s.set(JAVA_BYTE, 0, (byte) 1);
        b.close();
        assertThrows(IllegalStateException.class, () -> s.get(JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> s.set(JAVA_BYTE, 10, (byte) 1));
        assertThrows(IllegalStateException.class, () -> b.segment().get(JAVA_LONG, 8));
        assertThrows(IllegalStateException.class, () -> s.fill((byte) 0));
        assertThrows(IllegalStateException.class, () -> b.discard(100, 10));
        assertThrows(IllegalStateException.class, () -> b.discard(0, CAPACITY));
        assertThrows(IllegalStateException.class, () -> b.discard(4096, 8192));
    }

    @Test
    void closingTwiceIsHarmless() {
        Backing b = create(CAPACITY);
        b.close();
        assertDoesNotThrow(b::close);
        assertThrows(IllegalStateException.class, () -> b.segment().get(JAVA_BYTE, 0));
    }
}
