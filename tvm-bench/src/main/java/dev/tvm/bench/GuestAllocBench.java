package dev.tvm.bench;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-object allocation cost seen by a real guest on Chicory's compiler: {@code list_sum.wasm}'s
 * {@code alloc_objects(region, n, mode, size)} makes {@value #N} objects of {@value #SIZE} bytes
 * per invocation in a host-created SCRATCH (bump) region, one of
 *
 * <ul>
 *   <li>{@code alloc}: one {@code tvm.alloc} host call per object;
 *   <li>{@code batch}: {@code tvm.alloc_batch}, 256 objects per host call (handles written into
 *       guest memory);
 *   <li>{@code lease}: one {@code tvm.lease} of {@code n * 32} bytes, sub-allocated in the guest by
 *       {@code tvm_lease_alloc} (no host call per object).
 * </ul>
 *
 * <p>{@code javaAllocate} and {@code javaAllocateBatch} make the same objects from Java with {@link
 * Region#allocate} and {@link Region#allocateBatch}: the host side alone, so the difference to the
 * guest modes is the wasm-to-host crossing (argument boxing, capability check, result plumbing).
 *
 * <p><b>Emptying the region.</b> Objects are never freed one by one (SCRATCH regions are reset as a
 * whole). Resetting in a {@code @Setup(Level.Invocation)} hook would add two timestamps and a hook
 * call around every invocation, which JMH warns about for invocations this short (a lease-mode
 * invocation takes microseconds), and it would hide the reset, which is the real cost of freeing in
 * a scratch region. A fresh region sized for a whole iteration does not work either: a region's
 * handle table holds at most 2^24 (16.7 M) allocations and a 1 s iteration of {@code batch} makes
 * more than that. So each iteration gets a fresh region ({@code Level.Iteration}, outside the
 * measurement), and the benchmark body itself resets it after every {@value #RESET_EVERY}
 * invocations ({@value #RESET_EVERY} x {@value #N} = 256 Ki objects, 8 MiB): the reset is measured,
 * amortized over 256 Ki objects, like a scratch region reset after a large batch of requests.
 * Fresh regions per iteration also keep slot generations (12 bits) far from exhaustion.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class GuestAllocBench {
    /** Objects per invocation. */
    static final int N = 4096;
    /** Bytes per object. */
    static final long SIZE = 32;
    /** Invocations between two resets of the region (inside the measured body). */
    static final int RESET_EVERY = 64;
    /** Region capacity: {@code RESET_EVERY * N * SIZE} = 8 MiB, doubled for slack. */
    static final long CAPACITY = 2L * RESET_EVERY * N * SIZE;

    /** A scratch region that is created fresh for every iteration and reset every {@link #RESET_EVERY} uses. */
    abstract static class Scratch {
        RegionDirectory dir;
        Region region;
        int uses;

        void openDirectory() {
            dir = RegionDirectory.builder().build();
        }

        void freshRegion() {
            if (region != null) {
                dir.destroy(region.ref());
            }
            region = dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(CAPACITY));
            uses = 0;
        }

        /** Called after each invocation's allocations, inside the measurement. */
        final void used() {
            if (++uses == RESET_EVERY) {
                region.reset();
                uses = 0;
            }
        }
    }

    /** A compiled guest with a capability for the current scratch region. */
    @State(Scope.Thread)
    public static class Guest extends Scratch {
        @Param({"alloc", "batch", "lease"})
        public String mode;

        TvmGuest guest;
        ExportFunction allocObjects;
        long modeCode;
        long regionRef;

        @Setup(Level.Trial)
        public void setupTrial() {
            modeCode = modeCode(mode);
            openDirectory();
            WasmModule module = GuestFiles.module("list_sum.wasm");
            guest = TvmGuest.builder(module, dir).withEngine(Engine.COMPILER).build();
            allocObjects = guest.function("alloc_objects");
            freshRegion();
            long made = allocObjects.apply(regionRef, N, modeCode, SIZE)[0];
            if (made != N || region.stats().liveAllocations() != (modeCode == 2 ? 1 : N)) {
                throw new IllegalStateException("alloc_objects(" + mode + ") returned " + made + ", region holds "
                        + region.stats().liveAllocations() + " allocations");
            }
        }

        @Setup(Level.Iteration)
        public void setupIteration() {
            freshRegion();
        }

        @Override
        void freshRegion() {
            super.freshRegion();
            guest.tvm().grant(region.ref());
            regionRef = region.ref();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            guest.close();
            dir.close();
        }

        static long modeCode(String mode) {
            switch (mode) {
                case "alloc":
                    return 0;
                case "batch":
                    return 1;
                case "lease":
                    return 2;
                default:
                    throw new IllegalArgumentException("mode " + mode);
            }
        }
    }

    /** The same region set-up, used from Java only. */
    @State(Scope.Thread)
    public static class Host extends Scratch {
        final long[] batch = new long[256];

        @Setup(Level.Trial)
        public void setupTrial() {
            openDirectory();
        }

        @Setup(Level.Iteration)
        public void setupIteration() {
            freshRegion();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            dir.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long guest(Guest s) {
        long made = s.allocObjects.apply(s.regionRef, N, s.modeCode, SIZE)[0];
        s.used();
        return made;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long javaAllocate(Host s) {
        Region r = s.region;
        long last = 0;
        for (int i = 0; i < N; i++) {
            last = r.allocate(SIZE);
        }
        s.used();
        return last;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long javaAllocateBatch(Host s) {
        Region r = s.region;
        long[] out = s.batch;
        for (int i = 0; i < N; i += out.length) {
            r.allocateBatch(SIZE, out.length, out, 0);
        }
        s.used();
        return out[out.length - 1];
    }
}
