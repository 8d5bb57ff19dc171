package dev.tvm.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.TvmException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binder against a {@link SimpleMeterRegistry}, with values from real directory operations. */
class TvmMetricsTest {
    private static final long PAGE = 64 * 1024;

    @TempDir
    Path tmp;

    private static double gauge(SimpleMeterRegistry registry, String name, String... tags) {
        Gauge g = registry.find(name).tags(tags).gauge();
        assertNotNull(g, name + " " + String.join(",", tags) + " is registered");
        return g.value();
    }

    private static double counter(SimpleMeterRegistry registry, String name, String... tags) {
        FunctionCounter c = registry.find(name).tags(tags).functionCounter();
        assertNotNull(c, name + " " + String.join(",", tags) + " is registered");
        return c.count();
    }

    /** A binder with per-region meters, which most tests here look at. */
    private static TvmMetrics withRegionMeters(RegionDirectory dir) {
        return TvmMetrics.builder(dir).withRegionMeters(true).build();
    }

    @Test
    void perRegionMetersAreOffByDefault() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            new TvmMetrics(dir, Tags.of("tenant", "t1")).bindTo(registry);
            dir.create(RegionSpec.of(RegionKind.SCRATCH).withName("guest-chosen"))
                    .allocate(64);
            assertEquals(1, gauge(registry, "tvm.regions.live", "tenant", "t1")); // a scrape
            assertEquals(1, counter(registry, "tvm.allocations"));
            assertTrue(
                    registry.getMeters().stream()
                            .noneMatch(m -> m.getId().getName().startsWith("tvm.region.")),
                    "no tvm.region.* meter unless asked for");
        }
    }

    @Test
    void directoryAndRegionMetersReadRealFigures() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withName("heap"));
            Region blobs = dir.create(
                    RegionSpec.of(RegionKind.BLOB_ARENA).withName("blobs").withCapacity(1L << 30));
            TvmMetrics.builder(dir)
                    .withTags(Tags.of("tenant", "t1"))
                    .withRegionMeters(true)
                    .build()
                    .bindTo(registry);

            long a = heap.allocate(1000);
            long b = heap.allocate(3000);
            heap.free(a);
            long c = blobs.allocate(PAGE);
            dir.write(c, 0, MemorySegment.ofArray(new byte[100]), 0, 100);
            dir.getLong(b, 8);
            heap.compact();
            assertThrows(TvmException.InvalidHandleException.class, () -> dir.getInt(a, 0));
            assertThrows(TvmException.OutOfBoundsException.class, () -> dir.getInt(b, 2999));

            assertEquals(2, gauge(registry, "tvm.regions.live", "tenant", "t1"));
            assertEquals(2, counter(registry, "tvm.regions.creations"));
            assertEquals(0, counter(registry, "tvm.regions.destructions"));
            assertEquals(3, counter(registry, "tvm.allocations"));
            assertEquals(1, counter(registry, "tvm.frees"));
            assertEquals(1000 + 3000 + PAGE, counter(registry, "tvm.allocated"));
            assertEquals(100, counter(registry, "tvm.written"));
            assertEquals(8, counter(registry, "tvm.read"));
            assertEquals(1, counter(registry, "tvm.compactions"));
            assertEquals(3000, counter(registry, "tvm.compaction.moved"));
            assertEquals(1, counter(registry, "tvm.handle.failures", "code", "STALE_HANDLE"));
            assertEquals(1, counter(registry, "tvm.handle.failures", "code", "OUT_OF_BOUNDS"));
            assertEquals(0, counter(registry, "tvm.handle.failures", "code", "FORGED_HANDLE"));
            assertEquals((double) (heap.capacity() + (1L << 30)), gauge(registry, "tvm.memory.reserved"));
            assertEquals(3000 + PAGE, gauge(registry, "tvm.memory.live"));
            assertEquals(2, gauge(registry, "tvm.allocations.live"));
            assertTrue(gauge(registry, "tvm.memory.committed") >= 3000 + PAGE);
            assertTrue(gauge(registry, "tvm.memory.resident") >= 3000 + PAGE);
            assertEquals(0, gauge(registry, "tvm.memory.spilled"));
            assertEquals(0, registry.find("tvm.residency.budget").meters().size(), "no budget, no residency meters");

            String[] heapTags = {"region.id", Integer.toString(heap.id()), "region.name", "heap"};
            assertEquals(
                    "HOT_HEAP",
                    registry.find("tvm.region.capacity")
                            .tags(heapTags)
                            .gauge()
                            .getId()
                            .getTag("region.kind"));
            assertEquals(
                    "t1",
                    registry.find("tvm.region.capacity")
                            .tags(heapTags)
                            .gauge()
                            .getId()
                            .getTag("tenant"));
            assertEquals((double) heap.capacity(), gauge(registry, "tvm.region.capacity", heapTags));
            assertEquals(2, counter(registry, "tvm.region.allocations", heapTags));
            assertEquals(1, counter(registry, "tvm.region.frees", heapTags));
            assertEquals(1, gauge(registry, "tvm.region.allocations.live", heapTags));
            assertEquals(3000, gauge(registry, "tvm.region.live", heapTags));
            assertEquals(1, counter(registry, "tvm.region.compactions", heapTags));
            assertEquals(2, counter(registry, "tvm.region.handle.failures", heapTags));
            assertEquals(8, counter(registry, "tvm.region.read", heapTags));
            assertEquals(100, counter(registry, "tvm.region.written", "region.name", "blobs"));
            blobs.pin();
            assertEquals(1, gauge(registry, "tvm.region.pins", "region.name", "blobs"));
        }
    }

    @Test
    void residencyMetersFollowSpillsAndFaults() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(4L << 20)
                .withSpillDirectory(tmp)
                .build()) {
            withRegionMeters(dir).bindTo(registry);
            Region blobs = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withName("blobs"));
            long[] handles = new long[128]; // twice the budget
            for (int i = 0; i < handles.length; i++) {
                handles[i] = blobs.allocate(PAGE);
                blobs.setLong(handles[i], 0, i);
            }
            for (int i = 0; i < handles.length; i++) {
                assertEquals(i, blobs.getLong(handles[i], 0));
            }
            var stats = dir.residencyStats();
            assertEquals(4L << 20, gauge(registry, "tvm.residency.budget"));
            assertTrue(counter(registry, "tvm.residency.spills") > 0);
            assertTrue(counter(registry, "tvm.residency.faults") > 0);
            assertEquals((double) stats.bytesSpilled(), counter(registry, "tvm.residency.spilled"));
            assertEquals((double) stats.bytesFaulted(), counter(registry, "tvm.residency.faulted"));
            assertEquals((double) stats.faults(), counter(registry, "tvm.residency.faults"));
            assertEquals((double) stats.peakResidentBytes(), gauge(registry, "tvm.residency.resident.peak"));
            assertTrue(gauge(registry, "tvm.residency.spill.file") > 0);
            assertEquals((double) dir.residencyStats().residentBytes(), gauge(registry, "tvm.residency.resident"));

            // The region was created after binding: a read of tvm.regions.live picked it up.
            assertEquals(1, gauge(registry, "tvm.regions.live"));
            double spilled = gauge(registry, "tvm.region.spilled", "region.name", "blobs");
            double resident = gauge(registry, "tvm.region.resident", "region.name", "blobs");
            assertTrue(spilled > 0, "part of the region is in the spill file");
            assertEquals(128 * PAGE, spilled + resident);
            assertEquals(spilled, gauge(registry, "tvm.memory.spilled"));
        }
    }

    @Test
    void regionsCreatedLaterAppearAndDestroyedOnesDisappear() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            TvmMetrics metrics = withRegionMeters(dir);
            metrics.bindTo(registry);
            assertNull(registry.find("tvm.region.capacity").gauge(), "no region yet");

            Region first = dir.create(RegionSpec.of(RegionKind.SCRATCH).withName("first"));
            Region second = dir.create(RegionSpec.of(RegionKind.SCRATCH).withName("second"));
            metrics.refresh();
            assertEquals(2, registry.find("tvm.region.capacity").gauges().size());

            dir.destroy(first.ref());
            Region third = dir.create(RegionSpec.of(RegionKind.PAGE_STORE).withName("third"));
            assertEquals(first.id(), third.id(), "the id is reused under a new generation");
            gauge(registry, "tvm.regions.live"); // a scrape: refreshes the region meters
            assertNull(registry.find("tvm.region.capacity")
                    .tags("region.name", "first")
                    .gauge());
            assertEquals((double) third.capacity(), gauge(registry, "tvm.region.capacity", "region.name", "third"));
            assertEquals(2, registry.find("tvm.region.capacity").gauges().size());
            third.allocate(PAGE);
            assertEquals(1, counter(registry, "tvm.region.allocations", "region.id", Integer.toString(third.id())));

            dir.destroy(second.ref());
            dir.destroy(third.ref());
            metrics.refresh();
            assertEquals(0, registry.find("tvm.region.capacity").gauges().size());
            assertEquals(3, counter(registry, "tvm.regions.destructions"));
            assertEquals(1, counter(registry, "tvm.allocations"), "totals keep destroyed regions' counts");
        }
    }

    @Test
    void aClosedDirectoryReadsNaNAndLosesItsRegionMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RegionDirectory dir = RegionDirectory.builder().build();
        withRegionMeters(dir).bindTo(registry);
        dir.create(RegionSpec.of(RegionKind.SCRATCH));
        gauge(registry, "tvm.regions.live");
        assertEquals(1, registry.find("tvm.region.capacity").gauges().size());
        dir.close();
        assertEquals(0, gauge(registry, "tvm.regions.live"));
        assertTrue(Double.isNaN(gauge(registry, "tvm.memory.reserved")));
        assertEquals(0, registry.find("tvm.region.capacity").gauges().size());
    }

    @Test
    void oneBinderServesSeveralRegistries() {
        SimpleMeterRegistry a = new SimpleMeterRegistry();
        SimpleMeterRegistry b = new SimpleMeterRegistry();
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            TvmMetrics metrics = withRegionMeters(dir);
            metrics.bindTo(a);
            metrics.bindTo(b);
            dir.create(RegionSpec.of(RegionKind.OBJECT_ARENA)).allocate(64);
            metrics.refresh();
            assertEquals(1, counter(a, "tvm.region.allocations"));
            assertEquals(1, counter(b, "tvm.region.allocations"));
        }
    }

    @Test
    void bindingDoesNotKeepTheDirectoryAlive() throws InterruptedException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WeakReference<RegionDirectory> ref = bindAndForget(registry);
        for (int i = 0; i < 100 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(ref.get(), "the registry's meters hold the directory weakly");
        assertTrue(Double.isNaN(gauge(registry, "tvm.regions.live")));
        assertEquals(0, registry.find("tvm.region.capacity").gauges().size(), "region meters removed");
    }

    private static WeakReference<RegionDirectory> bindAndForget(SimpleMeterRegistry registry) {
        RegionDirectory dir =
                RegionDirectory.builder().withResidentBudget(8L << 20).build();
        withRegionMeters(dir).bindTo(registry);
        dir.create(RegionSpec.of(RegionKind.BLOB_ARENA)).allocate(PAGE);
        gauge(registry, "tvm.regions.live");
        assertEquals(1, registry.find("tvm.region.capacity").gauges().size());
        dir.close(); // releases its memory and spill file; the object itself is left to the GC
        return new WeakReference<>(dir);
    }
}
