package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** EXTERNAL regions: bytes come from a loader page by page, never written, dropped under pressure. */
class ExternalRegionTest {
    private static final int SIZE = 10 * 1024 * 1024 + 12_345; // not a page multiple

    @TempDir
    Path tmp;

    private Path file;
    private byte[] bytes;

    @BeforeEach
    void writeSource() throws IOException {
        bytes = new byte[SIZE];
        new Random(5).nextBytes(bytes);
        file = tmp.resolve("weights.bin");
        Files.write(file, bytes);
    }

    private void assertRange(RegionDirectory dir, long h, int offset, int length) {
        byte[] read = new byte[length];
        dir.read(h, offset, MemorySegment.ofArray(read), 0, length);
        byte[] expected = new byte[length];
        System.arraycopy(bytes, offset, expected, 0, length);
        assertArrayEquals(expected, read, "bytes at " + offset);
    }

    @Test
    void pagesLoadOnFirstAccessOnly() throws IOException {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region weights = dir.createExternal("weights", FileLoader.open(file));
            long h = weights.contentHandle();
            assertEquals(Tier.EXTERNAL, weights.info().tier());
            assertEquals(SIZE, dir.sizeOf(h));
            assertEquals(0, weights.info().residentBytes(), "nothing loaded before the first access");
            assertRange(dir, h, 70_000, 100);
            assertEquals(65_536, weights.info().residentBytes(), "exactly the page touched");
            assertRange(dir, h, SIZE - 5000, 5000); // the short last page
            Random random = new Random(1);
            for (int i = 0; i < 200; i++) {
                int offset = random.nextInt(SIZE - 70_000);
                assertRange(dir, h, offset, 1 + random.nextInt(70_000));
            }
            assertEquals(bytes[12345], (byte) dir.getInt(h, 12345));
        }
    }

    @Test
    void externalRegionsAreReadOnly() throws IOException {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region weights = dir.createExternal("weights", FileLoader.open(file));
            Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(1 << 20));
            long h = weights.contentHandle();
            long other = heap.allocate(64);
            Executable[] writes = {
                () -> dir.write(h, 0, MemorySegment.ofArray(new byte[8]), 0, 8),
                () -> dir.setLong(h, 0, 1),
                () -> dir.setInt(h, 0, 1),
                () -> dir.fill(h, 0, 8, (byte) 1),
                () -> dir.copy(h, 0, other, 0, 8),
                () -> weights.allocate(8),
                () -> dir.free(h),
                weights::reset,
                weights::compact
            };
            for (Executable write : writes) {
                assertEquals(
                        ErrorCode.READ_ONLY,
                        assertThrows(TvmException.class, write).code());
            }
            dir.copy(other, 0, h, 0, 64); // reading out of it is fine
            assertRange(dir, h, 0, 64);
            assertEquals(9, weights.stats().failures(ErrorCode.READ_ONLY));
        }
    }

    @Test
    void underABudgetPagesAreDroppedNotWrittenAndComeBackFromTheLoader() throws IOException {
        long budget = 4L << 20;
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(budget)
                .withSpillDirectory(tmp)
                .build()) {
            Region weights = dir.createExternal("weights", FileLoader.open(file));
            long h = weights.contentHandle();
            for (int pass = 0; pass < 2; pass++) {
                for (int offset = 0; offset < SIZE; offset += 100_000) {
                    assertRange(dir, h, offset, Math.min(100_000, SIZE - offset));
                }
            }
            ResidencyStats stats = dir.residencyStats();
            assertTrue(stats.bytesDropped() > SIZE, stats.toString());
            assertEquals(0, stats.bytesSpilled(), "read-only pages are never written");
            assertTrue(stats.peakResidentBytes() <= budget + (256 << 10), stats.toString());
            weights.spill(); // explicit demotion drops everything
            assertEquals(0, weights.info().residentBytes());
            assertRange(dir, h, 0, 1000);
        }
    }

    @Test
    void loaderFailuresAreReportedAndRetried() {
        AtomicBoolean broken = new AtomicBoolean(true);
        ExternalLoader flaky = new ExternalLoader() {
            @Override
            public long size() {
                return SIZE;
            }

            @Override
            public void load(long offset, MemorySegment dst) throws IOException {
                if (broken.get()) {
                    throw new IOException("Input/output error");
                }
                MemorySegment.copy(MemorySegment.ofArray(bytes), offset, dst, 0, dst.byteSize());
            }

            @Override
            public String describe() {
                return "flaky source";
            }
        };
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.createExternal("flaky", flaky);
            TvmException e = assertThrows(TvmException.class, () -> assertRange(dir, r.contentHandle(), 0, 10));
            assertEquals(ErrorCode.SPILL_IO_ERROR, e.code());
            assertTrue(e.getMessage().contains("flaky source"), e.getMessage());
            broken.set(false);
            assertRange(dir, r.contentHandle(), 0, 10);
        }
    }
}
