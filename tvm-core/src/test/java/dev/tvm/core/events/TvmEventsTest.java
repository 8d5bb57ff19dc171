package dev.tvm.core.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.TvmException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.List;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.Throttle;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every JFR event is emitted by the real operation it describes, with the fields a recording
 * reader needs: each test records around a few directory operations and reads the file back.
 */
class TvmEventsTest {
    private static final long PAGE = 64 * 1024;

    @TempDir
    Path tmp;

    /** Runs {@code body} under a recording of every dev.tvm event and returns them, in order. */
    private List<RecordedEvent> record(Runnable body) throws IOException {
        Path file = tmp.resolve("events-" + System.nanoTime() + ".jfr");
        try (Recording recording = new Recording()) {
            for (String name : new String[] {
                "dev.tvm.RegionLifecycle",
                "dev.tvm.Spill",
                "dev.tvm.Fault",
                "dev.tvm.Compaction",
                "dev.tvm.HandleCheckFailure"
            }) {
                recording.enable(name).withoutThreshold().withStackTrace();
            }
            recording.start();
            body.run();
            recording.stop();
            recording.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("dev.tvm."))
                .sorted((a, b) -> a.getStartTime().compareTo(b.getStartTime()))
                .toList();
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream()
                .filter(e -> e.getEventType().getName().equals(name))
                .toList();
    }

    @Test
    void regionLifecycleCoversCreatePinUnpinResetDestroy() throws IOException {
        int[] ref = new int[1];
        List<RecordedEvent> events = record(() -> {
            try (RegionDirectory dir = RegionDirectory.builder().build()) {
                Region r = dir.create(
                        RegionSpec.of(RegionKind.HOT_HEAP).withName("heap").withCapacity(1 << 20));
                ref[0] = r.ref();
                r.allocate(100);
                r.allocate(200);
                r.pin();
                r.unpin();
                r.reset();
                dir.destroy(r.ref());
            }
        });
        List<RecordedEvent> lifecycle = named(events, "dev.tvm.RegionLifecycle");
        assertEquals(
                List.of("CREATE", "PIN", "UNPIN", "RESET", "DESTROY"),
                lifecycle.stream().map(e -> e.getString("action")).toList());
        for (RecordedEvent e : lifecycle) {
            assertEquals(HandleCodec.regionId(ref[0]), e.getInt("regionId"));
            assertEquals(HandleCodec.regionGen(ref[0]), e.getInt("regionGeneration"));
            assertEquals("heap", e.getString("regionName"));
            assertEquals("HOT_HEAP", e.getString("kind"));
            assertEquals("HOT", e.getString("tier"));
            assertEquals(1 << 20, e.getLong("capacity"));
        }
        assertEquals(1, lifecycle.get(1).getInt("pinCount"));
        assertEquals(0, lifecycle.get(2).getInt("pinCount"));
        assertEquals(2, lifecycle.get(3).getLong("allocations"), "reset freed two allocations");
        assertNull(lifecycle.get(0).getString("previousTier"));
    }

