package dev.tvm.bench;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.TvmException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
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
 * Cost of one checked 8-byte access through a handle, against the floor: a plain {@code
 * MemorySegment.get(JAVA_LONG_UNALIGNED)} on the very same bytes (the region's own segment, from
 * {@link Region#pinDirect()}; a direct pin changes nothing on the handle path measured here).
 *
 * <ul>
 *   <li>{@code raw*}: the segment access alone (bounds check of the segment, nothing else);
 *   <li>{@code region*}: {@link Region#getLong}/{@link Region#setLong}: shared {@code StampedLock},
 *       liveness check, handle-table resolve (region ref, slot, generation), {@code offset + 8}
 *       inside the allocation, the access, a {@code LongAdder} byte counter;
 *   <li>{@code directory*}: {@link RegionDirectory#getLong}/{@link RegionDirectory#setLong}: the
 *       above plus the directory lookup of the region from the handle's id;
 *   <li>{@code directoryGetStale}: a freed handle, refused with {@code InvalidHandleException}
 *       (the cost of a refusal, exception construction included).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class HandleAccessBench {
    private static final long MAGIC = 0x1234_5678_9abc_def0L;

    private RegionDirectory dir;
    private Region region;
    /** The region's backing segment: the same bytes the handle names. */
    private MemorySegment raw;

    private long handle;
    private long staleHandle;
    /** Byte offset of the allocation inside the region; 0 for the first allocation of a bump region. */
    private long base;
    /** Offset inside the allocation; a field, so it is not a compile-time constant. */
    private long offset = 8;

    private long value = 42;

    @Setup(Level.Trial)
    public void setup() {
        dir = RegionDirectory.builder().build();
        region = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(1 << 20));
        raw = region.pinDirect();
        handle = region.allocate(64);
        staleHandle = region.allocate(64);
        region.free(staleHandle);
        base = 0;
        // Prove raw and the handle name the same bytes.
        dir.setLong(handle, offset, MAGIC);
        if (raw.get(JAVA_LONG_UNALIGNED, base + offset) != MAGIC || region.getLong(handle, offset) != MAGIC) {
            throw new IllegalStateException("the raw segment and the handle do not name the same bytes");
        }
        try {
            dir.getLong(staleHandle, 0);
            throw new IllegalStateException("stale handle was not refused");
        } catch (TvmException.InvalidHandleException expected) {
            // the refusal the stale benchmark measures
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        region.unpinDirect();
        dir.close();
    }

    // ------------------------------------------------------------------ loads

    @Benchmark
    public long rawGet() {
        return raw.get(JAVA_LONG_UNALIGNED, base + offset);
    }

    @Benchmark
    public long regionGet() {
        return region.getLong(handle, offset);
    }

    @Benchmark
    public long directoryGet() {
        return dir.getLong(handle, offset);
    }

    // ------------------------------------------------------------------ stores

    @Benchmark
    public void rawSet() {
        raw.set(JAVA_LONG_UNALIGNED, base + offset, value++);
    }

    @Benchmark
    public void regionSet() {
        region.setLong(handle, offset, value++);
    }

    @Benchmark
    public void directorySet() {
        dir.setLong(handle, offset, value++);
    }

    // ------------------------------------------------------------------ refusal

    @Benchmark
    public int directoryGetStale() {
        try {
            return (int) dir.getLong(staleHandle, offset);
        } catch (TvmException.InvalidHandleException e) {
            return e.code().code();
        }
    }
}
