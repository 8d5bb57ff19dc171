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
import java.util.concurrent.TimeUnit;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.Throttle;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a flight recording costs a hostile guest's flood of refused accesses: each invocation makes
 * {@value #REFUSALS} refused accesses, with no recording ({@code off}), under the JDK's {@code
 * default} recording configuration ({@code on}: what {@code -XX:StartFlightRecording} records,
 * the tvm events with their default settings, so {@code dev.tvm.HandleCheckFailure} throttled to
 * {@value dev.tvm.core.events.HandleCheckFailureEvent#THROTTLE}), and under the same configuration
 * with that event's throttle off ({@code unthrottled}: every refusal recorded, with its stack
 * trace, as before the throttle existed).
 *
 * <ul>
 *   <li>{@code guest}: a real guest on Chicory's compiler, {@code hostile_abuse.wasm}'s {@code
 *       attack_random(seed, 250000, 1)}: 250,000 random handles inside its own region, each
 *       passed to the raw {@code tvm} imports {@code read}, {@code write}, {@code fill} and {@code
 *       free}, all refused ({@code FORGED_HANDLE} or {@code STALE_HANDLE}, returned as negative
 *       codes);
 *   <li>{@code java}: {@link RegionDirectory#getLong} of a freed handle, refused with {@link
 *       TvmException.InvalidHandleException}.
 * </ul>
 *
 * <p>Each measured iteration is one invocation with a recording of its own, started before and
 * dumped after it (outside the timing); the tear-down prints the iteration's event counts and the
 * recording's size as lines starting with {@code [jfr]}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 6)
@Fork(
        value = 2,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class JfrThrottleBench {
    /** Refused accesses per invocation. */
    static final int REFUSALS = 1_000_000;
    /** {@code attack_random} makes four refused calls per handle. */
    static final int GUEST_HANDLES = REFUSALS / 4;

    static final String FAILURE_EVENT = "dev.tvm.HandleCheckFailure";

    @Param({"off", "on", "unthrottled"})
    public String recording;

    private RegionDirectory dir;
    private long stale;
    private TvmGuest guest;
    private ExportFunction attackRandom;
    private long seed = 1;

    private Recording current;

    @Setup(Level.Trial)
    public void setupTrial() {
        dir = RegionDirectory.builder().build();
        Region region = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withName("flooded"));
        stale = region.allocate(64);
        region.free(stale);
        guest = TvmGuest.builder(GuestFiles.module("hostile_abuse.wasm"), dir)
                .withEngine(Engine.COMPILER)
                .build();
        long setup = guest.function("setup").apply()[0];
        if (setup < 0) {
            throw new IllegalStateException("hostile_abuse setup() failed with " + setup);
        }
        attackRandom = guest.function("attack_random");
    }

    @Setup(Level.Iteration)
    public void startRecording() throws IOException, ParseException {
        if (recording.equals("off")) {
            return;
        }
        current = new Recording(Configuration.getConfiguration("default"));
        if (recording.equals("unthrottled")) {
            current.enable(FAILURE_EVENT).with(Throttle.NAME, "off");
        }
        current.start();
    }

    @TearDown(Level.Iteration)
    public void stopRecording() throws IOException {
        if (current == null) {
            return;
        }
        Path file = Files.createTempFile("jfr-throttle-", ".jfr");
        try {
            current.stop();
            current.dump(file);
            current.close();
            current = null;
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
            System.out.println("[jfr] " + recording + ": " + REFUSALS + " refusals, events " + counts + ", recording "
                    + Files.size(file) + " bytes");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        guest.close();
        dir.close();
    }

    @Benchmark
    public long guest() {
        long accepted = attackRandom.apply(seed++, GUEST_HANDLES, 1)[0];
        if (accepted != 0) {
            throw new IllegalStateException(accepted + " random handles were accepted");
        }
        return accepted;
    }

    @Benchmark
    public long java() {
        long refused = 0;
        for (int i = 0; i < REFUSALS; i++) {
            try {
                dir.getLong(stale, 0);
            } catch (TvmException.InvalidHandleException expected) {
                refused++;
            }
        }
        if (refused != REFUSALS) {
            throw new IllegalStateException((REFUSALS - refused) + " stale reads were accepted");
        }
        return refused;
    }
}
