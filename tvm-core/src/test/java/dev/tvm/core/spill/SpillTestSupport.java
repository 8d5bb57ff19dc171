package dev.tvm.core.spill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.TvmException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.junit.jupiter.api.function.Executable;

final class SpillTestSupport {
    private SpillTestSupport() {}

    /** {@code bytes} of random content from {@code seed}, off heap. */
    static MemorySegment random(Arena arena, long bytes, long seed) {
        MemorySegment s = arena.allocate(bytes, 64);
        fill(s, seed);
        return s;
    }

    static void fill(MemorySegment s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long i = 0;
        for (; i + 8 <= s.byteSize(); i += 8) {
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, i, r.nextLong());
        }
        for (; i < s.byteSize(); i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
        }
    }

    static void assertSameBytes(MemorySegment expected, MemorySegment actual) {
        assertEquals(expected.byteSize(), actual.byteSize());
        assertEquals(-1, expected.mismatch(actual), "first differing byte");
    }

    /** Reads the run back into fresh memory, verifying the CRCs, and compares it with {@code expected}. */
    static void assertReadsBack(SpillFile file, long firstSlot, MemorySegment expected, int[] crcs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(expected.byteSize(), 64);
            file.readRun(firstSlot, dst, crcs, 0, "slot " + firstSlot);
            assertSameBytes(expected, dst);
        }
    }

    static TvmException.SpillException assertSpill(ErrorCode code, Executable action) {
        TvmException.SpillException e = assertThrows(TvmException.SpillException.class, action);
        assertEquals(code, e.code(), e.getMessage());
        return e;
    }

    /** XORs one byte of the file with 0xFF behind the spill file's back. */
    static void flipByte(Path path, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0xFF)).rewind();
            ch.write(b, offset);
        }
    }

    static void truncate(Path path, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }
}
