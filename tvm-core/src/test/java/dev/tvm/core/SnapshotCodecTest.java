package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.alloc.AllocatorState;
import dev.tvm.core.spill.SpillFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SnapshotCodec} on the committed version-1 fixture (see {@link
 * SnapshotFormatCompatibilityTest}): decoding and encoding give its bytes back, and values the
 * owners refuse make the open fail with {@code SPILL_CORRUPT} naming the value.
 */
class SnapshotCodecTest {
    @TempDir
    Path tmp;

    private Path fixture() throws IOException {
        Path file = tmp.resolve("fixture.tvms");
        try (InputStream in = SnapshotCodecTest.class.getResourceAsStream("snapshot-v1.tvms")) {
            Files.copy(in, file);
        }
        return file;
    }

    private static byte[] metadata(Path file) {
        try (SpillFile in = SpillFile.open(file)) {
            return in.metadata();
        }
    }

    /** Rewrites the metadata of the snapshot {@code file} as {@code edit} says; the pages stay. */
    private static void rewrite(Path file, UnaryOperator<SnapshotCodec.Contents> edit) throws IOException {
        SnapshotCodec.Contents contents = SnapshotCodec.decode(metadata(file), file);
        try (SpillFile out = SpillFile.open(file)) {
            for (SnapshotCodec.RegionRecord r : contents.regions()) {
                if (r.pages().count() > 0) {
                    out.markUsed(r.pages().firstSlot(), r.pages().count());
                }
            }
            out.writeMetadata(SnapshotCodec.encode(edit.apply(contents)));
        }
    }

    /** {@code contents} with the first region record that {@code which} accepts replaced by {@code edit}'s. */
    private static SnapshotCodec.Contents withRegion(
            SnapshotCodec.Contents contents,
            Predicate<SnapshotCodec.RegionRecord> which,
            UnaryOperator<SnapshotCodec.RegionRecord> edit) {
        List<SnapshotCodec.RegionRecord> regions = new ArrayList<>(contents.regions());
        int at = 0;
        while (!which.test(regions.get(at))) {
            at++;
        }
        regions.set(at, edit.apply(regions.get(at)));
        return new SnapshotCodec.Contents(contents.nextFreshId(), contents.generations(), regions);
    }

    /** {@code r} with another reference, handle table and allocator state. */
    private static SnapshotCodec.RegionRecord with(
            SnapshotCodec.RegionRecord r, int ref, HandleTable.State table, AllocatorState allocator) {
        return new SnapshotCodec.RegionRecord(ref, r.spec(), r.touched(), r.pages(), table, allocator);
    }

    /** Rewrites the fixture's metadata as {@code edit} says; opening it fails as corrupt, naming {@code what}. */
    private void assertRefused(UnaryOperator<SnapshotCodec.Contents> edit, String what) throws IOException {
        Path file = fixture();
        rewrite(file, edit);
        TvmException e = assertThrows(
                TvmException.class, () -> RegionDirectory.builder().open(file).close());
        assertEquals(ErrorCode.SPILL_CORRUPT, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(what), e.getMessage());
    }

    @Test
    void decodingAndEncodingAnEarlierSnapshotGivesItsMetadataBackByteForByte() throws IOException {
        Path file = fixture();
        byte[] metadata = metadata(file);
        SnapshotCodec.Contents contents = SnapshotCodec.decode(metadata, file);
        assertEquals(12, contents.regions().size());
        assertArrayEquals(metadata, SnapshotCodec.encode(contents));
    }

    @Test
    void rewrittenUnchangedMetadataStillOpens() throws IOException {
        Path file = fixture();
        rewrite(file, c -> c);
        try (RegionDirectory dir = RegionDirectory.builder().open(file)) {
            assertEquals(12, dir.regionCount());
        }
    }

    @Test
    void anotherFormatVersionIsRefusedNamingBothVersions() throws IOException {
        Path file = fixture();
        byte[] metadata = metadata(file);
        ByteBuffer.wrap(metadata).putInt(4, 2);
        TvmException e = assertThrows(TvmException.class, () -> SnapshotCodec.decode(metadata, file));
        assertEquals(ErrorCode.SPILL_CORRUPT, e.code());
        assertTrue(e.getMessage().contains("version 2") && e.getMessage().contains("version 1"), e.getMessage());
    }

    @Test
    void allocatorStateBeyondTheRegionIsCorrupt() throws IOException {
        assertRefused(
                c -> withRegion(c, r -> r.allocator() instanceof AllocatorState.Bump, r -> {
                    AllocatorState beyond = new AllocatorState.Bump(r.spec().capacity() + 8, 0);
                    return with(r, r.ref(), r.table(), beyond);
                }),
                "damaged allocator state");
    }

    @Test
    void aLiveSlotListedAsFreeIsCorrupt() throws IOException {
        assertRefused(
                c -> withRegion(c, r -> r.table().offsets().length > 0, r -> {
                    HandleTable.State t = r.table();
                    int live = 0;
                    while ((t.states()[live] & 1) == 0) {
                        live++;
                    }
                    return with(
                            r,
                            r.ref(),
                            new HandleTable.State(t.offsets(), t.sizes(), t.states(), new int[] {live}),
                            r.allocator());
                }),
                "free slot");
    }

    @Test
    void aRegionIdNeverHandedOutIsCorrupt() throws IOException {
        assertRefused(
                c -> withRegion(c, r -> true, r -> {
                    int id = c.nextFreshId(); // takeId would hand this id out again
                    c.generations()[id] = 1;
                    return with(r, HandleCodec.regionRef(id, 1), r.table(), r.allocator());
                }),
                "region reference");
    }
}
