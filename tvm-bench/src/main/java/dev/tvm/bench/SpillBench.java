package dev.tvm.bench;

import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.ResidencyStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Spill and fault throughput of a directory with a resident budget, side by side with a plain
 * {@link FileChannel} write and read of the same bytes, at two granularities. Every invocation
 * moves {@value #PAGES} pages of 64 KiB (64 MiB) and counts as {@value #PAGES} operations, so every
 * score is <b>pages per second</b>: MiB/s = score / 16.
 *
 * <h2>Granularity ({@code @Param granularity})</h2>
 *
 * <ul>
 *   <li>{@code page}: {@value #PAGES} regions of one 64 KiB page each. {@link Region#spill()} of a
 *       one-page region writes exactly one page (one 64 KiB {@code pwrite}); {@link Region#load()}
 *       reads one page back (one 64 KiB {@code pread}). The plain baseline does {@value #PAGES}
 *       positional writes/reads of 64 KiB each, at the same file offsets.
 *   <li>{@code region}: one 64 MiB region ({@value #PAGES} pages). {@code spill()} stages and writes
 *       it in batches of 32 pages (2 MiB per {@code pwrite}, the residency manager's staging
 *       buffer); {@code load()} reads the run back with one 64 MiB {@code pread}. The plain baseline
 *       does one 64 MiB positional write/read.
 * </ul>
 *
 * <h2>Methods</h2>
 *
 * <ul>
 *   <li>{@code tvmSpill}: {@code spill()} of every region; the regions are made resident again by
 *       an untimed {@code Level.Invocation} setup ({@code load()}).
 *   <li>{@code tvmFault}: {@code load()} of every region after an untimed {@code Level.Invocation}
 *       setup spilled them: read back, CRC32C verified, slots freed.
 *   <li>{@code tvmRoundTrip}: spill then load, in the same invocation, with no per-invocation
 *       setup: a cross-check that the {@code Level.Invocation} setups do not distort the two scores
 *       above (its rate should be close to {@code 1 / (1/spill + 1/fault)}).
 *   <li>{@code plainWrite}, {@code plainRead}, {@code plainRoundTrip}: the same bytes with {@code
 *       FileChannel.write/read(ByteBuffer, position)} from/to an off-heap segment (from an {@code
 *       Arena}: at 64 MiB, glibc serves it with an anonymous mapping like a region's; already
 *       touched), into a file in the same directory as the spill
 *       file. ByteBuffers are created once and rewound, as a careful implementation would.
 *   <li>{@code plainReadDiscarded}: diagnostic. {@code plainRead} into memory that an untimed
 *       invocation setup gave back with {@code madvise(MADV_DONTNEED)}, which is what a fault reads
 *       into (a spill releases the page's memory): the kernel must zero-fill a fresh 4 KiB page for
 *       every page the read touches. The gap between {@code plainRead} and this is the price of
 *       actually releasing the memory, not of TVM's code.
 *   <li>{@code partStageCopy}, {@code partCrc32c}, {@code partDiscard}: cost parts, run once each
 *       (no granularity): the staging copy, the CRC32C and the {@code madvise(MADV_DONTNEED)} that
 *       the spill path does per 64 KiB page (the fault path does the CRC32C again), over the same 64
 *       MiB, so the TVM scores can be decomposed within the same run. {@code partDiscardBatch}: the
 *       release done with one {@code madvise} per 2 MiB instead, for comparison.
 * </ul>
 *
 * <h2>Why {@code Level.Invocation} is acceptable here</h2>
 *
 * JMH warns against per-invocation setup for short invocations: the timestamps around each call
 * and the setup's cache side effects distort the score. Here each timed invocation moves 64 MiB
 * (tens of milliseconds at either granularity, since the {@code page} case batches {@value #PAGES}
 * one-page regions per invocation), so the two {@code nanoTime} calls are noise. The round-trip
 * methods measure the same work without any per-invocation setup, as a check.
 *
 * <h2>What is not measured</h2>
 *
 * Nothing is fsynced, neither the spill path (which never forces the file for spills) nor the
 * plain baseline. Reads hit the page cache: the file was written moments before, which is also
 * the realistic case for a recently spilled page; dropping the cache needs root ({@code
 * /proc/sys/vm/drop_caches}) and is not attempted. Writes go to the page cache and are written back
 * by the kernel in the background, for both sides alike.
 *
 * <p>The spill and plain files live in {@code -Dtvm.bench.dir} if set, else {@code
 * java.io.tmpdir}: the same filesystem for both.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class SpillBench {
    /** Residency page and spill slot size. */
    static final int PAGE = 64 * 1024;
    /** Pages moved per invocation, at either granularity. */
    static final int PAGES = 1024;

    static final long BYTES = (long) PAGES * PAGE;
    /** Comfortably above the 64 MiB in play, so no eviction ever runs besides the explicit spills. */
    static final long BUDGET = 256L << 20;

    /** Everything a benchmark works on: the directory and its regions, the plain file and buffer. */
    @State(Scope.Thread)
    public static class Env {
        @Param({"page", "region"})
        public String granularity;

        RegionDirectory dir;
        Region[] regions;
        long[] handles;

        /** The pattern every region holds, for the final check. */
        private Arena patternArena;

        private MemorySegment pattern;

        private Path plainPath;
        FileChannel plain;
        /** The plain side's memory: page-aligned, off-heap, fully touched. */
        private Arena plainArena;

        MemorySegment plainMemory;
        /** One buffer per write/read: {@value #PAGES} 64 KiB slices, or one 64 MiB slice. */
        ByteBuffer[] plainBuffers;
        /** File offset of each buffer: the spill file's slot layout (page i at 64 KiB * (1 + i)). */
        long[] plainOffsets;

        long invocations;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            boolean pageGranularity;
            if ("page".equals(granularity)) {
                pageGranularity = true;
            } else if ("region".equals(granularity)) {
                pageGranularity = false;
            } else {
                throw new IllegalArgumentException("granularity must be page or region, was " + granularity);
            }
            Path benchDir = Path.of(System.getProperty("tvm.bench.dir", System.getProperty("java.io.tmpdir")));
            Files.createDirectories(benchDir);

            patternArena = Arena.ofShared();
            pattern = patternArena.allocate(BYTES, 4096);
            SplittableRandom random = new SplittableRandom(42);
            for (long i = 0; i < BYTES; i += 8) {
                pattern.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
            }

            dir = RegionDirectory.builder()
                    .withResidentBudget(BUDGET)
                    .withSpillDirectory(benchDir)
                    .build();
            int count = pageGranularity ? PAGES : 1;
            long size = BYTES / count;
            regions = new Region[count];
            handles = new long[count];
            for (int i = 0; i < count; i++) {
                regions[i] = dir.create(
                        RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(size).withName("spill-bench-" + i));
                handles[i] = regions[i].allocate(size);
                dir.write(handles[i], 0, pattern, i * size, size);
            }

            plainPath = Files.createTempFile(benchDir, "tvm-bench-plain-", ".bin");
            plain = FileChannel.open(plainPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            plainArena = Arena.ofShared();
            plainMemory = plainArena.allocate(BYTES, PageRelease.PAGE_ALIGNMENT);
            MemorySegment buffer = plainMemory;
            MemorySegment.copy(pattern, 0, buffer, 0, BYTES); // touches every page
            plainBuffers = new ByteBuffer[count];
            plainOffsets = new long[count];
            for (int i = 0; i < count; i++) {
                plainBuffers[i] = buffer.asSlice(i * size, size).asByteBuffer();
                plainOffsets[i] = PAGE + i * size;
            }
            plainWriteAll(); // so plainRead reads a file that exists, as a fault does
            System.out.printf(
                    "%n[SpillBench %s] spill file %s, plain file %s%n", granularity, dir.spillPath(), plainPath);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            try {
                // The benchmark must have moved the real bytes: everything comes back intact.
                for (Region r : regions) {
                    r.load();
                }
                long size = BYTES / regions.length;
                MemorySegment check = patternArena.allocate(size, 4096);
                for (int i = 0; i < regions.length; i++) {
                    dir.read(handles[i], 0, check, 0, size);
                    if (MemorySegment.mismatch(check, 0, size, pattern, i * size, (i + 1) * size) >= 0) {
                        throw new IllegalStateException("region " + i + " lost its bytes");
                    }
                }
                ResidencyStats s = dir.residencyStats();
                System.out.printf(
                        "%n[SpillBench %s] %d invocations (warmup + measurement); directory: %d MiB spilled in %d"
                                + " batches, %d MiB faulted in %d faults, spill file %d MiB, peak resident %d MiB;"
                                + " contents verified%n",
                        granularity,
                        invocations,
                        s.bytesSpilled() >> 20,
                        s.spills(),
                        s.bytesFaulted() >> 20,
                        s.faults(),
                        s.spillFileBytes() >> 20,
                        s.peakResidentBytes() >> 20);
            } finally {
                dir.close();
                plain.close();
                Files.deleteIfExists(plainPath);
                plainArena.close();
                patternArena.close();
            }
        }

        void spillAll() {
            for (Region r : regions) {
                r.spill();
            }
        }

        void loadAll() {
            for (Region r : regions) {
                r.load();
            }
        }

        void plainWriteAll() throws IOException {
            for (int i = 0; i < plainBuffers.length; i++) {
                ByteBuffer b = plainBuffers[i].clear();
                long at = plainOffsets[i];
                while (b.hasRemaining()) {
                    plain.write(b, at + b.position());
                }
            }
        }

        void plainReadAll() throws IOException {
            for (int i = 0; i < plainBuffers.length; i++) {
                ByteBuffer b = plainBuffers[i].clear();
                long at = plainOffsets[i];
                while (b.hasRemaining()) {
                    if (plain.read(b, at + b.position()) < 0) {
                        throw new UncheckedIOException(new IOException("plain file ends early at " + at));
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ per-invocation states
    // Subclasses of Env rather than separate states that take Env as a setup argument: JMH 1.37
    // then hands the benchmark method and the helper two different Env instances.

    /** Every region resident before each invocation (untimed {@code load()}). */
    @State(Scope.Thread)
    public static class Resident extends Env {
        @Setup(Level.Invocation)
        public void makeResident() {
            loadAll();
        }
    }

    /** Every region spilled before each invocation (untimed {@code spill()}). */
    @State(Scope.Thread)
    public static class Spilled extends Env {
        @Setup(Level.Invocation)
        public void makeSpilled() {
            spillAll();
        }
    }

    /** The plain buffer's memory given back to the OS before each invocation (untimed). */
    @State(Scope.Thread)
    public static class Discarded extends Env {
        @Setup(Level.Invocation)
        public void discardPlainBuffer() {
            PageRelease.release(plainMemory);
        }
    }

    // ------------------------------------------------------------------ TVM

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void tvmSpill(Resident env) {
        env.spillAll();
        env.invocations++;
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void tvmFault(Spilled env) {
        env.loadAll();
        env.invocations++;
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void tvmRoundTrip(Env env) {
        env.spillAll();
        env.loadAll();
        env.invocations++;
    }

    // ------------------------------------------------------------------ plain FileChannel

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void plainWrite(Env env) throws IOException {
        env.plainWriteAll();
        env.invocations++;
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void plainRead(Env env) throws IOException {
        env.plainReadAll();
        env.invocations++;
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void plainRoundTrip(Env env) throws IOException {
        env.plainWriteAll();
        env.plainReadAll();
        env.invocations++;
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void plainReadDiscarded(Discarded env) throws IOException {
        env.plainReadAll();
        env.invocations++;
    }

    // ------------------------------------------------------------------ cost parts (no granularity)

    /**
     * The per-byte steps of the spill and fault paths, alone, over the same 64 MiB in 64 KiB pages,
     * so the TVM scores can be decomposed in the same run. No {@code @Param}: each runs once.
     */
    @State(Scope.Thread)
    public static class Parts {
        MemorySegment src;
        private Arena arena;
        MemorySegment staging;

        @Setup(Level.Trial)
        public void setup() {
            arena = Arena.ofShared();
            src = arena.allocate(BYTES, PageRelease.PAGE_ALIGNMENT);
            SplittableRandom random = new SplittableRandom(42);
            for (long i = 0; i < BYTES; i += 8) {
                src.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
            }
            staging = arena.allocate(32L * PAGE, PageRelease.PAGE_ALIGNMENT); // the residency manager's staging buffer
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    /** {@link Parts} with every page of {@code src} resident again before each invocation (untimed). */
    @State(Scope.Thread)
    public static class PartsResident extends Parts {
        @Setup(Level.Invocation)
        public void touch() {
            for (long at = 0; at < BYTES; at += 4096) {
                src.set(ValueLayout.JAVA_BYTE, at, (byte) at);
            }
        }
    }

    /** What {@code stageForSpill} does per page: copy it into the 2 MiB staging buffer. */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void partStageCopy(Parts p) {
        for (int i = 0; i < PAGES; i++) {
            MemorySegment.copy(p.src, (long) i * PAGE, p.staging, (long) (i & 31) * PAGE, PAGE);
        }
    }

    /** What {@code SpillFile} does per page on write and again on read: a CRC32C of 64 KiB. */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void partCrc32c(Parts p, Blackhole bh) {
        for (int i = 0; i < PAGES; i++) {
            CRC32C crc = new CRC32C();
            crc.update(p.src.asSlice((long) i * PAGE, PAGE).asByteBuffer());
            bh.consume((int) crc.getValue());
        }
    }

    /** What {@code commitSpilled} does per page: {@code madvise(MADV_DONTNEED)} of 64 KiB. */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void partDiscard(PartsResident p) {
        for (int i = 0; i < PAGES; i++) {
            PageRelease.release(p.src.asSlice((long) i * PAGE, PAGE));
        }
    }

    /**
     * The same 64 MiB released with one {@code madvise} per 32 pages (2 MiB), as a spill could do
     * once per written batch instead of once per page: shows what batching the release would save.
     */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public void partDiscardBatch(PartsResident p) {
        for (int i = 0; i < PAGES; i += 32) {
            PageRelease.release(p.src.asSlice((long) i * PAGE, 32L * PAGE));
        }
    }
}
