package dev.tvm.bench;

import java.io.IOException;
import java.text.ParseException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
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
 * {@link RefusalFlood} under JMH: each invocation is {@value #REFUSALS} refused accesses, with each
 * measured iteration under a recording of its own ({@link RefusalFlood.Mode}), started before and
 * dumped after it outside the timing; the tear-down prints the iteration's event counts as {@code
 * [jfr]} lines. The modes run one after the other, minutes apart, so on a shared machine load
 * changes between them; {@link JfrThrottleHarness} interleaves them instead, which is what the
 * committed ratio comes from.
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

    @Param({"off", "on", "unthrottled"})
    public String recording;

    private RefusalFlood flood;
    private Recording current;

    @Setup(Level.Trial)
    public void setupTrial() {
        flood = new RefusalFlood();
    }

    @Setup(Level.Iteration)
    public void startRecording() throws IOException, ParseException {
        current = RefusalFlood.Mode.valueOf(recording.toUpperCase(Locale.ROOT)).start();
    }

    @TearDown(Level.Iteration)
    public void stopRecording() throws IOException {
        RefusalFlood.Recorded recorded = RefusalFlood.finish(current);
        current = null;
        if (recorded != null) {
            System.out.println("[jfr] " + recording + ": " + REFUSALS + " refusals, events " + recorded.events()
                    + ", recording " + recorded.bytes() + " bytes");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        flood.close();
    }

    @Benchmark
    public long guest() {
        return flood.guest(REFUSALS);
    }

    @Benchmark
    public long java() {
        return flood.java(REFUSALS);
    }
}
