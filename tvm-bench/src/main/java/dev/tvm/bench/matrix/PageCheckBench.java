package dev.tvm.bench.matrix;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.GuestPages;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
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
 * The seq-sum loop (sum every i64 of a working set, in order) in plain Java, to take the per-access
 * page check of {@code SegmentMemory} apart: Chicory's {@code ByteArrayMemory.readLong} and {@code
 * SegmentMemory.readLong} (bounds check, access-table check, segment load) against a raw {@code
 * MemorySegment} loop without a check, with the check as {@code SegmentMemory} makes it (an
 * acquire load of the table entry and the page-crossing test), and with a plain load of the entry.
 * One benchmark method per fork (JMH's default), so each fork sees one {@code Memory} class.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class PageCheckBench {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle RIGHTS = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final int PAGE_SHIFT = 16;
    private static final int PAGE_MASK = (1 << PAGE_SHIFT) - 1;

    /** Working-set bytes. */
    @Param({"16384", "1048576"})
    public int bytes;

    private Arena arena;
    private MemorySegment segment;
    private final byte[] rights = new byte[GuestPages.TABLE_ENTRIES];
    private Memory byteArray;
    private Memory segmentMemory;

    @Setup(Level.Trial)
    public void setUp() {
        int pages = (bytes + Memory.PAGE_SIZE - 1) / Memory.PAGE_SIZE;
        MemoryLimits limits = new MemoryLimits(pages, pages);
        arena = Arena.ofShared();
        segment = arena.allocate((long) pages * Memory.PAGE_SIZE, 8);
        Arrays.fill(rights, GuestPages.WRITE);
        byteArray = new ByteArrayMemory(limits);
        segmentMemory = SegmentMemory.wrap(segment, limits);
        for (int i = 0; i < bytes; i += 8) {
            long v = i * 0x9E3779B97F4A7C15L;
            segment.set(LONG, i, v);
            byteArray.writeLong(i, v);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Chicory's ByteArrayMemory, as the m32 cells use it. */
    @Benchmark
    public long byteArrayMemory() {
        Memory m = byteArray;
        long sum = 0;
        for (int i = 0; i < bytes; i += 8) {
            sum += m.readLong(i);
        }
        return sum;
    }

    /** SegmentMemory (unpaged: every entry of its table is WRITE), as the tvm-mm cells use it. */
    @Benchmark
    public long segmentMemory() {
        Memory m = segmentMemory;
        long sum = 0;
        for (int i = 0; i < bytes; i += 8) {
            sum += m.readLong(i);
        }
        return sum;
    }

    /** The segment load alone (MemorySegment's own bounds and liveness checks only). */
    @Benchmark
    public long rawSegment() {
        MemorySegment s = segment;
        long sum = 0;
        for (int i = 0; i < bytes; i += 8) {
            sum += s.get(LONG, i);
        }
        return sum;
    }

    /** The segment load after SegmentMemory's check: acquire load of the page's entry, page crossing. */
    @Benchmark
    public long acquireCheck() {
        MemorySegment s = segment;
        byte[] table = rights;
        long sum = 0;
        for (int i = 0; i < bytes; i += 8) {
            if ((byte) RIGHTS.getAcquire(table, i >>> PAGE_SHIFT) == GuestPages.NONE
                    || (i & PAGE_MASK) > (1 << PAGE_SHIFT) - 8) {
                throw new IllegalStateException("fault at " + i);
            }
            sum += s.get(LONG, i);
        }
        return sum;
    }

    /** The same check with a plain load of the entry. */
    @Benchmark
    public long plainCheck() {
        MemorySegment s = segment;
        byte[] table = rights;
        long sum = 0;
        for (int i = 0; i < bytes; i += 8) {
            if (table[i >>> PAGE_SHIFT] == GuestPages.NONE || (i & PAGE_MASK) > (1 << PAGE_SHIFT) - 8) {
                throw new IllegalStateException("fault at " + i);
            }
            sum += s.get(LONG, i);
        }
        return sum;
    }
    /** growth's inner loop: store every i64 in order, through ByteArrayMemory. */
    @Benchmark
    public int byteArrayMemoryStore() {
        Memory m = byteArray;
        for (int i = 0; i < bytes; i += 8) {
            m.writeLong(i, i);
        }
        return bytes;
    }

    /** The same stores through SegmentMemory. */
    @Benchmark
    public int segmentMemoryStore() {
        Memory m = segmentMemory;
        for (int i = 0; i < bytes; i += 8) {
            m.writeLong(i, i);
        }
        return bytes;
    }

    /** The segment stores alone. */
    @Benchmark
    public int rawSegmentStore() {
        MemorySegment s = segment;
        for (int i = 0; i < bytes; i += 8) {
            s.set(LONG, i, i);
        }
        return bytes;
    }

    /** The segment stores after SegmentMemory's store check (acquire load of the entry, page crossing). */
    @Benchmark
    public int acquireCheckStore() {
        MemorySegment s = segment;
        byte[] table = rights;
        for (int i = 0; i < bytes; i += 8) {
            if ((byte) RIGHTS.getAcquire(table, i >>> PAGE_SHIFT) != GuestPages.WRITE
                    || (i & PAGE_MASK) > (1 << PAGE_SHIFT) - 8) {
                throw new IllegalStateException("fault at " + i);
            }
            s.set(LONG, i, i);
        }
        return bytes;
    }

    /** The same with a plain load of the entry. */
    @Benchmark
    public int plainCheckStore() {
        MemorySegment s = segment;
        byte[] table = rights;
        for (int i = 0; i < bytes; i += 8) {
            if (table[i >>> PAGE_SHIFT] != GuestPages.WRITE || (i & PAGE_MASK) > (1 << PAGE_SHIFT) - 8) {
                throw new IllegalStateException("fault at " + i);
            }
            s.set(LONG, i, i);
        }
        return bytes;
    }
}
