package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot files written by earlier builds still open. {@value #FIXTURE} was written by {@link
 * #populate} at commit f8d547b, before the snapshot format moved into {@link SnapshotCodec}; it
 * holds a region of every kind (so every allocator's state), freed handles, free slots, a
 * destroyed region, a re-used region id, a named region with its own page size and policy, an
 * empty region, a read-only mapped region and an external region. The test replays {@link
 * #populate} on a fresh directory for the expected handles and bytes.
 *
 * <p>To write the fixture again (only if the format deliberately changes, together with a version
 * bump): {@code mvn -pl tvm-core -am test -Dtest=SnapshotFormatCompatibilityTest
 * -Dtvm.writeSnapshotFixture=/abs/path/snapshot-v1.tvms -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class SnapshotFormatCompatibilityTest {
    private static final String FIXTURE = "snapshot-v1.tvms";

    @TempDir
    Path tmp;

    /** What {@link #populate} made: live handles and their bytes, freed handles, dead region refs. */
    private static final class Contents {
        final Map<Long, byte[]> live = new LinkedHashMap<>();
        final List<Long> freed = new ArrayList<>();
        final List<Integer> destroyedRefs = new ArrayList<>();
    }

    /** Deterministic contents: the same calls on any build give the same handles and bytes. */
    private static Contents populate(RegionDirectory dir, Path scratch) throws IOException {
        Contents c = new Contents();
        SplittableRandom random = new SplittableRandom(12);
        Region doomed = dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(1 << 16));
        long doomedHandle = doomed.allocate(64);
        dir.destroy(doomed.ref());
        c.destroyedRefs.add(doomed.ref());
        c.freed.add(doomedHandle);
        for (RegionKind kind : RegionKind.values()) {
            Region region = dir.create(RegionSpec.of(kind).withCapacity(1 << 20));
            List<Long> handles = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int size = 1 + random.nextInt(kind == RegionKind.PAGE_STORE ? 4096 : 3000);
                long h = region.allocate(size);
                byte[] data = new byte[size];
                random.nextBytes(data);
                dir.write(h, 0, MemorySegment.ofArray(data), 0, size);
                handles.add(h);
                c.live.put(h, data);
            }
            for (int i : new int[] {1, 3, 5}) { // the last one lets a bump allocator move its top back
                long h = handles.get(i);
                dir.free(h);
                c.live.remove(h);
                c.freed.add(h);
            }
        }
        RegionSpec custom = RegionSpec.of(RegionKind.PAGE_STORE)
                .withName("custom pages")
                .withCapacity(1 << 18)
                .withPageSize(8192)
                .withPolicy(new PlacementPolicy(Tier.COLD, true, false));
        Region pages = dir.create(custom);
        for (int i = 0; i < 3; i++) {
            long h = pages.allocate(8192);
            byte[] data = new byte[8192];
            random.nextBytes(data);
            dir.write(h, 0, MemorySegment.ofArray(data), 0, data.length);
            c.live.put(h, data);
        }
        dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withName("empty").withCapacity(1 << 16));
        Region reused = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(1 << 16));
        long h = reused.allocate(100);
        byte[] data = new byte[100];
        random.nextBytes(data);
        dir.write(h, 0, MemorySegment.ofArray(data), 0, data.length);
        c.live.put(h, data);

        byte[] file = new byte[20_000];
        random.nextBytes(file);
        Path mappedFile = scratch.resolve("mapped.bin");
        Files.write(mappedFile, file);
        Region mapped = dir.createMapped("mapped", mappedFile);
        c.live.put(mapped.contentHandle(), file);
        byte[] external = new byte[70_000];
        random.nextBytes(external);
        Path externalFile = scratch.resolve("external.bin");
        Files.write(externalFile, external);
        Region loaded = dir.createExternal("external", FileLoader.open(externalFile));
        c.live.put(loaded.contentHandle(), external);
        byte[] head = new byte[10];
        dir.read(loaded.contentHandle(), 0, MemorySegment.ofArray(head), 0, head.length); // one page loaded
        return c;
    }

    /** Copies the committed fixture out of the test resources. */
    private Path fixture() throws IOException {
        Path file = tmp.resolve(FIXTURE);
        try (InputStream in = SnapshotFormatCompatibilityTest.class.getResourceAsStream(FIXTURE)) {
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void snapshotWrittenByAnEarlierBuildOpensWithEveryRegionHandleAndByte() throws IOException {
        Path scratch = Files.createDirectory(tmp.resolve("fresh"));
        try (RegionDirectory expected = RegionDirectory.builder().build();
                RegionDirectory restored = RegionDirectory.builder().open(fixture())) {
            Contents c = populate(expected, scratch);
            List<Region> want = expected.liveRegions();
            List<Region> got = restored.liveRegions();
            assertEquals(want.size(), got.size());
            for (int i = 0; i < want.size(); i++) {
                RegionSpec spec = want.get(i).spec();
                assertEquals(want.get(i).ref(), got.get(i).ref());
                assertEquals(spec.toString(), got.get(i).spec().toString());
                assertEquals(spec.readOnly(), got.get(i).spec().readOnly());
                assertEquals(spec.policy(), got.get(i).spec().policy());
                assertEquals(spec.pageSize(), got.get(i).spec().pageSize());
                assertEquals(want.get(i).stats().usedBytes(), got.get(i).stats().usedBytes(), spec.toString());
            }
            for (Map.Entry<Long, byte[]> e : c.live.entrySet()) {
                byte[] read = new byte[e.getValue().length];
                restored.read(e.getKey(), 0, MemorySegment.ofArray(read), 0, read.length);
                assertArrayEquals(e.getValue(), read, HandleCodec.describe(e.getKey()));
            }
            for (long h : c.freed) {
                assertThrows(TvmException.class, () -> restored.sizeOf(h), HandleCodec.describe(h));
            }
            for (int ref : c.destroyedRefs) {
                assertThrows(TvmException.class, () -> restored.region(ref));
            }
            // Allocator states and free slots came back: the next allocations land where they would have.
            for (Region region : expected.liveRegions()) {
                if (region.spec().readOnly()) {
                    continue;
                }
                for (int size : new int[] {24, 4000, 8}) {
                    assertEquals(
                            HandleCodec.describe(region.allocate(size)),
                            HandleCodec.describe(restored.region(region.ref()).allocate(size)),
                            region.spec() + " allocate(" + size + ")");
                }
            }
            // A region created after the restore takes the id the original directory would give.
            RegionSpec next = RegionSpec.of(RegionKind.SCRATCH).withCapacity(1 << 16);
            assertEquals(expected.create(next).ref(), restored.create(next).ref());
        }
    }

    @Test
    void snapshotOfARestoredEarlierSnapshotIsByteIdentical() throws IOException {
        Path original = fixture();
        Path again = tmp.resolve("again.tvms");
        try (RegionDirectory restored = RegionDirectory.builder().open(original)) {
            restored.snapshot(again);
        }
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(again));
    }

    /** Writes the fixture with the code under test; off unless {@code tvm.writeSnapshotFixture} names the file. */
    @Test
    @EnabledIfSystemProperty(named = "tvm.writeSnapshotFixture", matches = ".+")
    void writeFixture() throws IOException {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            populate(dir, tmp);
            dir.snapshot(Path.of(System.getProperty("tvm.writeSnapshotFixture")));
        }
    }
}
