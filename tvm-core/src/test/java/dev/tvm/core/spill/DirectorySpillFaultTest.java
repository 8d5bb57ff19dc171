package dev.tvm.core.spill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.TvmException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the spill medium seen through a {@link RegionDirectory}: each ends in a clear error
 * naming what was lost or refused, no wrong byte is ever returned, and data that was not only on
 * the faulty medium stays readable.
 */
class DirectorySpillFaultTest {
    private static final long BUDGET = 4L << 20;
    private static final int BLOCK = 64 * 1024;

    @TempDir
    Path dir;

    private final FaultInjectingChannel.Faults faults = new FaultInjectingChannel.Faults();

    private RegionDirectory directory() {
        return FaultInjectingChannel.directory(dir, BUDGET, faults);
    }

    private static byte[] block(int i) {
        byte[] b = new byte[BLOCK];
        new Random(i).nextBytes(b);
        return b;
    }

    private static void assertBlock(RegionDirectory d, long h, int i) {
        byte[] read = new byte[BLOCK];
        d.read(h, 0, MemorySegment.ofArray(read), 0, BLOCK);
        assertArrayEquals(block(i), read, "block " + i);
    }

    @Test
    void diskFullDuringEvictionKeepsEveryByteReadableAndTheDirectoryWorking() {
        try (RegionDirectory d = directory()) {
            Region blobs = d.create(RegionSpec.of(RegionKind.BLOB_ARENA));
            faults.diskFullAfter(1L << 20);
            List<Long> handles = new ArrayList<>();
            TvmException refused = null;
            for (int i = 0; i < 200 && refused == null; i++) {
                try {
                    long h = blobs.allocate(BLOCK);
                    d.write(h, 0, MemorySegment.ofArray(block(i)), 0, BLOCK);
                    handles.add(h);
                } catch (TvmException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null, "the budget cannot hold 200 blocks once the disk is full");
            assertEquals(ErrorCode.NO_MEMORY, refused.code());
            assertInstanceOf(TvmException.SpillException.class, refused.getCause(), "cause names the spill failure");
            assertTrue(
                    refused.getCause().getMessage().contains("No space left on device"),
                    refused.getCause().getMessage());
            assertTrue(d.residencyStats().spillFailures() > 0);
            for (int i = 0; i < handles.size(); i++) {
                assertBlock(d, handles.get(i), i); // resident ones and the 1 MiB that did reach disk
            }
            faults.diskHasRoom();
            for (int i = handles.size(); i < 200; i++) {
                long h = blobs.allocate(BLOCK);
                d.write(h, 0, MemorySegment.ofArray(block(i)), 0, BLOCK);
                handles.add(h);
            }
            for (int i = 0; i < handles.size(); i++) {
                assertBlock(d, handles.get(i), i);
            }
        }
    }

    @Test
    void failedExplicitSpillLeavesTheRegionResident() {
        try (RegionDirectory d = directory()) {
            Region blobs = d.create(RegionSpec.of(RegionKind.BLOB_ARENA));
            long[] hs = new long[8];
            for (int i = 0; i < hs.length; i++) {
                hs[i] = blobs.allocate(BLOCK);
                d.write(hs[i], 0, MemorySegment.ofArray(block(i)), 0, BLOCK);
            }
            long resident = d.residencyStats().residentBytes();
            faults.diskFullAfter(0);
            TvmException e = assertThrows(TvmException.class, blobs::spill);
            assertEquals(ErrorCode.SPILL_IO_ERROR, e.code());
            assertEquals(resident, d.residencyStats().residentBytes());
            for (int i = 0; i < hs.length; i++) {
                assertBlock(d, hs[i], i);
            }
        }
    }

    @Test
    void flippedByteInTheSpillFileIsDetectedAndNamesTheRegionAndPage() throws Exception {
        try (RegionDirectory d = directory()) {
            Region blobs = d.create(RegionSpec.of(RegionKind.BLOB_ARENA));
            long[] hs = new long[4];
            for (int i = 0; i < hs.length; i++) {
                hs[i] = blobs.allocate(BLOCK);
                d.write(hs[i], 0, MemorySegment.ofArray(block(i)), 0, BLOCK);
            }
            blobs.spill();
            try (RandomAccessFile f = new RandomAccessFile(d.spillPath().toFile(), "rw")) {
                long at = 2L * BLOCK + 12_345; // slot 1 (header occupies the first page)
                f.seek(at);
                int b = f.read();
                f.seek(at);
                f.write(b ^ 0x40);
            }
            TvmException e = assertThrows(TvmException.class, () -> assertBlock(d, hs[1], 1));
            assertEquals(ErrorCode.SPILL_CORRUPT, e.code());
            assertTrue(e.getMessage().contains("page 1"), e.getMessage());
            assertTrue(e.getMessage().contains("region " + blobs.id()), e.getMessage());
            assertBlock(d, hs[0], 0);
            assertBlock(d, hs[2], 2);
            assertBlock(d, hs[3], 3);
            assertThrows(TvmException.class, () -> assertBlock(d, hs[1], 1), "still refused, never wrong bytes");
        }
    }

    @Test
    void truncatedSpillFileIsDetected() throws Exception {
        try (RegionDirectory d = directory()) {
            Region blobs = d.create(RegionSpec.of(RegionKind.BLOB_ARENA));
            long[] hs = new long[4];
            for (int i = 0; i < hs.length; i++) {
                hs[i] = blobs.allocate(BLOCK);
                d.write(hs[i], 0, MemorySegment.ofArray(block(i)), 0, BLOCK);
            }
            blobs.spill();
            try (RandomAccessFile f = new RandomAccessFile(d.spillPath().toFile(), "rw")) {
                f.setLength(3L * BLOCK); // header + slots 0 and 1 survive
            }
            TvmException e = assertThrows(TvmException.class, () -> assertBlock(d, hs[3], 3));
            assertEquals(ErrorCode.SPILL_CORRUPT, e.code());
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            assertBlock(d, hs[0], 0);
        }
    }

    @Test
    void ioErrorOnFaultIsReportedAndTheDataIsStillThereAfterwards() {
        try (RegionDirectory d = directory()) {
            Region blobs = d.create(RegionSpec.of(RegionKind.BLOB_ARENA));
            long h = blobs.allocate(BLOCK);
            d.write(h, 0, MemorySegment.ofArray(block(7)), 0, BLOCK);
            blobs.spill();
            faults.readError = "Input/output error";
            TvmException e = assertThrows(TvmException.class, () -> assertBlock(d, h, 7));
            assertEquals(ErrorCode.SPILL_IO_ERROR, e.code());
            assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
            faults.readError = null;
            assertBlock(d, h, 7);
        }
    }
}
