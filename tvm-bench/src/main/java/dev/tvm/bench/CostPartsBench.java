package dev.tvm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.StampedLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The building blocks the region access and allocation paths are made of, measured alone on one
 * thread (uncontended), so the {@link HandleAccessBench} and {@link AllocatorBench} scores can be
 * decomposed: a {@code Region.getLong} is a {@code StampedLock} read lock and unlock, a handle
 * check, the access and a {@code LongAdder} add; a {@code Region.allocate} is a write lock and
 * unlock, the allocator, a handle-table issue, zeroing of reused bytes and two {@code LongAdder}
 * adds.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class CostPartsBench {
    private final StampedLock lock = new StampedLock();
    private final LongAdder adder = new LongAdder();
    private Arena arena;
    private MemorySegment segment;
    private long offset = 64;
    private long length = 32;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        segment = arena.allocate(4096, 64);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** What every access pays: {@code readLock()} + {@code unlockRead()} (two CAS). */
    @Benchmark
    public long stampedReadLockUnlock() {
        long stamp = lock.readLock();
        lock.unlockRead(stamp);
        return stamp;
    }

    /** What every allocation and free pays: {@code writeLock()} + {@code unlockWrite()}. */
    @Benchmark
    public long stampedWriteLockUnlock() {
        long stamp = lock.writeLock();
        lock.unlockWrite(stamp);
        return stamp;
    }

    /** For comparison: an optimistic read ({@code tryOptimisticRead} + {@code validate}), no CAS. */
    @Benchmark
    public boolean stampedOptimisticRead() {
        long stamp = lock.tryOptimisticRead();
        return lock.validate(stamp);
    }

    /** One metrics counter update (uncontended: a CAS on the base field). */
    @Benchmark
    public void longAdderAdd() {
        adder.add(8);
    }

    /** Zeroing a reused 32-byte allocation, as {@code Region.allocate} does below the high-water mark. */
    @Benchmark
    public MemorySegment zeroFill32() {
        MemorySegment slice = segment.asSlice(offset, length);
        slice.fill((byte) 0);
        return slice;
    }
}
