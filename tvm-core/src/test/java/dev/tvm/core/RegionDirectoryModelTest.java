package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model-based test of {@link RegionDirectory} and {@link Region}: a long random sequence of
 * operations with a fixed seed runs against the real directory and against a reference model made
 * of plain collections, and every result is compared.
 *
 * <p>The model knows, per live region incarnation, the contents of every live allocation (handle
 * to {@code byte[]}), the set of handles that were issued and then freed or reset, the sum of live
 * footprints and pins; per region id, the last generation issued. From this alone it predicts the
 * outcome of every operation on every handle, including handles that are stale (freed or reset),
 * forged (random bits, never-issued slots, bumped or zero generations, region id 0), from
 * destroyed or never-created regions, and ranges that are out of bounds. An operation that must
 * fail and succeeds, or fails with another {@link ErrorCode}, fails the test; so does any byte that
 * differs from the model, an allocation that does not read zero, a handle that does not survive
 * compaction, or counters ({@link RegionStats}) that disagree with the model.
 *
 * <p>Refusals of every kind are counted and the test asserts that each kind was exercised many
 * times, so it cannot pass by never reaching the checks.
 */
class RegionDirectoryModelTest {
    static final long SEED = 0x7A11_5EEDL;
    static final int OPS = 220_000;
    static final int MAX_LIVE_REGIONS = 12;
    static final long[] CAPACITIES = {256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20};
    static final int[] PAGE_SIZES = {4096, 16384, 65536};

    // ------------------------------------------------------------------ model

    /** A growable set of longs with O(1) random pick and removal. */
    static final class LongPool {
        private long[] items = new long[16];
        private int size;
        private final Map<Long, Integer> index = new HashMap<>();

        void add(long v) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            index.put(v, size);
            items[size++] = v;
        }

        void remove(long v) {
            Integer i = index.remove(v);
            if (i == null) {
                throw new AssertionError("model: not in pool " + v);
            }
            long last = items[--size];
            if (i != size) {
                items[i] = last;
                index.put(last, i);
            }
        }

        long pick(Random rnd) {
            return items[rnd.nextInt(size)];
        }

        int size() {
            return size;
        }