    @Test
    void closingTheDirectoryDestroysEveryRegionWithAnEvent() throws IOException {
        List<RecordedEvent> events = record(() -> {
            try (RegionDirectory dir = RegionDirectory.builder().build()) {
                dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(1 << 20));
                dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(1 << 20))
                        .allocate(10);
            }
        });
        List<RecordedEvent> destroyed = named(events, "dev.tvm.RegionLifecycle").stream()
                .filter(e -> e.getString("action").equals("DESTROY"))
                .toList();
        assertEquals(2, destroyed.size());
        assertEquals(1, destroyed.get(1).getLong("allocations"), "one allocation was live at destroy");
    }

    @Test
    void spillsAndFaultsUnderASmallBudgetCarryPagesBytesFileAndLatency() throws IOException {
        Path[] spillFile = new Path[1];
        int[] ref = new int[1];
        List<RecordedEvent> events = record(() -> {
            try (RegionDirectory dir = RegionDirectory.builder()
                    .withResidentBudget(4L << 20)
                    .withSpillDirectory(tmp)
                    .build()) {
                spillFile[0] = dir.spillPath();
                Region blobs = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withName("blobs"));
                ref[0] = blobs.ref();
                long[] handles = new long[128]; // 8 MiB: twice the budget
                for (int i = 0; i < handles.length; i++) {
                    handles[i] = blobs.allocate(PAGE);
                    blobs.setLong(handles[i], 0, i);
                }
                for (int i = 0; i < handles.length; i++) {
                    assertEquals(i, blobs.getLong(handles[i], 0)); // the first half faults back in
                }
            }
        });
        List<RecordedEvent> spills = named(events, "dev.tvm.Spill");
        List<RecordedEvent> faults = named(events, "dev.tvm.Fault");
        assertFalse(spills.isEmpty(), "spilled");
        assertFalse(faults.isEmpty(), "faulted");
        long spilledBytes = 0;
        for (RecordedEvent s : spills) {
            assertEquals("budget", s.getString("reason"));
            assertEquals(String.valueOf(HandleCodec.regionId(ref[0])), s.getString("regionIds"));
            assertEquals(1, s.getInt("regionCount"));
            assertTrue(s.getInt("pages") > 0);
            assertEquals(s.getInt("pages") * PAGE, s.getLong("bytes"));
            assertEquals(spillFile[0].toString(), s.getString("file"));
            assertTrue(s.getBoolean("succeeded"));
            assertTrue(s.getLong("firstSlot") >= 0);
            assertFalse(s.getDuration().isNegative());
            spilledBytes += s.getLong("bytes");
        }
        assertTrue(spilledBytes >= 4L << 20, "at least the overshoot was spilled: " + spilledBytes);
        long faultedPages = 0;
        for (RecordedEvent f : faults) {
            assertEquals(HandleCodec.regionId(ref[0]), f.getInt("regionId"));
            assertEquals("blobs", f.getString("regionName"));
            assertEquals("spill file", f.getString("source"));
            assertTrue(f.getInt("pages") >= 1);
            assertEquals(f.getInt("pages") * PAGE, f.getLong("bytes"));
            assertTrue(f.getInt("readAheadPages") < f.getInt("pages"));
            assertTrue(f.getDuration().toNanos() > 0, "a fault reads the disk: it has a latency");
            faultedPages += f.getInt("pages");
        }
        assertTrue(faultedPages >= 32, "the first half came back: " + faultedPages + " pages");
    }

    @Test
    void explicitSpillAndLoadAreDemotionSpillsAndTierChanges() throws IOException {
        List<RecordedEvent> events = record(() -> {
            try (RegionDirectory dir = RegionDirectory.builder()
                    .withResidentBudget(16L << 20)
                    .withSpillDirectory(tmp)
                    .build()) {
                Region r = dir.create(RegionSpec.of(RegionKind.OBJECT_ARENA).withName("objs"));
                long h = r.allocate(4096);
                r.setInt(h, 0, 7);
                r.spill();
                r.load();
                assertEquals(7, r.getInt(h, 0));
            }
        });
        List<RecordedEvent> spills = named(events, "dev.tvm.Spill");
        assertEquals(1, spills.size());
        assertEquals("demotion", spills.get(0).getString("reason"));
        assertEquals(1, spills.get(0).getInt("pages"));
        List<String> changes = named(events, "dev.tvm.RegionLifecycle").stream()
                .filter(e -> e.getString("action").equals("TIER_CHANGE"))
                .map(e -> e.getString("previousTier") + "->" + e.getString("tier"))
                .toList();
        assertEquals(List.of("HOT->COLD", "COLD->HOT"), changes);
        assertEquals(1, named(events, "dev.tvm.Fault").size(), "load() faulted the page back");
    }

    @Test
    void compactionReportsWhatMovedAndWhatIsLive() throws IOException {
        List<RecordedEvent> events = record(() -> {
            try (RegionDirectory dir = RegionDirectory.builder().build()) {
                Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withName("heap"));
                long a = heap.allocate(1000);
                long b = heap.allocate(3000);
                long c = heap.allocate(5000);
                heap.free(a);
                heap.compact();
                assertEquals(0, heap.getInt(b, 0) + heap.getInt(c, 0));
            }
        });
        List<RecordedEvent> compactions = named(events, "dev.tvm.Compaction");
        assertEquals(1, compactions.size());
        RecordedEvent e = compactions.get(0);
        assertEquals("heap", e.getString("regionName"));
        assertEquals(2, e.getLong("liveAllocations"));
        assertEquals(2, e.getInt("allocationsMoved"));
        assertEquals(8000, e.getLong("bytesMoved"));
        assertTrue(e.getLong("bytesReclaimed") > 0);
        assertEquals(e.getLong("touchedBefore") - e.getLong("touchedAfter"), e.getLong("bytesReclaimed"));
    }

    @Test
    void refusedHandlesAndReferencesAreReportedDecoded() throws IOException {
        long[] stale = new long[1];
        int[] deadRef = new int[1];
        List<RecordedEvent> events = record(() -> {
            try (RegionDirectory dir = RegionDirectory.builder().build()) {
                Region r = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA));
                long h = r.allocate(16);
                r.free(h);
                stale[0] = h;
                assertThrows(TvmException.InvalidHandleException.class, () -> dir.getLong(h, 0));
                long forged = HandleCodec.handle(r.ref(), 4000, 1);
                assertThrows(TvmException.InvalidHandleException.class, () -> dir.getInt(forged, 0));
                long live = r.allocate(8);
                assertThrows(TvmException.OutOfBoundsException.class, () -> dir.getLong(live, 4));
                dir.destroy(r.ref());
                deadRef[0] = r.ref();
                assertThrows(TvmException.NoSuchRegionException.class, () -> dir.region(r.ref()));
                assertThrows(TvmException.NoSuchRegionException.class, () -> dir.getLong(live, 0));
            }
        });
        List<RecordedEvent> failures = named(events, "dev.tvm.HandleCheckFailure");
        assertEquals(
                List.of("STALE_HANDLE", "FORGED_HANDLE", "OUT_OF_BOUNDS", "STALE_REGION", "STALE_REGION"),
                failures.stream().map(e -> e.getString("code")).toList());
        RecordedEvent first = failures.get(0);
        assertEquals(ErrorCode.STALE_HANDLE.code(), first.getInt("errorNumber"));
        assertEquals(stale[0], first.getLong("handle"));
        assertEquals(HandleCodec.slot(stale[0]), first.getInt("slot"));
        assertEquals(HandleCodec.describe(stale[0]), first.getString("decoded"));
        assertEquals(HandleCodec.regionIdOf(stale[0]), first.getInt("regionId"));
        assertEquals(4000, failures.get(1).getInt("slot"));
        RecordedEvent region = failures.get(3);
        assertEquals(0, region.getLong("handle"), "a region reference, not a handle");
        assertEquals(HandleCodec.describeRegion(deadRef[0]), region.getString("decoded"));
        assertTrue(first.getStackTrace() != null, "refusals carry the caller's stack");
    }

    /** Frees an allocation and returns its now stale handle. */
    private static long staleHandle(Region r) {
        long h = r.allocate(16);
        r.free(h);
        return h;
    }

    /** Reads a stale handle {@code n} times; every read must be refused. */
    private static void refuse(RegionDirectory dir, long stale, int n) {
        for (int i = 0; i < n; i++) {
            try {
                dir.getLong(stale, 0);
                throw new AssertionError("a stale handle was accepted");
            } catch (TvmException.InvalidHandleException expected) {
                // refused, as it must be
            }
        }
    }

    @Test
    void aFloodOfRefusalsIsThrottledAndTheSampleStillDecodes() throws IOException {
        int refusals = 100_000;
        long[] stale = new long[1];
        int[] ref = new int[1];
        long[] elapsedNanos = new long[1];
        List<RecordedEvent> events = record(() -> {
            try (RegionDirectory dir = RegionDirectory.builder().build()) {
                Region r = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withName("target"));
                ref[0] = r.ref();
                stale[0] = staleHandle(r);
                long start = System.nanoTime();
                refuse(dir, stale[0], refusals);
                elapsedNanos[0] = System.nanoTime() - start;
                assertEquals(refusals, r.stats().failures(ErrorCode.STALE_HANDLE), "every refusal is still counted");
            }
        });
        List<RecordedEvent> failures = named(events, "dev.tvm.HandleCheckFailure");
        // The default throttle is a rate: at most perSecond events a second (JFR samples in 200 ms
        // windows and may carry a shortfall of earlier windows forward), so the bound grows with
        // the time the loop took; twice the rate over that time plus one second is generous.
        long perSecond = Long.parseLong(HandleCheckFailureEvent.THROTTLE.replace("/s", ""));
        long bound = 2 * perSecond * (elapsedNanos[0] / 1_000_000_000L + 1);
        assertTrue(
                failures.size() <= bound,
                failures.size() + " events for " + refusals + " refusals in " + elapsedNanos[0] / 1_000_000
                        + " ms; the throttle allows at most " + bound);
        assertFalse(failures.isEmpty(), "a throttled event is sampled, not dropped altogether");
        for (RecordedEvent e : failures) {
            assertEquals("STALE_HANDLE", e.getString("code"));
            assertEquals(ErrorCode.STALE_HANDLE.code(), e.getInt("errorNumber"));
            assertEquals(stale[0], e.getLong("handle"));
            assertEquals(HandleCodec.regionId(ref[0]), e.getInt("regionId"));
            assertEquals(HandleCodec.regionGen(ref[0]), e.getInt("regionGeneration"));
            assertEquals(HandleCodec.slot(stale[0]), e.getInt("slot"));
            assertEquals(HandleCodec.slotGen(stale[0]), e.getInt("slotGeneration"));
            assertEquals(HandleCodec.describe(stale[0]), e.getString("decoded"));
        }
    }

    @Test
    void theThrottleIsARecordingSettingOfAJfcFileAndOfTheRecordingApi() throws IOException, ParseException {
        String jfc =
                """
                <?xml version="1.0" encoding="UTF-8"?>
                <configuration version="2.0" label="unthrottled refusals">
                  <event name="dev.tvm.HandleCheckFailure">
                    <setting name="enabled">true</setting>
                    <setting name="stackTrace">false</setting>
                    <setting name="throttle">off</setting>
                  </event>
                </configuration>
                """;
        Configuration unthrottled = Configuration.create(new StringReader(jfc));
        assertEquals(2_000, countRefusalEvents(new Recording(unthrottled), 2_000), "throttle off: every refusal");
        Recording none = new Recording();
        none.enable("dev.tvm.HandleCheckFailure").with(Throttle.NAME, "0/s");
        assertEquals(0, countRefusalEvents(none, 2_000), "throttle 0/s: no event");
    }

    /** Makes {@code n} refusals under {@code recording} and counts its HandleCheckFailure events. */
    private long countRefusalEvents(Recording recording, int n) throws IOException {
        Path file = tmp.resolve("refusals-" + System.nanoTime() + ".jfr");
        try (recording;
                RegionDirectory dir = RegionDirectory.builder().build()) {
            long stale = staleHandle(dir.create(RegionSpec.of(RegionKind.BLOB_ARENA)));
            recording.start();
            refuse(dir, stale, n);
            recording.stop();
            recording.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("dev.tvm.HandleCheckFailure"))
                .count();
    }

    @Test
    void spillEventsCarryNoStackTraceByDefault() throws IOException {
        Path file = tmp.resolve("spill.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("dev.tvm.Spill");
            recording.start();
            try (RegionDirectory dir = RegionDirectory.builder()
                    .withResidentBudget(16L << 20)
                    .withSpillDirectory(tmp)
                    .build()) {
                Region r = dir.create(RegionSpec.of(RegionKind.OBJECT_ARENA));
                r.allocate(4096);
                r.spill();
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> spills = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("dev.tvm.Spill"))
                .toList();
        assertEquals(1, spills.size());
        assertNull(spills.get(0).getStackTrace(), "the stack of a spill says nothing about its pages");
    }

    @Test
    void withoutARecordingNothingIsEmittedAndOperationsWork() {
        assertNull(FaultEvent.start());
        assertNull(SpillEvent.start());
        assertNull(CompactionEvent.start());
        FaultEvent.finish(null, 0, "x", 0, 0, 0, 0, false); // a no-op, not an NPE
    }
}
