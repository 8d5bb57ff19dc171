package dev.tvm.chicory.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.GuestPages;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.ResidencyStats;
import dev.tvm.core.TvmException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A paged memory ({@link SegmentMemory#paged}) several times larger than its directory's resident
 * budget, checked against a plain byte array: pages leave for the spill file and come back
 * checksum-verified while the memory is used, and no byte is ever wrong.
 *
 * <p>Scale with {@code -Dtvm.paged.ops=N} (operations per seed, default 1500).
 */
class PagedMemoryModelTest {
    private static final int PAGE = PagedMemoryModel.PAGE;
    private static final long BUDGET = 4L << 20;
    /** The overshoot ResidencyManager allows: the larger of 4 pages and 1/64 of the budget. */
    private static final long SLACK = Math.max(4L * PAGE, BUDGET / 64);

    private static final int OPS = Integer.getInteger("tvm.paged.ops", 1500);

    @TempDir
    Path spillDir;

    private RegionDirectory directory;

    @BeforeEach
    void open() {
        directory = RegionDirectory.builder()
                .withResidentBudget(BUDGET)
                .withSpillDirectory(spillDir)
                .build();
    }

    @AfterEach
    void close() {
        directory.close();
    }

    /** Writes {@code bytes} random bytes from offset 0, 1 MiB at a time; returns {@code bytes}. */
    private static long writeRandom(PagedMemoryModel model, int bytes, Random r) {
        byte[] chunk = new byte[1 << 20];
        for (int at = 0; at < bytes; at += chunk.length) {
            byte[] piece = chunk.length <= bytes - at ? chunk : new byte[bytes - at];
            r.nextBytes(piece);
            model.write(at, piece);
        }
        return bytes;
    }

    /** A paged memory of {@code initial} pages growable to {@code maximum}, entered by this thread. */
    private SegmentMemory memory(int initial, int maximum) {
        GuestPages pages = directory.createGuestMemory("model", (long) maximum * PAGE);
        return SegmentMemory.paged(pages, new MemoryLimits(initial, maximum));
    }

    /**
     * Invariant: under a 4 MiB budget, a 24 MiB memory (growable to 28 MiB) first filled with random
     * bytes, then driven by seeded random operations of every kind (bulk ones up to 6 MiB, more
     * than the budget), returns exactly what a byte array would after every operation and holds
     * exactly its bytes at the end; pages were spilled and faulted back, and resident bytes never
     * exceeded the budget plus the pager's slack.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void randomOperationsOnAMemorySixTimesTheBudgetMatchAByteArray(long seed) {
        SegmentMemory memory = memory(384, 448);
        PagedMemoryModel model = new PagedMemoryModel(memory, 6 << 20);
        Random r = new Random(seed);
        writeRandom(model, 384 * PAGE, r);
        for (int i = 0; i < OPS; i++) {
            model.step(r);
        }
        model.verifyAll();

        ResidencyStats stats = directory.residencyStats();
        assertTrue(stats.bytesSpilled() >= 20L << 20, "24 MiB written under 4 MiB must spill: " + stats);
        assertTrue(stats.faults() > 0 && stats.bytesFaulted() >= 20L << 20, "and come back: " + stats);
        assertTrue(stats.peakResidentBytes() <= BUDGET + SLACK, "resident stayed within budget + slack: " + stats);
        assertEquals(0, stats.spillFailures(), stats.toString());
    }

    /**
     * Invariant: pages never written read as zero, by every kind of load and by bulk reads, and cost
     * nothing: reading 8 MiB of them (twice the budget) writes none of them to the spill file (the
     * bytes spilled never exceed the 2 MiB that were written), and the written pages keep their
     * bytes.
     */
    @Test
    void neverWrittenPagesReadZeroAndAreNeverWrittenToTheSpillFile() {
        SegmentMemory memory = memory(384, 384);
        PagedMemoryModel model = new PagedMemoryModel(memory, 1 << 20);
        Random r = new Random(7);
        long written = writeRandom(model, 2 << 20, r); // pages 0..31

        for (int pass = 0; pass < 2; pass++) {
            for (int page = 64; page < 64 + 128; page++) {
                int at = page * PAGE;
                assertEquals(0L, memory.readLong(at + 8 * r.nextInt(PAGE / 8)));
                assertEquals(0, memory.readInt(at + PAGE - 2), "a load crossing into the next never-written page");
                assertEquals(0, memory.read(at + PAGE - 1));
            }
            model.verifyRange(64 * PAGE, 8 << 20); // bulk reads of never-written pages, in one call
        }
        model.verifyRange(0, 2 << 20);

        ResidencyStats stats = directory.residencyStats();
        assertTrue(stats.peakResidentBytes() <= BUDGET + SLACK, stats.toString());
        assertTrue(
                stats.bytesSpilled() <= written,
                "only the 2 MiB written may ever be spilled, never the zero pages read: " + stats);
    }

    /**
     * Invariant: a page faulted back from the spill file and not modified leaves memory again
     * without a write (its slot still holds its bytes): once every resident page is clean, reading
     * 6 MiB round and round under a 4 MiB budget evicts megabytes and writes nothing.
     */
    @Test
    void aPageEvictedCleanIsNotWrittenAgain() {
        SegmentMemory memory = memory(96, 96);
        PagedMemoryModel model = new PagedMemoryModel(memory, 1 << 20);
        writeRandom(model, 6 << 20, new Random(11));
        model.verifyAll(); // every page faulted back at least once, every page written out once
        model.verifyAll(); // now everything resident is clean
        ResidencyStats before = directory.residencyStats();

        for (int pass = 0; pass < 3; pass++) {
            for (int page = 0; page < 96; page++) {
                memory.readLong(page * PAGE + 8 * pass); // single loads fault as well as bulk reads
            }
            model.verifyAll();
        }

        ResidencyStats after = directory.residencyStats();
        assertTrue(
                after.bytesEvictedClean() - before.bytesEvictedClean() >= 6L * (6 << 20) / 2,
                "pages were evicted clean: " + before + " -> " + after);
        assertEquals(before.bytesSpilled(), after.bytesSpilled(), "nothing was written: " + before + " -> " + after);
        assertEquals(before.spills(), after.spills(), "no eviction batch was written");
    }

    /**
     * Invariant: a page whose bytes were damaged in the spill file is refused with {@link
     * ErrorCode#SPILL_CORRUPT} by every access that needs it (load, store, bulk read), again on
     * every later try, and never returns a wrong byte; its neighbours (whose faults read ahead into
     * the damaged slot) and every other page still read right.
     */
    @Test
    void aDamagedSpilledPageIsRefusedByEveryAccessAndOtherPagesStillReadRight() throws IOException {
        SegmentMemory memory = memory(160, 160);
        PagedMemoryModel model = new PagedMemoryModel(memory, 1 << 20);
        byte[] page = new byte[PAGE];
        for (int p = 0; p < 16; p++) {
            stamp(page, p);
            model.write(p * PAGE, page);
        }
        byte[] filler = new byte[8 << 20];
        new Random(5).nextBytes(filler);
        model.write(32 * PAGE, filler); // 8 MiB more: pages 0..15, the oldest, leave for the spill file

        int victim = 5;
        stamp(page, victim);
        long offset = find(directory.spillPath(), page);
        try (RandomAccessFile f = new RandomAccessFile(directory.spillPath().toFile(), "rw")) {
            f.seek(offset + 4321);
            int b = f.read();
            f.seek(offset + 4321);
            f.write(b ^ 0x10);
        }

        int at = victim * PAGE + 4320;
        for (int attempt = 0; attempt < 2; attempt++) {
            assertCorrupt(() -> memory.readLong(at));
            assertCorrupt(() -> memory.read(at + 1));
            assertCorrupt(() -> memory.writeI32(at, 42));
            assertCorrupt(() -> memory.readBytes((victim - 1) * PAGE, 3 * PAGE));
            assertCorrupt(() -> memory.readInt(victim * PAGE - 2)); // crossing into it
        }
        model.verifyRange(0, victim * PAGE); // page 4's fault reads ahead into the damaged slot
        model.verifyRange((victim + 1) * PAGE, 10 * PAGE);
        model.verifyRange(32 * PAGE, filler.length);
        assertCorrupt(() -> memory.readLong(at));
        assertNotEquals(0, directory.residencyStats().bytesFaulted());
    }

    private static void assertCorrupt(Executable access) {
        TvmException.SpillException e = assertThrows(TvmException.SpillException.class, access);
        assertEquals(ErrorCode.SPILL_CORRUPT, e.code(), e.getMessage());
    }

    /** Fills {@code page} with a pattern unique to page number {@code p}. */
    private static void stamp(byte[] page, int p) {
        for (int i = 0; i < page.length; i++) {
            page[i] = (byte) (p * 31 + i * 7 + (i >>> 8));
        }
    }

    /** The file offset of the 64 KiB slot holding exactly {@code page}'s bytes. */
    private static long find(Path file, byte[] page) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] slot = new byte[PAGE];
            for (long at = 0; at + PAGE <= f.length(); at += PAGE) {
                f.seek(at);
                f.readFully(slot);
                if (Arrays.equals(slot, page)) {
                    return at;
                }
            }
        }
        throw new AssertionError("the page is not in the spill file " + file);
    }
}
