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

    /** The first region record of {@code contents} replaced by {@code edit}'s. */
    private static SnapshotCodec.Contents withFirst(
            SnapshotCodec.Contents contents, UnaryOperator<SnapshotCodec.RegionRecord> edit) {
        List<SnapshotCodec.RegionRecord> regions = new ArrayList<>(contents.regions());
        regions.set(0, edit.apply(regions.get(0)));
        return new SnapshotCodec.Contents(contents.nextFreshId(), contents.generations(), regions);
    }

    private static TvmException openFails(Path file) {
        TvmException e = assertThrows(
                TvmException.class, () -> RegionDirectory.builder().open(file).close());
        assertEquals(ErrorCode.SPILL_CORRUPT, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        return e;
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
        Path file = fixture();
        SnapshotCodec.Contents contents = SnapshotCodec.decode(metadata(file), file);
        SnapshotCodec.RegionRecord bump = contents.regions().stream()
                .filter(r -> r.allocator() instanceof AllocatorState.Bump)
                .findFirst()
                .orElseThrow();
        rewrite(file, c -> {
            List<SnapshotCodec.RegionRecord> regions = new ArrayList<>(c.regions());
            int at = 0;
            while (regions.get(at).ref() != bump.ref()) {
                at++;
            }
            regions.set(
                    at,
                    new SnapshotCodec.RegionRecord(
                            bump.ref(),
                            bump.spec(),
                            bump.touched(),
                            bump.pages(),
                            bump.table(),
                            new AllocatorState.Bump(bump.spec().capacity() + 8, 0)));
            return new SnapshotCodec.Contents(c.nextFreshId(), c.generations(), regions);
        });
        assertTrue(openFails(file).getMessage().contains("damaged allocator state"));
    }

    @Test
    void aLiveSlotListedAsFreeIsCorrupt() throws IOException {
        Path file = fixture();
        rewrite(
                file,
                c -> withFirst(c, r -> {
                    HandleTable.State t = r.table();
                    int live = 0;
                    while ((t.states()[live] & 1) == 0) {
                        live++;
                    }
                    return new SnapshotCodec.RegionRecord(
                            r.ref(),
                            r.spec(),
                            r.touched(),
                            r.pages(),
                            new HandleTable.State(t.offsets(), t.sizes(), t.states(), new int[] {live}),
                            r.allocator());
                }));
        assertTrue(openFails(file).getMessage().contains("free slot"));
    }

    @Test
    void aRegionIdNeverHandedOutIsCorrupt() throws IOException {
        Path file = fixture();
        rewrite(
                file,
                c -> withFirst(c, r -> {
                    int id = c.nextFreshId(); // takeId would hand this id out again
                    c.generations()[id] = 1;
                    return new SnapshotCodec.RegionRecord(
                            HandleCodec.regionRef(id, 1), r.spec(), r.touched(), r.pages(), r.table(), r.allocator());
                }));
        assertTrue(openFails(file).getMessage().contains("region reference"));
    }
}
