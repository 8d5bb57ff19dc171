package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot a directory, reopen it warm, and every region, handle and byte is as it was. */
class SnapshotTest {
    @TempDir
    Path tmp;

    /** What a test wrote: handle to contents, and handles freed before the snapshot. */
    private static final class Written {
        final Map<Long, byte[]> live = new LinkedHashMap<>();
        final List<Long> freed = new ArrayList<>();
        final List<Integer> refs = new ArrayList<>();
    }

    private static Written populate(RegionDirectory dir, long seed) {
        Written w = new Written();
        Random random = new Random(seed);
        for (RegionKind kind : RegionKind.values()) {
            RegionSpec spec = RegionSpec.of(kind).withCapacity(8 << 20);
            spec = spec.withPolicy(spec.policy().withSpillable(true));
            Region region = dir.create(spec);
            w.refs.add(region.ref());
            for (int i = 0; i < 40; i++) {
                int size = kind == RegionKind.PAGE_STORE || kind == RegionKind.OBJECT_ARENA
                        ? 1 + random.nextInt(65536)
                        : 1 + random.nextInt(100_000);
                long h = region.allocate(size);
                byte[] data = new byte[size];
                random.nextBytes(data);
                dir.write(h, 0, MemorySegment.ofArray(data), 0, size);
                w.live.put(h, data);
            }
            List<Long> handles = new ArrayList<>(w.live.keySet());
            for (int i = 0; i < 10; i++) {
                long h = handles.get(handles.size() - 1 - 3 * i);
                if (HandleCodec.regionRef(h) == region.ref()) {
                    dir.free(h);
                    w.live.remove(h);
                    w.freed.add(h);
                }
            }
        }
        Region doomed = dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(1 << 20));
        dir.destroy(doomed.ref()); // its id's generation must survive the restart
        return w;
    }

    private static void assertSame(RegionDirectory dir, Written w) {
        for (Map.Entry<Long, byte[]> e : w.live.entrySet()) {
            byte[] read = new byte[e.getValue().length];
            dir.read(e.getKey(), 0, MemorySegment.ofArray(read), 0, read.length);
            assertArrayEquals(e.getValue(), read, HandleCodec.describe(e.getKey()));
        }
        for (long h : w.freed) {
            assertEquals(
                    ErrorCode.STALE_HANDLE,
                    assertThrows(TvmException.class, () -> dir.sizeOf(h)).code());
        }
    }

    @Test
    void snapshotReopensWarmWithEveryHandleAndByte() {
        Path file = tmp.resolve("dir.tvms");
        Written w;
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            w = populate(dir, 1);
            dir.snapshot(file);
            assertSame(dir, w); // the snapshot changed nothing
        }
        try (RegionDirectory dir = RegionDirectory.builder().open(file)) {
            assertEquals(w.refs.size(), dir.regionCount());
            for (int ref : w.refs) {
                assertEquals(Tier.WARM, dir.region(ref).info().tier());
            }
            assertSame(dir, w);
            // New regions never take a live id, and reuse the destroyed one's id under a newer generation.
            Region fresh = dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(1 << 20));
            assertTrue(!w.refs.contains(fresh.ref()));
            assertTrue(HandleCodec.regionGen(fresh.ref()) >= 2, HandleCodec.describeRegion(fresh.ref()));
            // Restored allocators and tables go on working: new allocations read zero, old data intact.
            Region heap = dir.region(w.refs.get(RegionKind.HOT_HEAP.code()));
            long h = heap.allocate(5000);
            byte[] zero = new byte[5000];
            byte[] read = new byte[5000];
            dir.read(h, 0, MemorySegment.ofArray(read), 0, 5000);
            assertArrayEquals(zero, read);
            heap.compact(); // turns it HOT first
            assertEquals(Tier.HOT, heap.info().tier());
            assertSame(dir, w);
            // Writes to a WARM region stay private to the process: the snapshot file is untouched.
            long first = w.live.keySet().iterator().next();
            dir.setLong(first, 0, 0x1234);
        }
        try (RegionDirectory dir = RegionDirectory.builder().open(file)) {
            assertSame(dir, w);
            Region blobs = dir.region(w.refs.get(RegionKind.BLOB_ARENA.code()));
            blobs.reset();
            assertEquals(Tier.HOT, blobs.info().tier());
            assertEquals(0, blobs.stats().liveAllocations());
            long h = blobs.allocate(70_000);
            assertEquals(0, dir.getLong(h, 65_536), "reset WARM pages read zero, not the file's bytes");
        }
    }

    @Test
    void snapshotOfASpillingDirectoryCarriesTheSpilledPages() {
        Path file = tmp.resolve("spilled.tvms");
        Written w;
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(4L << 20)
                .withSpillDirectory(tmp)
                .build()) {
            w = populate(dir, 2);
            assertTrue(dir.residencyStats().bytesSpilled() > 0, "the working set exceeds the budget");
            dir.snapshot(file);
        }
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(4L << 20)
                .withSpillDirectory(tmp)
                .open(file)) {
            assertSame(dir, w);
            for (int ref : w.refs) {
                dir.region(ref).load(); // promote everything through the budget: pages spill again
            }
            assertSame(dir, w);
            assertTrue(dir.residencyStats().residentBytes() <= (4L << 20) + (256 << 10));
        }
    }

    @Test
    void corruptOrTruncatedSnapshotIsRefusedWithTheRegionAndPage() throws Exception {
        Path file = tmp.resolve("bad.tvms");
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            populate(dir, 3);
            dir.snapshot(file);
        }
        Path flipped = tmp.resolve("flipped.tvms");
        Files.copy(file, flipped);
        try (RandomAccessFile f = new RandomAccessFile(flipped.toFile(), "rw")) {
            long at = 3L * 65536 + 77;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 1);
        }
        TvmException e =
                assertThrows(TvmException.class, () -> RegionDirectory.builder().open(flipped));
        assertEquals(ErrorCode.SPILL_CORRUPT, e.code());
        assertTrue(e.getMessage().contains("page"), e.getMessage());
        assertTrue(e.getMessage().contains("region"), e.getMessage());

        Path cut = tmp.resolve("cut.tvms");
        Files.copy(file, cut);
        try (RandomAccessFile f = new RandomAccessFile(cut.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        assertEquals(
                ErrorCode.SPILL_CORRUPT,
                assertThrows(TvmException.class, () -> RegionDirectory.builder().open(cut))
                        .code());

        // Trusted (unverified) open of the flipped file maps it; the damage is then visible, as documented.
        try (RegionDirectory dir =
                RegionDirectory.builder().withSnapshotVerification(false).open(flipped)) {
            assertNotEquals(0, dir.regionCount());
        }
    }
}
