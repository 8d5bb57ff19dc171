package dev.tvm.bench;

import com.dylibso.chicory.runtime.ExportFunction;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.TvmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.Throttle;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * A hostile flood of refused accesses, and the flight recordings it runs under; shared by {@link
 * JfrThrottleBench} (JMH) and {@link JfrThrottleHarness} (paired rounds).
 *
 * <ul>
 *   <li>{@link #guest}: a real guest on Chicory's compiler, {@code hostile_abuse.wasm}'s {@code
 *       attack_random(seed, n / 4, 1)}: random handles inside its own region, each passed to the
 *       raw {@code tvm} imports {@code read}, {@code write}, {@code fill} and {@code free}, all
 *       refused ({@code FORGED_HANDLE} or {@code STALE_HANDLE}, returned as negative codes);
 *   <li>{@link #java}: {@link RegionDirectory#getLong} of a freed handle, refused with {@link
 *       TvmException.InvalidHandleException}.
 * </ul>
 */
final class RefusalFlood implements AutoCloseable {
    static final String FAILURE_EVENT = "dev.tvm.HandleCheckFailure";

    /** The recording a flood runs under. */
    enum Mode {
        /** No recording. */
        OFF,
        /**
         * The JDK's {@code default} configuration, what {@code -XX:StartFlightRecording} records:
         * the tvm events with their own defaults, so HandleCheckFailure throttled.
         */
        ON,
        /** The same with HandleCheckFailure's throttle off: every refusal recorded, stack and all. */
        UNTHROTTLED;

        /** Starts this mode's recording; null for {@link #OFF}. */
        Recording start() throws IOException, ParseException {
            if (this == OFF) {
                return null;
            }
            Recording recording = new Recording(Configuration.getConfiguration("default"));
            if (this == UNTHROTTLED) {
                recording.enable(FAILURE_EVENT).with(Throttle.NAME, "off");
            }
            recording.start();
            return recording;
        }
    }

    /** The dev.tvm events of a stopped recording, by name, and the recording's size in bytes. */
    record Recorded(Map<String, Long> events, long bytes) {
        long failures() {
            return events.getOrDefault(FAILURE_EVENT, 0L);
        }
    }

    private final RegionDirectory dir;
    private final long stale;
    private final TvmGuest guestInstance;
    private final ExportFunction attackRandom;
    private long seed = 1;

    RefusalFlood() {
        dir = RegionDirectory.builder().build();
        Region region = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withName("flooded"));
        stale = region.allocate(64);
        region.free(stale);
        guestInstance = TvmGuest.builder(GuestFiles.module("hostile_abuse.wasm"), dir)
                .withEngine(Engine.COMPILER)
                .build();
        long setup = guestInstance.function("setup").apply()[0];
        if (setup < 0) {
            throw new IllegalStateException("hostile_abuse setup() failed with " + setup);
        }
        attackRandom = guestInstance.function("attack_random");
    }

    /** {@code refusals} (a multiple of 4) refused imports from the guest; returns how many. */
    long guest(int refusals) {
        long accepted = attackRandom.apply(seed++, refusals / 4, 1)[0];
        if (accepted != 0) {
            throw new IllegalStateException(accepted + " random handles were accepted");
        }
        return refusals;
    }

    /** {@code refusals} refused reads of a stale handle from Java; returns how many. */
    long java(int refusals) {
        long refused = 0;
        for (int i = 0; i < refusals; i++) {
            try {
                dir.getLong(stale, 0);
            } catch (TvmException.InvalidHandleException expected) {
                refused++;
            }
        }
        if (refused != refusals) {
            throw new IllegalStateException((refusals - refused) + " stale reads were accepted");
        }
        return refused;
    }

    /** Stops and closes {@code recording}, then counts its dev.tvm events; null for null. */
    static Recorded finish(Recording recording) throws IOException {
        if (recording == null) {
            return null;
        }
        Path file = Files.createTempFile("refusal-flood-", ".jfr");
        try {
            recording.stop();
            recording.dump(file);
            recording.close();
            Map<String, Long> counts = new TreeMap<>();
            try (RecordingFile in = new RecordingFile(file)) {
                while (in.hasMoreEvents()) {
                    RecordedEvent e = in.readEvent();
                    String name = e.getEventType().getName();
                    if (name.startsWith("dev.tvm.")) {
                        counts.merge(name, 1L, Long::sum);
                    }
                }
            }
            return new Recorded(counts, Files.size(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Override
    public void close() {
        guestInstance.close();
        dir.close();
    }
}
