package dev.tvm.core.spill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.TvmException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Fuzzes the spill-file reader ({@link SpillFile#open}, {@link SpillFile#readRun}) on corrupted
 * files. A valid, snapshotted spill file is built once; each input picks a mode and corrupts it:
 *
 * <ul>
 *   <li>{@code RAW}: byte edits, truncation, insertion, deletion, appending;
 *   <li>{@code FORGED}: the same, then the header and metadata CRC32Cs are recomputed (a file made
 *       by a buggy or hostile writer, which the checksums cannot catch);
 *   <li>{@code ARBITRARY}: the input's bytes are the whole file.
 * </ul>
 *
 * Invariant: open and every read either succeed or throw a {@link TvmException.SpillException}
 * ({@code SPILL_CORRUPT} or {@code SPILL_IO_ERROR}; {@code INVALID_ARGUMENT} for declaring a run the
 * damaged trailer no longer has); nothing else escapes. No damaged byte is accepted silently: in
 * {@code RAW} mode the metadata read back equals the original, and in every mode a run read with
 * its original checksums equals the original bytes.
 */
class SpillFileFuzzTest {
    private static final int PAGE = SpillFile.MIN_PAGE_SIZE;
    private static final int RAW = 0;
    private static final int FORGED = 1;
    private static final int ARBITRARY = 2;
    /** Runs of the reference file: first slot, page count. */
    private static final long[][] RUNS = {{0, 1}, {1, 2}, {3, 1}, {4, 3}};

    private static final Path DIR;
    private static final byte[] ORIGINAL;
    private static final byte[] METADATA;
    private static final byte[][] CONTENTS = new byte[RUNS.length][];
    private static final int[][] CRCS = new int[RUNS.length][];

    static {
        try {
            DIR = Files.createTempDirectory("tvm-spill-fuzz");
            DIR.toFile().deleteOnExit();
            Path reference = DIR.resolve("reference.spill");
            METADATA = "page table: 4 runs, 7 pages".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            try (SpillFile file = SpillFile.create(reference, PAGE);
                    Arena arena = Arena.ofConfined()) {
                for (int r = 0; r < RUNS.length; r++) {
                    int pages = (int) RUNS[r][1];
                    long first = file.allocateRun(pages);
                    assertEquals(RUNS[r][0], first);
                    byte[] bytes = new byte[pages * PAGE];
                    for (int i = 0; i < bytes.length; i++) {
                        bytes[i] = (byte) (i * 31 + r * 7 + (i >>> 9));
                    }
                    CONTENTS[r] = bytes;
                    MemorySegment src = arena.allocate(bytes.length);
                    src.copyFrom(MemorySegment.ofArray(bytes));
                    CRCS[r] = file.writeRun(first, src);
                }
                file.writeMetadata(METADATA);
            }
            ORIGINAL = Files.readAllBytes(reference);
            Files.delete(reference);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Corrupts the reference spill file as the input says and reads it back; see the class comment. */
    @FuzzTest(maxDuration = "10m")
    void corruptedSpillFile(FuzzedDataProvider data) throws IOException {
        int mode = data.consumeInt(RAW, ARBITRARY);
        byte[] bytes = mode == ARBITRARY ? data.consumeRemainingAsBytes() : corrupt(ORIGINAL, data);
        if (mode == FORGED) {
            fixChecksums(bytes);
        }
        Path path = DIR.resolve("fuzzed-" + Thread.currentThread().threadId() + ".spill");
        Files.write(path, bytes);
        try {
            check(path, mode);
        } finally {
            Files.deleteIfExists(path);
        }
    }

    private static void check(Path path, int mode) {
        SpillFile file;
        try {
            file = SpillFile.open(path);
        } catch (TvmException.SpillException e) {
            assertSpillCode(e);
            return;
        }
        try (file) {
            assertEquals(PAGE, file.pageSize());
            if (mode == RAW) {
                assertArrayEquals(METADATA, file.metadata(), "damaged metadata accepted");
            }
            try (Arena arena = Arena.ofConfined()) {
                for (int r = 0; r < RUNS.length; r++) {
                    readBack(file, arena, r);
                }
                // The reopened file stays writable: a fresh run reads back.
                MemorySegment page = arena.allocate(PAGE);
                page.fill((byte) 0x5a);
                try {
                    SpillRun run = file.spill(page);
                    MemorySegment back = arena.allocate(PAGE);
                    file.readRun(run.firstSlot(), back, run.crcs(), 0, "fresh run");
                    assertEquals(-1, page.mismatch(back), "fresh run reads back");
                } catch (TvmException.SpillException e) {
                    assertSpillCode(e);
                }
            }
        }
    }

    private static void readBack(SpillFile file, Arena arena, int r) {
        long first = RUNS[r][0];
        int pages = (int) RUNS[r][1];
        try {
            file.markUsed(first, pages);
        } catch (TvmException e) {
            // The (damaged) trailer declares fewer slots than the run needs.
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), e.getMessage());
            return;
        }
        MemorySegment dst = arena.allocate((long) pages * PAGE);
        try {
            file.readRun(first, dst, CRCS[r], 0, "run " + r);
        } catch (TvmException.SpillException e) {
            assertSpillCode(e);
            return;
        }
        if (dst.mismatch(MemorySegment.ofArray(CONTENTS[r])) != -1) {
            fail("run " + r + " (slots " + first + "+" + pages + ") read back different bytes without a CRC failure");
        }
    }

    private static void assertSpillCode(TvmException e) {
        assertTrue(
                e.code() == ErrorCode.SPILL_CORRUPT || e.code() == ErrorCode.SPILL_IO_ERROR,
                "unexpected code " + e.code() + ": " + e.getMessage());
    }

    /** Applies up to 8 fuzzer-chosen edits to a copy of {@code original}. */
    static byte[] corrupt(byte[] original, FuzzedDataProvider data) {
        byte[] b = original.clone();
        int edits = data.consumeInt(1, 8);
        for (int e = 0; e < edits && data.remainingBytes() > 0; e++) {
            int op = data.consumeInt(0, 5);
            if (op == 0) { // overwrite one byte anywhere, biased towards the header and the tail
                int at = pick(b.length, data);
                if (at >= 0) {
                    b[at] = data.consumeByte();
                }
            } else if (op == 1) { // overwrite a 4- or 8-byte field with a chosen value
                int at = pick(b.length, data);
                boolean wide = data.consumeBoolean();
                long v = data.consumeLong();
                int n = wide ? 8 : 4;
                if (at >= 0 && at + n <= b.length) {
                    for (int i = 0; i < n; i++) {
                        b[at + i] = (byte) (v >>> (8 * i));
                    }
                }
            } else if (op == 2) { // truncate
                b = Arrays.copyOf(b, data.consumeInt(0, b.length));
            } else if (op == 3) { // append
                byte[] extra = data.consumeBytes(data.consumeInt(0, 2 * PAGE));
                byte[] grown = Arrays.copyOf(b, b.length + extra.length);
                System.arraycopy(extra, 0, grown, b.length, extra.length);
                b = grown;
            } else if (op == 4) { // delete a range (shifts the tail, e.g. a whole page)
                if (b.length > 0) {
                    int from = data.consumeInt(0, b.length - 1);
                    int len = data.consumeBoolean() ? PAGE : data.consumeInt(0, b.length - from);
                    len = Math.min(len, b.length - from);
                    byte[] shrunk = new byte[b.length - len];
                    System.arraycopy(b, 0, shrunk, 0, from);
                    System.arraycopy(b, from + len, shrunk, from, b.length - from - len);
                    b = shrunk;
                }
            } else { // insert a range of zeros (e.g. a whole page)
                int at = data.consumeInt(0, b.length);
                int len = data.consumeBoolean() ? PAGE : data.consumeInt(0, 64);
                byte[] grown = new byte[b.length + len];
                System.arraycopy(b, 0, grown, 0, at);
                System.arraycopy(b, at, grown, at + len, b.length - at);
                b = grown;
            }
        }
        return b;
    }

    /** An offset in a file of {@code length} bytes: in the header, in the last 128 bytes, or anywhere. */
    private static int pick(int length, FuzzedDataProvider data) {
        if (length == 0) {
            return -1;
        }
        int where = data.consumeInt(0, 2);
        if (where == 0) {
            return data.consumeInt(0, Math.min(length, 32) - 1);
        }
        if (where == 1) {
            return length - 1 - data.consumeInt(0, Math.min(length, 128) - 1);
        }
        return data.consumeInt(0, length - 1);
    }

    /**
     * Recomputes the header CRC and, where the footer's metadata offset and length fall inside the
     * file, the metadata CRC, so that a forged file gets past the checksums.
     */
    static void fixChecksums(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (b.length >= SpillFile.HEADER_BYTES) {
            buf.putInt(20, crc(b, 0, 20));
        }
        if (b.length >= SpillFile.FOOTER_BYTES) {
            int footer = b.length - SpillFile.FOOTER_BYTES;
            long offset = buf.getLong(footer);
            long length = buf.getLong(footer + 8);
            if (offset >= 0 && offset <= footer && length >= 0 && length <= footer - offset) {
                buf.putInt(footer + 16, crc(b, (int) offset, (int) length));
            }
        }
    }

    private static int crc(byte[] b, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(b, offset, length);
        return (int) crc.getValue();
    }
}
