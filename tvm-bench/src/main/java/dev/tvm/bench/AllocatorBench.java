package dev.tvm.bench;

import dev.tvm.core.AllocatorKind;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.RegionStats;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * Allocation costs through the public API, per {@link AllocatorKind} (a region of each kind).
 *
 * <ul>
 *   <li>{@code regionAllocFree}: {@link Region#allocate} then {@link RegionDirectory#free} of the
 *       same handle: exclusive lock, handle-table issue and release, zeroing of the reused bytes,
 *       counters, plus the allocator.
 *   <li>{@code regionMix}: steady state for FREE_LIST and SLAB: {@code live} allocations of random
 *       sizes (16..512 bytes, 8-byte steps) are kept; each operation frees a random one and
 *       allocates a new one of a new random size in its place. Victims and sizes are precomputed
 *       (64 Ki entries, cycled). One operation = one free + one allocate.
 * </ul>
 *
 * <p>The bare allocators' own share ({@code rawAllocFree}, {@code rawMix} in {@code
 * bench-results/issue-2}) is not measured here any more: the allocators are tvm-core internals,
 * which tvm-bench does not use.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class AllocatorBench {
    /** Region capacity: far more than any benchmark here holds live. */
    static final long CAPACITY = 64L << 20;

    static RegionKind regionKindFor(AllocatorKind kind) {
        switch (kind) {
            case BUMP:
                return RegionKind.SCRATCH;
            case FREE_LIST:
                return RegionKind.HOT_HEAP;
            case SLAB:
                return RegionKind.OBJECT_ARENA;
            case PAGE:
                return RegionKind.PAGE_STORE;
            default:
                throw new IllegalArgumentException(String.valueOf(kind));
        }
    }

    /** One empty region of the allocator kind. */
    @State(Scope.Thread)
    public static class Pair {
        @Param({"BUMP", "FREE_LIST", "SLAB", "PAGE"})
        public AllocatorKind kind;

        /** Bytes per allocation (a page for PAGE, whatever the size). */
        @Param({"32"})
        public long size;

        RegionDirectory dir;
        Region region;

        @Setup(Level.Trial)
        public void setup() {
            dir = RegionDirectory.builder().build();
            region = dir.create(
                    RegionSpec.of(regionKindFor(kind)).withAllocator(kind).withCapacity(CAPACITY));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            dir.close();
        }
    }

    /** Steady state: {@code live} allocations of random sizes in a region. */
    @State(Scope.Thread)
    public static class Mix {
        static final int STEPS = 1 << 16;

        @Param({"FREE_LIST", "SLAB"})
        public AllocatorKind kind;

        @Param({"4096"})
        public int live;

        RegionDirectory dir;
        Region region;

        long[] handles;

        int[] victims;
        long[] newSizes;
        int step;

        @Setup(Level.Trial)
        public void setup() {
            dir = RegionDirectory.builder().build();
            region = dir.create(
                    RegionSpec.of(regionKindFor(kind)).withAllocator(kind).withCapacity(CAPACITY));
            SplittableRandom random = new SplittableRandom(42);
            handles = new long[live];
            for (int i = 0; i < live; i++) {
                handles[i] = region.allocate(randomSize(random));
            }
            victims = new int[STEPS];
            newSizes = new long[STEPS];
            for (int i = 0; i < STEPS; i++) {
                victims[i] = random.nextInt(live);
                newSizes[i] = randomSize(random);
            }
            // Churn once through the whole sequence so measurement starts in the steady state.
            for (int i = 0; i < STEPS; i++) {
                int v = victims[i];
                region.free(handles[v]);
                handles[v] = region.allocate(newSizes[i]);
            }
            RegionStats stats = region.stats();
            System.out.println("# steady state of the " + kind + " region: " + stats.liveBytes() + " live bytes in "
                    + stats.usedBytes() + " bytes used, " + stats.touchedBytes() + " bytes touched");
        }

        private static long randomSize(SplittableRandom random) {
            return 16 + 8L * random.nextInt(63); // 16..512
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            dir.close();
        }
    }

    // ------------------------------------------------------------------ alloc + free pairs

    @Benchmark
    public long regionAllocFree(Pair s) {
        long h = s.region.allocate(s.size);
        s.dir.free(h);
        return h;
    }

    // ------------------------------------------------------------------ steady-state mix

    @Benchmark
    public long regionMix(Mix s) {
        int i = s.step;
        s.step = (i + 1) & (Mix.STEPS - 1);
        int v = s.victims[i];
        s.dir.free(s.handles[v]);
        long h = s.region.allocate(s.newSizes[i]);
        s.handles[v] = h;
        return h;
    }
}
