package dev.tvm.core.spill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.ResidencyStats;
import dev.tvm.core.TvmException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pages faulted back in keep their spill slot: evicting them unmodified writes nothing, a
 * modified one goes back to the slot it had, so the file never holds more than the working set
 * plus one batch. On a full file system, slots of resident pages are reclaimed before anything
 * fails, reads never need disk space, and a write that cannot proceed says which file, how many
 * bytes and what the file system said.
 */
class CleanPagesAndFullDiskTest {
    private static final long BUDGET = 4L << 20;
    private static final int PAGE = 64 * 1024;
    private static final int PAGES = 256; // 16 MiB: four times the budget
    private static final long ONE_BATCH = 32L * PAGE;

    @TempDir
    Path dir;

    private final FaultInjectingChannel.Faults faults = new FaultInjectingChannel.Faults();

    private RegionDirectory directory() {
        return FaultInjectingChannel.directory(dir, BUDGET, faults);
    }

    private static long[] writePass(RegionDirectory d, Region r) {
        long[] handles = new long[PAGES];
        for (int i = 0; i < PAGES; i++) {
            handles[i] = r.allocate(PAGE);
            d.write(handles[i], 0, MemorySegment.ofArray(page(i, 0)), 0, PAGE);
        }
        return handles;
    }

    private static void readPass(RegionDirectory d, long[] handles, int version) {
        byte[] got = new byte[PAGE];
        for (int i = 0; i < handles.length; i++) {
            d.read(handles[i], 0, MemorySegment.ofArray(got), 0, PAGE);
            assertArrayEquals(page(i, version), got, "page " + i);
        }
    }

    private static byte[] page(int i, int version) {
        byte[] b = new byte[PAGE];
        new Random(i * 31L + version).nextBytes(b);
        return b;
    }

    private static Region blobs(RegionDirectory d) {
        RegionSpec spec = RegionSpec.of(RegionKind.BLOB_ARENA);
        return d.create(spec.withPolicy(spec.policy().withSpillable(true)));
    }

    @Test
    void readOnlyPassesWriteOnlyWhatTheWritePassLeftResident() {
        try (RegionDirectory d = directory()) {
            long[] handles = writePass(d, blobs(d));
            long afterWrite = d.residencyStats().bytesSpilled();
            for (int pass = 0; pass < 3; pass++) {
                readPass(d, handles, 0);
            }
            ResidencyStats stats = d.residencyStats();
            // Only the pages the write pass left resident and modified are written again, and
            // write-behind wrote most of those during the write pass.
            assertTrue(
                    stats.bytesSpilled() - afterWrite <= BUDGET / 4 + ONE_BATCH,
                    "read-only passes spilled " + (stats.bytesSpilled() - afterWrite) + " bytes: " + stats);
            assertTrue(stats.bytesEvictedClean() >= 2L * PAGES * PAGE - 2 * BUDGET, stats.toString());
            assertTrue(
                    stats.spillFileBytes() <= (long) PAGES * PAGE + ONE_BATCH + PAGE,
                    "file " + stats.spillFileBytes() + " for a working set of " + (long) PAGES * PAGE);
        }
    }

    @Test
    void modifiedPagesGoBackToTheirOwnSlotsSoTheFileDoesNotGrow() {
        try (RegionDirectory d = directory()) {
            long[] handles = writePass(d, blobs(d));
            readPass(d, handles, 0);
            long fileAfterFirstRound = d.residencyStats().spillFileBytes();
            for (int version = 1; version <= 3; version++) {
                for (int i = 0; i < PAGES; i++) {
                    d.write(handles[i], 0, MemorySegment.ofArray(page(i, version)), 0, PAGE);
                }
                readPass(d, handles, version);
            }
            ResidencyStats stats = d.residencyStats();
            assertEquals(fileAfterFirstRound, stats.spillFileBytes(), "slots were reused, the file did not grow");
            assertTrue(stats.spillFileBytes() <= (long) PAGES * PAGE + ONE_BATCH + PAGE, stats.toString());
        }
    }

    @Test
    void aFullDiskDuringTheWritePassNamesTheFileAndTheBytesAndLosesNothing() {
        try (RegionDirectory d = directory()) {
            Region r = blobs(d);
            faults.maxFileSize = 6L << 20; // room for 6 MiB of the 16 MiB working set
            long[] handles = new long[PAGES];
            TvmException refused = null;
            int written = 0;
            for (; written < PAGES && refused == null; written++) {
                try {
                    handles[written] = r.allocate(PAGE);
                    d.write(handles[written], 0, MemorySegment.ofArray(page(written, 0)), 0, PAGE);
                } catch (TvmException e) {
                    refused = e;
                    written--;
                }
            }
            assertNotNull(refused, "a 16 MiB working set cannot fit 4 MiB of memory and 6 MiB of disk");
            assertEquals(ErrorCode.NO_MEMORY, refused.code());
            String message = refused.getMessage();
            assertTrue(message.contains(d.spillPath().toString()), message);
            assertTrue(message.contains("No space left on device"), message);
            assertTrue(message.contains("more bytes were needed"), message);
            assertTrue(message.contains("the data stays resident and readable"), message);
            readPass(d, java.util.Arrays.copyOf(handles, written), 0);

            faults.maxFileSize = -1; // room again: the directory goes on
            for (int i = written; i < PAGES; i++) {
                if (handles[i] == 0) {
                    handles[i] = r.allocate(PAGE);
                }
                d.write(handles[i], 0, MemorySegment.ofArray(page(i, 0)), 0, PAGE);
            }
            readPass(d, handles, 0);
        }
    }

    @Test
    void withTheDiskFullAfterTheWritePassReadsStillSucceed() {
        try (RegionDirectory d = directory()) {
            long[] handles = writePass(d, blobs(d));
            // Not one more byte fits: every read must make room without growing the file.
            faults.maxFileSize = d.residencyStats().spillFileBytes();
            for (int pass = 0; pass < 3; pass++) {
                readPass(d, handles, 0);
            }
            ResidencyStats stats = d.residencyStats();
            assertTrue(stats.slotsReclaimed() > 0, "slots of resident pages were handed to dirty victims: " + stats);
            assertTrue(stats.residentBytes() <= BUDGET + (256 << 10), stats.toString());
        }
    }
}
