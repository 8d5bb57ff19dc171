package dev.tvm.bench;

import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.ResidencyStats;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The fault path (issue 12): one 8-byte load through {@link RegionDirectory#getLong} that lands on
 * a page that is not resident, in a directory whose resident budget is full. A 128 MiB region
 * (2,048 pages of 64 KiB) is written once, then spilled, under a budget of 4 MiB (64 pages, the smallest allowed); each
 * operation loads one i64 from the next page of a scattered order ({@code i × 0x9E3779B1 mod
 * 2048}, so consecutive loads are never on neighbouring pages). Almost every load therefore
 * faults: the page is read back from the spill file and its checksum verified, and room is made by
 * evicting others (faulted pages are CLEAN, so eviction writes nothing: the score is the fault
 * path, the policy and the page-cache read, not disk writes). The pages are written in the same
 * scattered order, under the budget, so neighbouring pages do not sit in consecutive spill slots
 * and read-ahead (which reads up to 15 following pages whose slots follow on) rarely applies:
 * each fault reads about one page, as the tear-down's bytes-per-fault shows.
 *
 * <p>Score: average time per load. The tear-down checks every value read was the one written and
 * prints the directory's fault count, so the score is known to be of faulting loads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class FaultPathBench {
    static final int PAGE = 64 * 1024;
    static final int PAGES = 2048;
    static final long BUDGET = 64L * PAGE;

    /** The directory, the region's one allocation and the position in the scattered page order. */
    @State(Scope.Thread)
    public static class Env {
        RegionDirectory dir;
        Region region;
        long handle;
        int next;
        long loads;
        long wrong;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            Path benchDir = Path.of(System.getProperty("tvm.bench.dir", System.getProperty("java.io.tmpdir")));
            Files.createDirectories(benchDir);
            dir = RegionDirectory.builder()
                    .withResidentBudget(BUDGET)
                    .withSpillDirectory(benchDir)
                    .build();
            region = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA)
                    .withCapacity((long) PAGES * PAGE)
                    .withName("fault-path"));
            handle = region.allocate((long) PAGES * PAGE);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment page = arena.allocate(PAGE);
                for (int k = 0; k < PAGES; k++) {
                    int p = scattered(k);
                    for (int i = 0; i < PAGE; i += 8) {
                        page.set(ValueLayout.JAVA_LONG_UNALIGNED, i, expected(p, i));
                    }
                    dir.write(handle, (long) p * PAGE, page, 0, PAGE);
                }
            }
            region.spill();
        }

        /** The {@code k}-th page of the scattered order: never a neighbour of the one before. */
        static int scattered(int k) {
            return (int) ((k * 0x9E3779B1L) & (PAGES - 1));
        }

        static long expected(int page, int offset) {
            return ((long) page << 32) ^ offset ^ 0x5DEECE66DL;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                ResidencyStats s = dir.residencyStats();
                System.out.printf(
                        "%n[FaultPathBench] %d loads, %d wrong; %d faults (%d MiB read back), peak resident %d KiB%n",
                        loads, wrong, s.faults(), s.bytesFaulted() >> 20, s.peakResidentBytes() >> 10);
                if (wrong != 0) {
                    throw new IllegalStateException(wrong + " loads returned a wrong value");
                }
            } finally {
                dir.close();
            }
        }
    }

    /** One i64 load from a non-resident page (under a full budget). */
    @Benchmark
    public long faultingLoad(Env env) {
        int i = env.next++;
        int page = Env.scattered(i);
        int offset = (i * 8 * 31) & (PAGE - 8);
        long v = env.dir.getLong(env.handle, (long) page * PAGE + offset);
        env.loads++;
        if (v != Env.expected(page, offset)) {
            env.wrong++;
        }
        return v;
    }
}
