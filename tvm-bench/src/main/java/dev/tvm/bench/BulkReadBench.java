package dev.tvm.bench;

import com.dylibso.chicory.runtime.ExportFunction;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One 64 KiB copy from a region into a guest, against copies that involve no guest. Every score is
 * per 64 KiB copy (GB/s = 65536 / score in ns).
 *
 * <ul>
 *   <li>{@code plainCopy}: {@code MemorySegment.copy} of 64 KiB between two off-heap segments: the
 *       floor;
 *   <li>{@code directoryRead}: {@link RegionDirectory#read} of a 64 KiB allocation into an off-heap
 *       segment: the host API (directory lookup, shared lock, handle check, copy, counter);
 *   <li>{@code guestRead}: compiled {@code list_sum.wasm} {@code bulk_read(handle, 65536,
 *       }{@value #REPS}{@code )}: {@value #REPS} {@code tvm.read} host calls, each copying the
 *       allocation into a static 64 KiB buffer of the guest's {@code SegmentMemory}; the guest then
 *       sums the buffer once (a 64 Ki-iteration byte loop, amortized over the {@value #REPS}
 *       copies);
 *   <li>{@code guestReadOnce}: the same with {@code reps = 1}: one copy plus the byte sum, which
 *       shows what the sum costs.
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
public class BulkReadBench {
    static final int LEN = 64 * 1024;
    static final int REPS = 4096;
    static final byte FILL = 3;

    private Arena arena;
    private MemorySegment src;
    private MemorySegment dst;

    private RegionDirectory dir;
    private long handle;

    private TvmGuest guest;
    private ExportFunction bulkRead;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        src = arena.allocate(LEN, 64);
        dst = arena.allocate(LEN, 64);
        src.fill(FILL);

        dir = RegionDirectory.builder().build();
        Region region = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(1 << 20));
        handle = region.allocate(LEN);
        dir.fill(handle, 0, LEN, FILL);

        guest = TvmGuest.builder(GuestFiles.module("list_sum.wasm"), dir)
                .withEngine(Engine.COMPILER)
                .build();
        guest.tvm().grant(region.ref());
        bulkRead = guest.function("bulk_read");
        long sum = bulkRead.apply(handle, LEN, 1)[0];
        if (sum != (long) LEN * FILL) {
            throw new IllegalStateException("bulk_read returned " + sum + ", expected " + (long) LEN * FILL);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        guest.close();
        dir.close();
        arena.close();
    }

    @Benchmark
    public MemorySegment plainCopy() {
        MemorySegment.copy(src, 0, dst, 0, LEN);
        return dst;
    }

    @Benchmark
    public MemorySegment directoryRead() {
        dir.read(handle, 0, dst, 0, LEN);
        return dst;
    }

    @Benchmark
    @OperationsPerInvocation(REPS)
    public long guestRead() {
        return bulkRead.apply(handle, LEN, REPS)[0];
    }

    @Benchmark
    public long guestReadOnce() {
        return bulkRead.apply(handle, LEN, 1)[0];
    }
}
