package dev.tvm.bench;

import dev.tvm.chicory.StackGuard;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the stack check before every {@code tvm} import costs ({@link StackGuard}, issue 11):
 * {@code check} is the common case, a guest calling imports from a stack position already
 * verified (one native read of the stack pointer and a compare); {@code firstCheck} is a guard
 * that has verified nothing, so it probes its 64 KiB of headroom (what a guest pays once per new,
 * deeper stack position). The whole import's cost with and without the guard is {@code
 * GuestAllocBench} run on this commit and on the one before (bench-results/issue-11/run.sh).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class StackGuardBench {
    private final StackGuard guard = new StackGuard();

    @Benchmark
    public void check() {
        guard.check();
    }

    @Benchmark
    public void firstCheck() {
        new StackGuard().check();
    }
}