        void clear() {
            size = 0;
            index.clear();
        }
    }

    /** One live region incarnation as the model sees it. */
    static final class MRegion {
        final Region region;
        final int ref;
        final int id;
        final int gen;
        final AllocatorKind allocator;
        final long capacity;
        final int pageSize;
        final boolean pinnable;
        int pins;
        final Map<Long, byte[]> live = new HashMap<>();
        final LongPool pool = new LongPool();
        final Set<Long> dead = new HashSet<>();
        final List<Long> deadSample = new ArrayList<>();
        long issued;
        long liveBytes;
        long usedFootprint;
        /** The free space is one block at the top (FREE_LIST and BUMP after create/reset/compact). */
        boolean contiguous = true;
        /**
         * BUMP regions only: the documented bump discipline, modelled exactly. Allocations go at the
         * top; freeing the allocation that ends at the top moves the top back to its start; reset
         * and compaction move the top to the live footprint.
         */
        long bumpTop;

        final Map<Long, Long> bumpOffsets = new HashMap<>();

        MRegion(Region region, RegionSpec spec) {
            this.region = region;
            this.ref = region.ref();
            this.id = HandleCodec.regionId(ref);
            this.gen = HandleCodec.regionGen(ref);
            this.allocator = spec.allocator();
            this.capacity = spec.capacity();
            this.pageSize = spec.pageSize();
            this.pinnable = spec.policy().pinnable();
        }

        long footprint(long size) {
            switch (allocator) {
                case SLAB:
                    long c = 16;
                    while (c < size) {
                        c <<= 1;
                    }
                    return c;
                case PAGE:
                    return pageSize;
                default:
                    return (size + 7) & -8L;
            }
        }

        long maxAllocation() {
            switch (allocator) {
                case SLAB:
                    return 65536;
                case PAGE:
                    return pageSize;
                default:
                    return capacity;
            }
        }

        boolean compactable() {
            return allocator == AllocatorKind.FREE_LIST || allocator == AllocatorKind.BUMP;
        }

        /** Whether {@code count} allocations of {@code size} must succeed. */
        boolean mustFit(long size, int count) {
            long need = footprint(size) * count;
            if (allocator == AllocatorKind.BUMP) {
                return need <= capacity - bumpTop;
            }
            if (allocator == AllocatorKind.PAGE) {
                return usedFootprint + need <= capacity - capacity % pageSize;
            }
            return compactable() && contiguous && usedFootprint + need <= capacity;
        }

        /** Whether {@code count} allocations of {@code size} cannot possibly fit. */
        boolean cannotFit(long size, int count) {
            if (allocator == AllocatorKind.BUMP) {
                return footprint(size) * count > capacity - bumpTop;
            }
            return usedFootprint + footprint(size) * count > capacity;
        }

        void addLive(long handle, long size) {
            live.put(handle, new byte[(int) size]);
            pool.add(handle);
            issued++;
            liveBytes += size;
            usedFootprint += footprint(size);
            if (allocator == AllocatorKind.BUMP) {
                bumpOffsets.put(handle, bumpTop);
                bumpTop += footprint(size);
            }
        }

        void kill(long handle) {
            byte[] bytes = live.remove(handle);
            pool.remove(handle);
            liveBytes -= bytes.length;
            usedFootprint -= footprint(bytes.length);
            dead.add(handle);
            remember(deadSample, handle, 2048);
            contiguous = false;
            if (allocator == AllocatorKind.BUMP) {
                long offset = bumpOffsets.remove(handle);
                if (offset + footprint(bytes.length) == bumpTop) {
                    bumpTop = offset;
                }
            }
        }

        /** Compaction slides live allocations down in address order. */
        void compacted() {
            contiguous = true;
            if (allocator == AllocatorKind.BUMP) {
                List<Map.Entry<Long, Long>> byOffset = new ArrayList<>(bumpOffsets.entrySet());
                byOffset.sort(Map.Entry.comparingByValue());
                long cursor = 0;
                for (Map.Entry<Long, Long> e : byOffset) {
                    e.setValue(cursor);
                    cursor += footprint(live.get(e.getKey()).length);
                }
                bumpTop = cursor;
            }
        }

        void killAll() {
            for (long h : live.keySet()) {
                dead.add(h);
                remember(deadSample, h, 2048);
            }
            live.clear();
            pool.clear();
            liveBytes = 0;
            usedFootprint = 0;
            contiguous = true;
            bumpTop = 0;
            bumpOffsets.clear();
        }

        private final Random sampler = new Random(1);

        <T> void remember(List<T> sample, T h, int max) {
            if (sample.size() < max) {
                sample.add(h);
            } else {
                sample.set(sampler.nextInt(max), h);
            }
        }
    }

    private final Random rnd = new Random(SEED);
    private RegionDirectory dir;
    private final TreeMap<Integer, MRegion> liveById = new TreeMap<>();
    private final List<MRegion> liveList = new ArrayList<>();
    private final Map<Integer, Integer> lastGen = new HashMap<>();
    private final List<Long> destroyedHandles = new ArrayList<>();
    private final List<Region> destroyedRegions = new ArrayList<>();
    private final List<Integer> destroyedRefs = new ArrayList<>();

    private final Map<String, Integer> ops = new TreeMap<>();
    private final EnumMap<ErrorCode, Integer> refusals = new EnumMap<>(ErrorCode.class);
    private int idReuses;
    private int crossRegionCopies;
    private int handlesCheckedAfterCompaction;
    private int zeroChecks;
    private int step;

    // ------------------------------------------------------------------ expectations

    /** The region-level refusal a handle meets in the directory, or null if its region is live. */
    ErrorCode expectRegion(long h) {
        int id = HandleCodec.regionIdOf(h);
        int gen = HandleCodec.regionGenOf(h);
        if (id == 0 || gen == 0) {
            return ErrorCode.FORGED_HANDLE;
        }
        MRegion r = liveById.get(id);
        if (r != null && r.gen == gen) {
            return null;
        }
        return gen <= lastGen.getOrDefault(id, 0) ? ErrorCode.STALE_REGION : ErrorCode.NO_SUCH_REGION;
    }

    /** The slot-level refusal of a handle whose region is live, or null if it is live. */
    ErrorCode expectSlot(long h) {
        MRegion r = liveById.get(HandleCodec.regionIdOf(h));
        if (r.live.containsKey(h)) {
            return null;
        }
        return r.dead.contains(h) ? ErrorCode.STALE_HANDLE : ErrorCode.FORGED_HANDLE;
    }

    ErrorCode expectHandle(long h) {
        ErrorCode c = expectRegion(h);
        return c != null ? c : expectSlot(h);
    }

    ErrorCode expectRef(int ref) {
        int id = HandleCodec.regionId(ref);
        int gen = HandleCodec.regionGen(ref);
        if (id == 0 || gen == 0) {
            return ErrorCode.NO_SUCH_REGION;
        }
        MRegion r = liveById.get(id);
        if (r != null && r.gen == gen) {
            return null;
        }
        return gen <= lastGen.getOrDefault(id, 0) ? ErrorCode.STALE_REGION : ErrorCode.NO_SUCH_REGION;
    }

    static boolean outOfBounds(long size, long offset, long length) {
        return offset < 0 || length < 0 || offset > size || length > size - offset;
    }

    byte[] contents(long h) {
        return liveById.get(HandleCodec.regionIdOf(h)).live.get(h);
    }

    interface Op {
        void run() throws Exception;
    }

    void expectFailure(ErrorCode expected, String what, Op op) {
        try {
            op.run();
        } catch (TvmException e) {
            assertEquals(expected, e.code(), "step " + step + ": " + what + ": " + e.getMessage());
            refusals.merge(expected, 1, Integer::sum);
            return;
        } catch (Throwable t) {
            throw new AssertionError("step " + step + ": " + what + " threw " + t + " instead of " + expected, t);
        }
        fail("step " + step + ": " + what + " succeeded but must fail with " + expected);
    }

    void count(String op) {
        ops.merge(op, 1, Integer::sum);
    }

    // ------------------------------------------------------------------ random choices

    MRegion anyRegion() {
        return liveList.isEmpty() ? null : liveList.get(rnd.nextInt(liveList.size()));
    }

    MRegion regionWithHandles() {
        for (int i = 0; i < 8; i++) {
            MRegion r = anyRegion();
            if (r != null && r.pool.size() > 0) {
                return r;
            }
        }
        return null;
    }

    long liveHandle() {
        MRegion r = regionWithHandles();
        return r == null ? 0 : r.pool.pick(rnd);
    }

    /** A handle for an access: mostly live, otherwise one of many invalid kinds. */
    long pickHandle() {
        int p = rnd.nextInt(100);
        if (p < 72) {
            long h = liveHandle();
            if (h != 0) {
                return h;
            }
        }
        if (p < 80) {
            MRegion r = anyRegion();
            if (r != null && !r.deadSample.isEmpty()) {
                return r.deadSample.get(rnd.nextInt(r.deadSample.size())); // freed or reset
            }
        }
        if (p < 85 && !destroyedHandles.isEmpty()) {
            return destroyedHandles.get(rnd.nextInt(destroyedHandles.size())); // destroyed region
        }
        long live = liveHandle();
        switch (p % 8) {
            case 0:
                return rnd.nextLong(); // random bits
            case 1:
                if (live != 0 && HandleCodec.slotGen(live) < HandleCodec.MAX_SLOT_GEN) {
                    return live + 1; // slot generation bumped
                }
                return 0;
            case 2:
                if (live != 0) {
                    MRegion r = liveById.get(HandleCodec.regionIdOf(live));
                    int slot = (int) Math.min(HandleCodec.MAX_SLOT, r.issued + rnd.nextInt(1000));
                    return HandleCodec.handle(r.ref, slot, 1 + rnd.nextInt(HandleCodec.MAX_SLOT_GEN)); // never issued
                }
                return rnd.nextLong() & ((1L << 48) - 1); // region id 0
            case 3:
                return live & ~(long) HandleCodec.MAX_SLOT_GEN; // slot generation 0
            case 4:
                return rnd.nextLong() & ((1L << 48) - 1); // region id 0
            case 5:
                if (live != 0) {
                    int id = HandleCodec.regionIdOf(live);
                    int gen = lastGen.get(id) + 1;
                    if (gen <= HandleCodec.MAX_REGION_GEN) {
                        // a future incarnation of a live id
                        return HandleCodec.handle(
                                HandleCodec.regionRef(id, gen), HandleCodec.slot(live), HandleCodec.slotGen(live));
                    }
                }
                return rnd.nextLong();
            case 6:
                // an id never used
                return HandleCodec.handle(
                        HandleCodec.regionRef(60_000 + rnd.nextInt(5000), 1 + rnd.nextInt(4000)),
                        rnd.nextInt(100),
                        1 + rnd.nextInt(100));
            default:
                return live;
        }
    }

    long sizeOfModel(long h) {
        ErrorCode c = expectHandle(h);
        return c == null ? contents(h).length : 64;
    }

    /** A range {offset, length} against an allocation of {@code size}: mostly valid. */
    long[] pickRange(long size) {
        int p = rnd.nextInt(100);
        if (p < 80) {
            long offset = size == 0 ? 0 : rnd.nextLong(size + 1);
            long max = size - offset;
            long length = rnd.nextInt(4) == 0 ? max : rnd.nextLong(Math.min(max, 512) + 1);
            return new long[] {offset, length};
        }
        switch (p % 7) {
            case 0:
                return new long[] {size - rnd.nextLong(Math.min(size, 16) + 1), 17 + rnd.nextInt(100)}; // tail
            case 1:
                return new long[] {-1 - rnd.nextInt(100), 1 + rnd.nextInt(10)}; // negative offset
            case 2:
                return new long[] {0, -1 - rnd.nextInt(100)}; // negative length
            case 3:
                return new long[] {size + 1 + rnd.nextInt(100), 0}; // offset past the end
            case 4:
                return new long[] {rnd.nextLong(size + 1), Long.MAX_VALUE}; // overflowing length
            case 5:
                return new long[] {Long.MAX_VALUE - 3, 8}; // overflowing offset
            default:
                return new long[] {0, size + 1}; // one byte too many
        }
    }

    long pickSize(MRegion r) {
        int p = rnd.nextInt(1000);
        if (p < 8) {
            long[] bad = {0, -1, -rnd.nextInt(1 << 20), r.maxAllocation() + 1, Long.MAX_VALUE, Long.MIN_VALUE};
            return bad[rnd.nextInt(bad.length)];
        }
        long size;
        if (p < 600) {
            size = 1L + rnd.nextInt(256);
        } else if (p < 900) {
            size = 257L + rnd.nextInt(8192 - 256);
        } else if (p < 985) {
            size = 8193L + rnd.nextInt(65536 - 8192);
        } else {
            size = 65537L + rnd.nextInt(256 << 10);
        }
        return Math.min(size, r.maxAllocation());
    }

    // ------------------------------------------------------------------ checks

    void checkContents(long h) {
        byte[] expected = contents(h);
        byte[] actual = new byte[expected.length];
        dir.read(h, 0, MemorySegment.ofArray(actual), 0, actual.length);
        if (!Arrays.equals(expected, actual)) {
            int i = Arrays.mismatch(expected, actual);
            fail("step " + step + ": " + HandleCodec.describe(h) + " of " + expected.length + " bytes differs at " + i
                    + ": expected " + expected[i] + " but read " + actual[i]);
        }
    }

    void checkNewAllocation(MRegion r, long h, long size) {
        assertEquals(r.ref, HandleCodec.regionRef(h), "a new handle names its region");
        assertFalse(r.live.containsKey(h), "step " + step + ": handle issued twice while live");
        assertFalse(r.dead.contains(h), "step " + step + ": a freed handle was issued again");
        assertNotEquals(0, HandleCodec.slotGen(h));
        r.addLive(h, size);
        assertEquals(size, dir.sizeOf(h));
        checkContents(h); // all zero
        zeroChecks++;
    }

    void checkStats() {
        assertEquals(liveById.size(), dir.regionCount());
        for (MRegion r : liveList) {
            RegionStats s = r.region.stats();
            assertEquals(r.live.size(), s.liveAllocations(), "step " + step + ": liveAllocations of " + r.region);
            assertEquals(r.liveBytes, s.liveBytes(), "step " + step + ": liveBytes of " + r.region);
            assertEquals(r.usedFootprint, s.usedBytes(), "step " + step + ": usedBytes of " + r.region);
            assertTrue(s.touchedBytes() >= r.usedFootprint || r.allocator == AllocatorKind.SLAB);
            assertEquals(r.pins, r.region.info().pinCount());
            assertEquals(r.pins > 0, r.region.isPinned());
        }
    }

    void checkEverything() {
        checkStats();
        for (MRegion r : liveList) {
            for (long h : r.live.keySet()) {
                checkContents(h);
            }
        }
    }

    // ------------------------------------------------------------------ operations

    void create() {
        count("create");
        RegionKind kind = RegionKind.fromCode(rnd.nextInt(RegionKind.values().length));
        RegionSpec spec = RegionSpec.of(kind).withCapacity(CAPACITIES[rnd.nextInt(CAPACITIES.length)]);
        if (kind == RegionKind.PAGE_STORE) {
            spec = spec.withPageSize(PAGE_SIZES[rnd.nextInt(PAGE_SIZES.length)]);
        } else if (rnd.nextInt(10) == 0) {
            spec = spec.withAllocator(AllocatorKind.fromCode(rnd.nextInt(AllocatorKind.values().length)));
        }
        if (spillEverything) {
            // Nothing pinnable either: pinned pages cannot be evicted, and enough of them would
            // make the budget impossible to meet (NO_MEMORY), which the model does not predict.
            spec = spec.withPolicy(spec.policy().withSpillable(true).withPinnable(false));
        }
        Region region = dir.create(spec);
        int id = HandleCodec.regionId(region.ref());
        int gen = HandleCodec.regionGen(region.ref());
        assertFalse(liveById.containsKey(id), "a live id was handed out again");
        int last = lastGen.getOrDefault(id, 0);
        assertEquals(last + 1, gen, "a reused id gets the next generation");
        if (last > 0) {
            idReuses++;
        }
        lastGen.put(id, gen);
        assertEquals(spec.capacity(), region.capacity());
        assertEquals(kind, region.kind());
        MRegion r = new MRegion(region, spec);
        liveById.put(id, r);
        liveList.add(r);
        assertSame(region, dir.region(region.ref()));
    }

    void destroy() {
        MRegion r = anyRegion();
        if (r == null) {
            return;
        }
        count("destroy");
        if (r.pins > 0) {
            expectFailure(ErrorCode.PINNED, "destroy pinned", () -> dir.destroy(r.ref));
            assertSame(r.region, dir.region(r.ref), "a refused destroy leaves the region live");
            return;
        }
        dir.destroy(r.ref);
        assertTrue(r.region.isDestroyed());
        liveById.remove(r.id);
        liveList.remove(r);
        for (long h : r.live.keySet()) {
            r.remember(destroyedHandles, h, 4096);
        }
        for (long h : r.deadSample) {
            r.remember(destroyedHandles, h, 4096);
        }
        r.remember(destroyedRefs, r.ref, 256);
        if (destroyedRegions.size() < 64) {
            destroyedRegions.add(r.region);
        } else {
            destroyedRegions.set(rnd.nextInt(64), r.region);
        }
    }

    void allocate() {
        MRegion r = anyRegion();
        if (r == null) {
            return;
        }
        count("alloc");
        long size = pickSize(r);
        if (size <= 0 || size > r.maxAllocation()) {
            expectFailure(ErrorCode.INVALID_ARGUMENT, "allocate(" + size + ")", () -> r.region.allocate(size));
            return;
        }
        boolean lease = rnd.nextInt(20) == 0;
        long h;
        try {
            h = lease ? r.region.lease(size) : r.region.allocate(size);
        } catch (TvmException e) {
            assertEquals(ErrorCode.REGION_FULL, e.code(), "step " + step + ": " + e.getMessage());
            assertFalse(
                    r.mustFit(size, 1),
                    "step " + step + ": " + size + " bytes must fit " + r.region + " with " + r.usedFootprint + " of "
                            + r.capacity + " bytes used, model bump top " + r.bumpTop + ": " + e.getMessage());
            refusals.merge(ErrorCode.REGION_FULL, 1, Integer::sum);
            return;
        }
        assertFalse(r.cannotFit(size, 1), "step " + step + ": allocation beyond capacity succeeded");
        checkNewAllocation(r, h, size);
    }

    void allocateBatch() {
        MRegion r = anyRegion();
        if (r == null) {
            return;
        }
        count("batch");
        int countN = 1 + rnd.nextInt(16);
        long size = Math.min(1 + rnd.nextInt(rnd.nextBoolean() ? 64 : 16384), r.maxAllocation());
        int at = rnd.nextInt(4);
        long[] out = new long[at + countN + rnd.nextInt(3)];
        if (rnd.nextInt(50) == 0) {
            int bad = rnd.nextInt(3);
            int c = bad == 0 ? -1 : countN;
            int o = bad == 1 ? -1 : bad == 2 ? out.length - countN + 1 : at;
            expectFailure(
                    ErrorCode.INVALID_ARGUMENT, "batch with bad bounds", () -> r.region.allocateBatch(size, c, out, o));
            return;
        }
        try {
            r.region.allocateBatch(size, countN, out, at);
        } catch (TvmException e) {
            assertEquals(ErrorCode.REGION_FULL, e.code(), "step " + step + ": " + e.getMessage());
            assertFalse(
                    r.mustFit(size, countN),
                    "step " + step + ": a batch of " + countN + " x " + size + " must fit " + r.region + " with "
                            + r.usedFootprint + " of " + r.capacity + " bytes used, model bump top " + r.bumpTop);
            refusals.merge(ErrorCode.REGION_FULL, 1, Integer::sum);
            RegionStats s = r.region.stats();
            assertEquals(r.live.size(), s.liveAllocations(), "a failed batch leaves nothing behind");
            assertEquals(r.usedFootprint, s.usedBytes(), "a failed batch leaves no space taken");
            return;
        }
        assertFalse(r.cannotFit(size, countN), "step " + step + ": batch beyond capacity succeeded");
        Set<Long> distinct = new HashSet<>();
        for (int i = 0; i < countN; i++) {
            assertTrue(distinct.add(out[at + i]), "duplicate handle in a batch");
            checkNewAllocation(r, out[at + i], size);
        }
    }

    void free() {
        count("free");
        long h = pickHandle();
        ErrorCode expected = expectHandle(h);
        if (expected != null) {
            expectFailure(expected, "free " + HandleCodec.describe(h), () -> dir.free(h));
            return;
        }
        MRegion r = liveById.get(HandleCodec.regionIdOf(h));
        dir.free(h);
        r.kill(h);
        if (rnd.nextInt(4) == 0) {
            expectFailure(ErrorCode.STALE_HANDLE, "read after free", () -> dir.getInt(h, 0));
        }
    }

    void read() {
        count("read");
        long h = pickHandle();
        ErrorCode expected = expectHandle(h);
        long size = sizeOfModel(h);
        long[] range = pickRange(size);
        long off = range[0];
        long len = range[1];
        if (expected == null && outOfBounds(size, off, len)) {
            expected = ErrorCode.OUT_OF_BOUNDS;
        }
        byte[] buf = new byte[expected == null ? (int) len + 3 : 16];
        Arrays.fill(buf, (byte) 0x5A);
        if (expected != null) {
            expectFailure(
                    expected,
                    "read " + HandleCodec.describe(h) + " [" + off + ", +" + len + ")",
                    () -> dir.read(h, off, MemorySegment.ofArray(buf), 0, len));
            for (byte b : buf) {
                assertEquals((byte) 0x5A, b, "a refused read wrote to its destination");
            }
            return;
        }
        dir.read(h, off, MemorySegment.ofArray(buf), 3, len);
        byte[] model = contents(h);
        assertArrayEquals(
                Arrays.copyOfRange(model, (int) off, (int) (off + len)),
                Arrays.copyOfRange(buf, 3, 3 + (int) len),
                "step " + step + ": read of " + HandleCodec.describe(h));
        assertEquals((byte) 0x5A, buf[0]);
    }

    void write() {
        count("write");
        long h = pickHandle();
        ErrorCode expected = expectHandle(h);
        long size = sizeOfModel(h);
        long[] range = pickRange(size);
        long off = range[0];
        long len = range[1];
        if (expected == null && outOfBounds(size, off, len)) {
            expected = ErrorCode.OUT_OF_BOUNDS;
        }
        if (expected != null) {
            byte[] junk = new byte[16];
            expectFailure(
                    expected,
                    "write " + HandleCodec.describe(h) + " [" + off + ", +" + len + ")",
                    () -> dir.write(h, off, MemorySegment.ofArray(junk), 0, len));
            return;
        }
        byte[] data = new byte[(int) len];
        rnd.nextBytes(data);
        dir.write(h, off, MemorySegment.ofArray(data), 0, len);
        System.arraycopy(data, 0, contents(h), (int) off, (int) len);
    }

    void fill() {
        count("fill");
        long h = pickHandle();
        ErrorCode expected = expectHandle(h);
        long size = sizeOfModel(h);
        long[] range = pickRange(size);
        if (expected == null && outOfBounds(size, range[0], range[1])) {
            expected = ErrorCode.OUT_OF_BOUNDS;
        }
        byte value = (byte) rnd.nextInt();
        if (expected != null) {
            expectFailure(expected, "fill", () -> dir.fill(h, range[0], range[1], value));
            return;
        }
        dir.fill(h, range[0], range[1], value);
        Arrays.fill(contents(h), (int) range[0], (int) (range[0] + range[1]), value);
    }

    void copy() {
        count("copy");
        long dst = pickHandle();
        long src;
        int p = rnd.nextInt(10);
        if (p < 2) {
            src = dst; // same allocation, overlapping ranges
        } else if (p < 6 && expectHandle(dst) == null) {
            MRegion r = liveById.get(HandleCodec.regionIdOf(dst));
            src = r.pool.pick(rnd); // same region
        } else {
            src = pickHandle(); // mostly another region
        }
        long srcSize = sizeOfModel(src);
        long dstSize = sizeOfModel(dst);
        long srcOff;
        long dstOff;
        long len;
        if (rnd.nextInt(5) > 0) {
            srcOff = srcSize == 0 ? 0 : rnd.nextLong(srcSize + 1);
            dstOff = dstSize == 0 ? 0 : rnd.nextLong(dstSize + 1);
            long max = Math.min(srcSize - srcOff, dstSize - dstOff);
            len = rnd.nextLong(Math.min(max, 2048) + 1);
        } else if (rnd.nextBoolean()) {
            long[] r = pickRange(srcSize);
            srcOff = r[0];
            len = r[1];
            dstOff = 0;
        } else {
            long[] r = pickRange(dstSize);
            dstOff = r[0];
            len = r[1];
            srcOff = 0;
        }
        // The directory resolves the source region, then the destination region, then checks the
        // source handle and range, then the destination handle and range.
        ErrorCode expected = expectRegion(src);
        if (expected == null) {
            expected = expectRegion(dst);
        }
        if (expected == null) {
            expected = expectSlot(src);
        }
        if (expected == null && outOfBounds(srcSize, srcOff, len)) {
            expected = ErrorCode.OUT_OF_BOUNDS;
        }
        if (expected == null) {
            expected = expectSlot(dst);
        }
        if (expected == null && outOfBounds(dstSize, dstOff, len)) {
            expected = ErrorCode.OUT_OF_BOUNDS;
        }
        if (expected != null) {
            expectFailure(
                    expected,
                    "copy " + HandleCodec.describe(src) + " -> " + HandleCodec.describe(dst),
                    () -> dir.copy(dst, dstOff, src, srcOff, len));
            return;
        }
        dir.copy(dst, dstOff, src, srcOff, len);
        byte[] tmp = Arrays.copyOfRange(contents(src), (int) srcOff, (int) (srcOff + len));
        System.arraycopy(tmp, 0, contents(dst), (int) dstOff, (int) len);
        if (HandleCodec.regionRef(src) != HandleCodec.regionRef(dst)) {
            crossRegionCopies++;
        }
        if (rnd.nextInt(8) == 0) {
            checkContents(dst);
        }
    }

    void getLong() {
        count("getLong");
        long h = pickHandle();
        ErrorCode expected = expectHandle(h);
        long size = sizeOfModel(h);
        long off = rnd.nextInt(10) > 0 && size >= 8 ? rnd.nextLong(size - 7) : size - rnd.nextInt(8);
        if (expected == null && outOfBounds(size, off, 8)) {
            expected = ErrorCode.OUT_OF_BOUNDS;
        }
        if (expected != null) {
            expectFailure(expected, "getLong", () -> dir.getLong(h, off));
            return;
        }
        byte[] b = contents(h);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[(int) off + i] & 0xFF);
        }
        assertEquals(v, dir.getLong(h, off), "step " + step + ": little-endian getLong");
    }

    void setLong() {
        count("setLong");
        long h = pickHandle();
        ErrorCode expected = expectHandle(h);
        long size = sizeOfModel(h);
        long off = rnd.nextInt(10) > 0 && size >= 8 ? rnd.nextLong(size - 7) : size - rnd.nextInt(8);
        if (expected == null && outOfBounds(size, off, 8)) {
            expected = ErrorCode.OUT_OF_BOUNDS;
        }
        long value = rnd.nextLong();
        if (expected != null) {
            expectFailure(expected, "setLong", () -> dir.setLong(h, off, value));
            return;
        }
        dir.setLong(h, off, value);
        byte[] b = contents(h);
        for (int i = 0; i < 8; i++) {
            b[(int) off + i] = (byte) (value >>> (8 * i));
        }
    }

    void sizeOf() {
        count("sizeOf");
        long h = pickHandle();
        ErrorCode expected = expectHandle(h);
        if (expected != null) {
            expectFailure(expected, "sizeOf", () -> dir.sizeOf(h));
            return;
        }
        assertEquals(contents(h).length, dir.sizeOf(h));
    }

    void compact() {
        MRegion r = anyRegion();
        if (r == null) {
            return;
        }
        count("compact");
        if (r.pins > 0) {
            expectFailure(ErrorCode.PINNED, "compact pinned", r.region::compact);
            return;
        }
        if (!r.compactable()) {
            expectFailure(ErrorCode.UNSUPPORTED, "compact " + r.allocator, r.region::compact);
            return;
        }
        long before = r.region.stats().touchedBytes();
        CompactionResult result = r.region.compact();
        assertEquals(r.ref, result.ref());
        assertEquals(before, result.touchedBefore());
        assertEquals(r.usedFootprint, result.touchedAfter(), "after compaction the live footprint is the top");
        assertTrue(result.allocationsMoved() <= r.live.size());
        assertTrue(result.bytesMoved() <= r.liveBytes);
        r.compacted();
        int checks = Math.min(r.pool.size(), 16);
        for (int i = 0; i < checks; i++) {
            checkContents(r.pool.pick(rnd));
            handlesCheckedAfterCompaction++;
        }
    }

    void reset() {
        MRegion r = anyRegion();
        if (r == null) {
            return;
        }
        count("reset");
        List<Long> old = new ArrayList<>(r.live.keySet());
        r.region.reset();
        r.killAll();
        for (int i = 0; i < Math.min(old.size(), 4); i++) {
            long h = old.get(rnd.nextInt(old.size()));
            expectFailure(ErrorCode.STALE_HANDLE, "access after reset", () -> dir.getInt(h, 0));
        }
        RegionStats s = r.region.stats();
        assertEquals(0, s.liveAllocations());
        assertEquals(0, s.usedBytes());
        assertEquals(0, s.touchedBytes());
    }

    void pin() {
        MRegion r = anyRegion();
        if (r == null) {
            return;
        }
        count("pin");
        if (!r.pinnable) {
            expectFailure(ErrorCode.UNSUPPORTED, "pin non-pinnable", r.region::pin);
            return;
        }
        r.region.pin();
        r.pins++;
    }

    void unpin() {
        MRegion r = anyRegion();
        if (r == null) {
            return;
        }
        count("unpin");
        if (r.pins == 0) {
            expectFailure(ErrorCode.INVALID_ARGUMENT, "unpin unpinned", r.region::unpin);
            return;
        }
        r.region.unpin();
        r.pins--;
    }

    void lookup() {
        count("lookup");
        int ref;
        int p = rnd.nextInt(4);
        if (p == 0 && !liveList.isEmpty()) {
            ref = anyRegion().ref;
        } else if (p == 1 && !destroyedRefs.isEmpty()) {
            ref = destroyedRefs.get(rnd.nextInt(destroyedRefs.size()));
        } else {
            ref = HandleCodec.regionRef(rnd.nextInt(65536), rnd.nextInt(4096));
        }
        ErrorCode expected = expectRef(ref);
        if (expected != null) {
            expectFailure(expected, "region(" + HandleCodec.describeRegion(ref) + ")", () -> dir.region(ref));
            if (HandleCodec.regionId(ref) != 0 && HandleCodec.regionGen(ref) != 0) {
                expectFailure(expected, "destroy(" + HandleCodec.describeRegion(ref) + ")", () -> dir.destroy(ref));
            }
            return;
        }
        assertSame(liveById.get(HandleCodec.regionId(ref)).region, dir.region(ref));
    }

    void useDestroyedRegionObject() {
        if (destroyedRegions.isEmpty()) {
            return;
        }
        count("destroyedObject");
        Region r = destroyedRegions.get(rnd.nextInt(destroyedRegions.size()));
        assertTrue(r.isDestroyed());
        switch (rnd.nextInt(5)) {
            case 0:
                expectFailure(ErrorCode.STALE_REGION, "allocate in destroyed", () -> r.allocate(16));
                break;
            case 1:
                expectFailure(ErrorCode.STALE_REGION, "compact destroyed", r::compact);
                break;
            case 2:
                expectFailure(ErrorCode.STALE_REGION, "pin destroyed", r::pin);
                break;
            case 3:
                expectFailure(ErrorCode.STALE_REGION, "reset destroyed", r::reset);
                break;
            default:
                expectFailure(ErrorCode.STALE_REGION, "info of destroyed", r::info);
                break;
        }
    }

    void foreignFree() {
        MRegion a = anyRegion();
        MRegion b = regionWithHandles();
        if (a == null || b == null || a == b) {
            return;
        }
        count("foreignFree");
        long h = b.pool.pick(rnd);
        expectFailure(ErrorCode.INVALID_ARGUMENT, "free through the wrong region", () -> a.region.free(h));
        checkContents(h);
    }

    // ------------------------------------------------------------------ the run

    @Test
    void randomOperationsAgreeWithTheModel() {
        runModel(RegionDirectory.builder());
    }

    /**
     * The same sequence under a resident budget below the live data, every region spillable (and
     * none pinnable): pages spill and fault back under every operation, and no result may change.
     */
    @Test
    void randomOperationsAgreeWithTheModelUnderAResidentBudget(@TempDir Path spill) {
        spillEverything = true;
        runModel(RegionDirectory.builder().withResidentBudget(6L << 20).withSpillDirectory(spill));
    }

    private boolean spillEverything;

    private void runModel(RegionDirectory.Builder builder) {
        long start = System.nanoTime();
        try (RegionDirectory d = builder.build()) {
            dir = d;
            for (step = 0; step < OPS; step++) {
                int p = rnd.nextInt(1000);
                if (liveList.isEmpty() || (p < 8 && liveList.size() < MAX_LIVE_REGIONS)) {
                    create();
                } else if (p < 13) {
                    destroy();
                } else if (p < 193) {
                    allocate();
                } else if (p < 213) {
                    allocateBatch();
                } else if (p < 413) {
                    free();
                } else if (p < 593) {
                    read();
                } else if (p < 733) {
                    write();
                } else if (p < 753) {
                    fill();
                } else if (p < 833) {
                    copy();
                } else if (p < 853) {
                    compact();
                } else if (p < 857) {
                    reset();
                } else if (p < 869) {
                    pin();
                } else if (p < 883) {
                    unpin();
                } else if (p < 923) {
                    getLong();
                } else if (p < 963) {
                    setLong();
                } else if (p < 975) {
                    sizeOf();
                } else if (p < 990) {
                    lookup();
                } else if (p < 995) {
                    useDestroyedRegionObject();
                } else {
                    foreignFree();
                }
                if (step % 500 == 0) {
                    checkStats();
                }
                if (step % 20_000 == 0) {
                    checkEverything();
                }
            }
            checkEverything();

            DirectoryStats totals = dir.stats();
            assertEquals(liveById.size(), totals.liveRegions());
            long liveAllocations = 0;
            for (MRegion r : liveList) {
                liveAllocations += r.live.size();
            }
            assertEquals(liveAllocations, totals.totals().liveAllocations());
            if (spillEverything) {
                ResidencyStats residency = dir.residencyStats();
                System.out.println("RegionDirectoryModelTest under budget: " + residency);
                assertTrue(residency.bytesSpilled() > 0 && residency.faults() > 0, "the budget made pages move");
            }
        }
        assertTrue(dir.isClosed());

        long millis = (System.nanoTime() - start) / 1_000_000;
        int total = ops.values().stream().mapToInt(Integer::intValue).sum();
        System.out.println("RegionDirectoryModelTest: " + total + " ops " + ops + "; refusals " + refusals
                + "; idReuses=" + idReuses + " crossRegionCopies=" + crossRegionCopies + " compactionChecks="
                + handlesCheckedAfterCompaction + " zeroChecks=" + zeroChecks + " in " + millis + " ms");

        assertTrue(total >= 200_000, "ops " + total);
        int[] minimum = {
            atLeast(ErrorCode.STALE_HANDLE, 2000),
            atLeast(ErrorCode.FORGED_HANDLE, 2000),
            atLeast(ErrorCode.STALE_REGION, 1000),
            atLeast(ErrorCode.NO_SUCH_REGION, 500),
            atLeast(ErrorCode.OUT_OF_BOUNDS, 5000),
            atLeast(ErrorCode.REGION_FULL, 500),
            atLeast(ErrorCode.PINNED, spillEverything ? 0 : 100),
            atLeast(ErrorCode.UNSUPPORTED, 200),
            atLeast(ErrorCode.INVALID_ARGUMENT, 500),
        };
        assertEquals(9, minimum.length);
        assertTrue(idReuses >= 50, "region ids reused " + idReuses);
        assertTrue(crossRegionCopies >= 1000, "cross-region copies " + crossRegionCopies);
        assertTrue(handlesCheckedAfterCompaction >= 2000, "handles checked after compaction");
        assertTrue(ops.get("compact") >= 1000);
        assertTrue(ops.get("reset") >= 200);
        assertTrue(zeroChecks >= 20_000, "new allocations checked for zero " + zeroChecks);
    }

    private int atLeast(ErrorCode code, int min) {
        int n = refusals.getOrDefault(code, 0);
        assertTrue(n >= min, code + " refused only " + n + " times (want >= " + min + ")");
        return n;
    }

    /** The model itself: expectations for the simple, hand-checkable cases. */
    @Test
    void modelPredictsSimpleCases() {
        try (RegionDirectory d = RegionDirectory.builder().build()) {
            dir = d;
            create();
            MRegion r = liveList.get(0);
            long h = r.region.allocate(8);
            r.addLive(h, 8);
            assertEquals(null, expectHandle(h));
            assertEquals(ErrorCode.FORGED_HANDLE, expectHandle(h + 1));
            assertEquals(ErrorCode.FORGED_HANDLE, expectHandle(0));
            d.free(h);
            r.kill(h);
            assertEquals(ErrorCode.STALE_HANDLE, expectHandle(h));
            assertEquals(
                    ErrorCode.NO_SUCH_REGION,
                    expectHandle(HandleCodec.handle(HandleCodec.regionRef(r.id, r.gen + 1), 0, 1)));
        }
    }
}
