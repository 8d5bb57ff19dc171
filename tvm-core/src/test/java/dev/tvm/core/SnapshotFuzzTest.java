package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes snapshot restore ({@link RegionDirectory.Builder#open}) on corrupted snapshots. A
 * directory with one region of every kind is snapshotted once; each input corrupts a copy:
 *
 * <ul>
 *   <li>{@code RAW}: byte and field edits anywhere (pages, metadata, footer, header), truncation;
 *   <li>{@code FORGED}: edits inside the metadata trailer, then its CRC32C (and the header's) is
 *       recomputed, so the directory's own decoding of the metadata is what must hold;
 *   <li>{@code ARBITRARY}: the input is the whole file.
 * </ul>
 *
 * Invariant: open either succeeds or throws a {@link TvmException} with {@code SPILL_CORRUPT},
 * {@code SPILL_IO_ERROR} or {@code NO_MEMORY}; nothing else escapes. After a successful open in
 * {@code RAW} mode every live handle reads back its original bytes (a damaged page must have
 * failed its CRC); in every mode, reads of the original handles, a fresh allocation in every region
 * and closing the directory throw nothing but {@link TvmException}.
 */
class SnapshotFuzzTest {
    private static final int RAW = 0;
    private static final int FORGED = 1;
    private static final int ARBITRARY = 2;
    private static final int FOOTER = 36;

    private static final Path DIR;
    private static final byte[] ORIGINAL;
    private static final int META_OFFSET;
    private static final int META_LENGTH;
    private static final Map<Long, byte[]> LIVE = new LinkedHashMap<>();
    private static final List<Long> FREED = new ArrayList<>();

    static {
        try {
            DIR = Files.createTempDirectory("tvm-snapshot-fuzz");
            DIR.toFile().deleteOnExit();
            Path reference = DIR.resolve("reference.snapshot");
            SplittableRandom random = new SplittableRandom(7);
            try (RegionDirectory dir = RegionDirectory.builder().build()) {
                for (RegionKind kind : RegionKind.values()) {
                    Region region = dir.create(RegionSpec.of(kind).withCapacity(1 << 20));
                    for (int i = 0; i < 4; i++) {
                        int size = 1 + random.nextInt(kind == RegionKind.PAGE_STORE ? 4096 : 3000);
                        long h = region.allocate(size);
                        byte[] data = new byte[size];
                        random.nextBytes(data);
                        dir.write(h, 0, MemorySegment.ofArray(data), 0, size);
                        if (i == 1) {
                            dir.free(h);
                            FREED.add(h);
                        } else {
                            LIVE.put(h, data);
                        }
                    }
                }
                dir.destroy(dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(1 << 16))
                        .ref());
                dir.snapshot(reference);
            }
            ORIGINAL = Files.readAllBytes(reference);
            Files.delete(reference);
            ByteBuffer footer = ByteBuffer.wrap(ORIGINAL, ORIGINAL.length - FOOTER, FOOTER)
                    .slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
            META_OFFSET = (int) footer.getLong(0);
            META_LENGTH = (int) footer.getLong(8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Corrupts the reference snapshot as the input says and restores it; see the class comment. */
    @FuzzTest(maxDuration = "10m")
    void corruptedSnapshot(FuzzedDataProvider data) throws IOException {
        int mode = data.consumeInt(RAW, ARBITRARY);
        byte[] bytes;
        if (mode == ARBITRARY) {
            bytes = data.consumeRemainingAsBytes();
        } else {
            bytes = ORIGINAL.clone();
            int edits = data.consumeInt(1, 6);
            for (int e = 0; e < edits && data.remainingBytes() > 0; e++) {
                int at = mode == FORGED
                        ? META_OFFSET + data.consumeInt(0, META_LENGTH - 1)
                        : data.consumeInt(0, bytes.length - 1);
                int width = new int[] {1, 4, 8}[data.consumeInt(0, 2)];
                long value = data.consumeLong();
                for (int i = 0; i < width && at + i < bytes.length; i++) {
                    // metadata is big-endian (DataOutput): most significant byte first
                    bytes[at + i] = (byte) (value >>> (8 * (width - 1 - i)));
                }
            }
            if (mode == RAW && data.consumeBoolean()) {
                bytes = java.util.Arrays.copyOf(bytes, data.consumeInt(0, bytes.length));
            }
            if (mode == FORGED) {
                fixChecksums(bytes);
            }
        }
        Path path = DIR.resolve("fuzzed-" + Thread.currentThread().threadId() + ".snapshot");
        Files.write(path, bytes);
        try {
            check(path, mode);
        } finally {
            Files.deleteIfExists(path);
        }
    }

    private static void check(Path path, int mode) {
        RegionDirectory dir;
        try {
            dir = RegionDirectory.builder().open(path);
        } catch (TvmException e) {
            assertTrue(
                    e.code() == ErrorCode.SPILL_CORRUPT
                            || e.code() == ErrorCode.SPILL_IO_ERROR
                            || e.code() == ErrorCode.NO_MEMORY,
                    "unexpected code " + e.code() + ": " + e.getMessage());
            return;
        }
        try (dir) {
            for (Map.Entry<Long, byte[]> entry : LIVE.entrySet()) {
                byte[] expected = entry.getValue();
                byte[] read = new byte[expected.length];
                try {
                    dir.read(entry.getKey(), 0, MemorySegment.ofArray(read), 0, read.length);
                } catch (TvmException e) {
                    if (mode == RAW) {
                        fail("a damaged snapshot opened but " + HandleCodec.describe(entry.getKey()) + " fails: " + e);
                    }
                    continue;
                }
                if (mode == RAW) {
                    assertArrayEquals(
                            expected, read, "damaged bytes accepted for " + HandleCodec.describe(entry.getKey()));
                }
            }
            for (long h : FREED) {
                try {
                    dir.sizeOf(h);
                    if (mode == RAW) {
                        fail("freed " + HandleCodec.describe(h) + " is live after restore");
                    }
                } catch (TvmException expected) {
                    // stale, as it should be
                }
            }
            for (Region region : dir.liveRegions()) {
                try {
                    long h = region.allocate(100);
                    dir.fill(h, 0, 100, (byte) 1);
                    dir.free(h);
                } catch (TvmException e) {
                    // full, read-only, or refused: fine
                }
            }
        }
    }

    /** The first finding, spelled out: a checksum-valid snapshot whose metadata names region id -1. */
    @Test
    void forgedRegionIdIsCorruptNotAnIndexError() throws IOException {
        byte[] bytes = ORIGINAL.clone();
        // magic, version, next fresh id, used-id count, then the first (id, generation) pair
        ByteBuffer.wrap(bytes).putInt(META_OFFSET + 16, -1);
        fixChecksums(bytes);
        Path path = DIR.resolve("forged-id.snapshot");
        Files.write(path, bytes);
        try {
            TvmException e = assertThrows(
                    TvmException.class,
                    () -> RegionDirectory.builder().open(path).close());
            assertEquals(ErrorCode.SPILL_CORRUPT, e.code(), e.getMessage());
        } finally {
            Files.deleteIfExists(path);
        }
    }

    /** Recomputes the header CRC and the metadata CRC (for the metadata range in the file's own footer). */
    private static void fixChecksums(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(20, crc(b, 0, 20));
        int footer = b.length - FOOTER;
        buf.putInt(footer + 16, crc(b, META_OFFSET, META_LENGTH));
    }

    private static int crc(byte[] b, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(b, offset, length);
        return (int) crc.getValue();
    }
}
