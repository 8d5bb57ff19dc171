package dev.tvm.core;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.tvm.core.alloc.Allocator;
import dev.tvm.core.events.CompactionEvent;
import dev.tvm.core.events.HandleCheckFailureEvent;
import dev.tvm.core.events.RegionAction;
import dev.tvm.core.events.RegionLifecycleEvent;
import dev.tvm.core.memory.Backing;
import dev.tvm.core.memory.ReservedBacking;
import dev.tvm.core.spill.SpillFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.locks.StampedLock;

/**
 * One typed 32-bit address space: its bytes ({@link Backing}), its allocator, the table of its
 * allocations and its counters. Obtained from {@link RegionDirectory#create}; a {@code Region}
 * object stays usable until the region is destroyed, after which every call fails with {@link
 * ErrorCode#STALE_REGION}. Its pages move between memory and the spill file through the
 * directory's {@link Pager}; its tiers are drawn in {@link Tier}.
 *
 * <h2>Lock protocol (of regions, their page maps, the pager and the residency manager)</h2>
 *
 * <ol>
 *   <li>Each region has one {@link StampedLock}. Reads, writes, loads and stores of allocations
 *       take it shared (loads first try an optimistic read, validated after the bytes are read);
 *       anything that changes which allocations exist or where they are (allocate, free, reset,
 *       compact, pin, destroy, spill, load) takes it exclusively. So a free that returned is seen
 *       by every later access, compaction never races with an access, and a write that returned
 *       is never lost to a concurrent move. Different regions never contend.
 *   <li>A region's {@link PageMap} is guarded by that lock: changed under the exclusive lock,
 *       queried under either. The one exception is its clean bits, which writers holding the lock
 *       shared clear atomically ({@link PageMap#markWritten}), so no write is lost to eviction.
 *   <li>An access that finds a page missing converts its shared hold to the exclusive lock
 *       (when it is the only reader, in place; otherwise it drops the hold, waits for the
 *       exclusive lock and checks the handle again), has the {@link Pager} fault the page in,
 *       and downgrades to shared before touching the bytes, so the page cannot leave meanwhile.
 *   <li>The {@link ResidencyManager}'s lock guards the budget, the eviction policy and eviction
 *       rounds. It is taken holding the exclusive lock of at most one region (the requester);
 *       the regions of victims are locked with {@code tryWriteLock} only, and skipped when busy,
 *       so no lock cycle can form. The pager runs inside these locks and takes none of its own.
 *   <li>A directory snapshot takes the exclusive lock of every live region.
 * </ol>
 *
 * <h2>Zeroing</h2>
 *
 * New allocations read as zero. The region tracks a high-water mark {@code touched}: every byte
 * at or above it is zero (never handed out, or discarded), so only allocations that reuse space
 * below it are cleared.
 */
public final class Region {
    /** Little-endian, like WebAssembly memory. */
    static final ValueLayout.OfInt I32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final ValueLayout.OfLong I64 = JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int ref;
    private final RegionSpec spec;
    /** The region's bytes; the pager writes pages out of it and reads them back into it. */
    final Backing backing;

    final MemorySegment segment;
    final Allocator allocator;
    final HandleTable table = new HandleTable();
    final RegionMetrics metrics = new RegionMetrics();
    /** See the lock protocol above. */
    final StampedLock lock = new StampedLock();
    /** Null when the directory has no resident budget: then nothing is ever spilled. */
    private final ResidencyManager residency;

    /** Where the bytes of an {@link Tier#EXTERNAL} region come from; null for other regions. */
    final ExternalLoader loader;

    /** Which pages are resident or spilled; null when nothing is paged (no budget, not EXTERNAL). */
    final PageMap pages;

    /** Moves this region's pages in and out (the directory's; a no-op when {@link #pages} is null). */
    final Pager pager;

    // Guarded by lock (written under the write lock, read under either).
    private boolean destroyed;
    /** Volatile so the residency manager can skip pinned victims without taking the lock. */
    private volatile int pinCount;
    /** Pins taken by {@link #pinDirect()} (a subset of pinCount). */
    private int directPins;

    private long touched;
    /** The tier the region was created in: HOT, or WARM for a restored or file-mapped one. */
    private final Tier initialTier;
    /**
     * Bytes {@code [0, warmBytes)} are a copy-on-write mapping of a snapshot file (tier WARM):
     * the OS pages them in and out; they are not counted against the resident budget.
     */
    private long warmBytes;
    /** The content allocation of an EXTERNAL region; written once before publication. */
    private long contentHandle;

    Region(int ref, RegionSpec spec, Backing backing, ResidencyManager residency) {
        this(ref, spec, backing, residency, null);
    }

    Region(int ref, RegionSpec spec, Backing backing, ResidencyManager residency, ExternalLoader loader) {
        this.ref = ref;
        this.residency = residency;
        this.loader = loader;
        this.pages = residency == null && loader == null ? null : new PageMap(spec.capacity());
        this.pager = residency != null ? residency.pager() : Pager.UNBUDGETED;
        this.spec = spec;
        this.backing = backing;
        this.segment = backing.segment();
        this.allocator = Allocator.create(spec.allocator(), spec.capacity(), spec.pageSize());
        this.initialTier = spec.policy().initialTier();
    }

    /** The region reference: id and generation, as guests see it. */
    public int ref() {
        return ref;
    }

    /** The region id, 1..65535. */
    public int id() {
        return HandleCodec.regionId(ref);
    }

    /** The spec the region was created with. */
    public RegionSpec spec() {
        return spec;
    }

    /** The kind. */
    public RegionKind kind() {
        return spec.kind();
    }

    /** The capacity in bytes. */
    public long capacity() {
        return spec.capacity();
    }

    // ---------------------------------------------------------------- allocation

    /**
     * Allocates {@code size} zeroed bytes.
     *
     * @return the handle of the new allocation
     * @throws TvmException.CapacityExceededException if the region is full ({@link
     *     ErrorCode#REGION_FULL}) or its handle table is ({@link ErrorCode#TOO_MANY_HANDLES})
     * @throws TvmException.InvalidArgumentException if {@code size} is not 1..{@link
     *     #maxAllocation()}
     */
    public long allocate(long size) {
        long stamp = lock.writeLock();
        try {
            checkLive();
            checkWritable();
            Allocations.checkSize(this, size);
            long handle = Allocations.allocate(this, size);
            metrics.recordAllocation(size);
            return handle;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Allocates {@code count} allocations of {@code size} bytes each in one call, writing their
     * handles to {@code out[outOffset..]}. All or nothing: if the region cannot hold them all,
     * none is made.
     */
    public void allocateBatch(long size, int count, long[] out, int outOffset) {
        if (count < 0 || outOffset < 0 || outOffset > out.length - count) {
            throw new TvmException.InvalidArgumentException(
                    "batch of " + count + " does not fit an array of " + out.length + " at " + outOffset);
        }
        long stamp = lock.writeLock();
        try {
            checkLive();
            checkWritable();
            Allocations.checkSize(this, size);
            int made = 0;
            try {
                for (; made < count; made++) {
                    out[outOffset + made] = Allocations.allocate(this, size);
                }
            } catch (TvmException e) {
                // Newest first, so a bump allocator's stack discipline rolls its top all the way back.
                for (int i = made - 1; i >= 0; i--) {
                    Allocations.free(this, out[outOffset + i]);
                }
                throw e;
            }
            metrics.recordAllocations(count, size * count);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Takes an arena lease: one allocation of {@code size} bytes that the caller sub-allocates
     * itself (by offsets inside it), so many small objects cost one host call. It is an ordinary
     * allocation in every other respect and is returned with {@link RegionDirectory#free}.
     */
    public long lease(long size) {
        long handle = allocate(size);
        metrics.recordLease();
        return handle;
    }

    /** The largest single allocation this region's allocator accepts. */
    public long maxAllocation() {
        return allocator.maxAllocation();
    }

    /**
     * Frees an allocation. Every later access through its handle fails with {@link
     * ErrorCode#STALE_HANDLE}.
     */
    public void free(long handle) {
        long stamp = lock.writeLock();
        try {
            checkLive();
            checkWritable();
            long size = Allocations.free(this, handle);
            metrics.recordFree(size);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** The requested size of a live allocation. */
    public long sizeOf(long handle) {
        long stamp = lock.readLock();
        try {
            checkLive();
            return table.size(slotOf(handle));
        } finally {
            lock.unlockRead(stamp);
        }
    }

    // ---------------------------------------------------------------- access

    /**
     * Copies {@code length} bytes at {@code offset} inside an allocation to {@code dst}. The
     * destination may be any segment (heap, off-heap, another region's).
     */
    public void read(long handle, long offset, MemorySegment dst, long dstOffset, long length) {
        Transfers.transfer(this, handle, offset, dst, dstOffset, length, false);
        metrics.recordRead(length);
    }

    /** Copies {@code length} bytes from {@code src} into an allocation at {@code offset}. */
    public void write(long handle, long offset, MemorySegment src, long srcOffset, long length) {
        Transfers.transfer(this, handle, offset, src, srcOffset, length, true);
        metrics.recordWrite(length);
    }

    /** Sets {@code length} bytes at {@code offset} inside an allocation to {@code value}. */
    public void fill(long handle, long offset, long length, byte value) {
        Transfers.stepped(this, handle, offset, length, true, "fill", (at, done, n) -> segment.asSlice(at, n)
                .fill(value));
        metrics.recordWrite(length);
    }

    /** Little-endian i32 load at {@code offset} inside an allocation. */
    public int getInt(long handle, long offset) {
        // Optimistic first: no lock write at all when nothing structural happens meanwhile.
        long stamp = lock.tryOptimisticRead();
        try {
            long at = optimisticLocate(handle, offset, 4);
            if (at >= 0) {
                int v = segment.get(I32, at);
                if (lock.validate(stamp)) {
                    recordOptimisticRead(at, 4);
                    return v;
                }
            }
        } catch (RuntimeException raced) {
            // torn by a concurrent writer (destroyed, moved, resized): take the locked path
        }
        long held = lock.readLock();
        try {
            checkLive();
            int v = segment.get(I32, residentRange(held, handle, offset, 4));
            metrics.recordRead(4);
            return v;
        } finally {
            lock.tryUnlockRead();
        }
    }

    /** Little-endian i64 load. */
    public long getLong(long handle, long offset) {
        // Optimistic first: no lock write at all when nothing structural happens meanwhile.
        long stamp = lock.tryOptimisticRead();
        try {
            long at = optimisticLocate(handle, offset, 8);
            if (at >= 0) {
                long v = segment.get(I64, at);
                if (lock.validate(stamp)) {
                    recordOptimisticRead(at, 8);
                    return v;
                }
            }
        } catch (RuntimeException raced) {
            // torn by a concurrent writer (destroyed, moved, resized): take the locked path
        }
        long held = lock.readLock();
        try {
            checkLive();
            long v = segment.get(I64, residentRange(held, handle, offset, 8));
            metrics.recordRead(8);
            return v;
        } finally {
            lock.tryUnlockRead();
        }
    }

    /** Little-endian f32 load. */
    public float getFloat(long handle, long offset) {
        return Float.intBitsToFloat(getInt(handle, offset));
    }

    /** Little-endian f64 load. */
    public double getDouble(long handle, long offset) {
        return Double.longBitsToDouble(getLong(handle, offset));
    }

    /** Little-endian i32 store. */
    public void setInt(long handle, long offset, int value) {
        long held = lock.readLock();
        try {
            checkLive();
            checkWritable();
            segment.set(I32, writableRange(held, handle, offset, 4), value);
            metrics.recordWrite(4);
        } finally {
            lock.tryUnlockRead();
        }
    }

    /** Little-endian i64 store. */
    public void setLong(long handle, long offset, long value) {
        long held = lock.readLock();
        try {
            checkLive();
            checkWritable();
            segment.set(I64, writableRange(held, handle, offset, 8), value);
            metrics.recordWrite(8);
        } finally {
            lock.tryUnlockRead();
        }
    }

    /** Little-endian f32 store. */
    public void setFloat(long handle, long offset, float value) {
        setInt(handle, offset, Float.floatToRawIntBits(value));
    }

    /** Little-endian f64 store. */
    public void setDouble(long handle, long offset, double value) {
        setLong(handle, offset, Double.doubleToRawLongBits(value));
    }

    /** Locates and faults in a range for a store, marking its pages written (CLEAN becomes DIRTY). */
    long writableRange(long held, long handle, long offset, long length) {
        long at = residentRange(held, handle, offset, length);
        if (pages != null) {
            pages.markWritten(at, length);
        }
        return at;
    }

    /**
     * Checks a handle and a range inside its allocation, makes the range's pages resident and
     * returns its start in the segment. The caller holds one shared hold of the lock ({@code
     * held} is its stamp, or any stale stamp) and holds one when this returns or throws, so it
     * releases with {@code tryUnlockRead}.
     */
    long residentRange(long held, long handle, long offset, long length) {
        long at = locate(handle, offset, length);
        if (pages == null) {
            return at;
        }
        while (!pages.allResident(at, length)) { // once, unless the downgrade ever failed
            at = faultHoldingRead(held, handle, offset, length, at);
            held = 0;
        }
        if (length > 0 && residency != null) {
            residency.recordAccess(this, PageMap.pageOf(at));
        }
        return at;
    }

    /**
     * Faults in the range located at {@code at} under the exclusive lock and returns where it is,
     * leaving one shared hold either way. The sole reader converts its hold in place, so the
     * range it located stays valid and the handle is not checked again; otherwise the shared hold
     * is dropped for the exclusive lock, and the region and handle are checked again.
     */
    private long faultHoldingRead(long held, long handle, long offset, long length, long at) {
        long stamp = held == 0 ? 0 : lock.tryConvertToWriteLock(held);
        boolean recheck = stamp == 0;
        if (recheck) {
            lock.tryUnlockRead();
            stamp = lock.writeLock();
        }
        boolean downgraded = false;
        try {
            if (recheck) {
                checkLive();
                at = locate(handle, offset, length);
            }
            pager.faultIn(this, at, length, PageMap.pageOf(at), PageMap.pageOf(at + Math.max(0, length - 1)));
            downgraded = lock.tryConvertToReadLock(stamp) != 0; // always succeeds for a write stamp
        } finally {
            if (!downgraded) {
                lock.unlockWrite(stamp);
                lock.readLock();
            }
        }
        if (!downgraded) { // the range may have moved meanwhile
            checkLive();
            at = locate(handle, offset, length);
        }
        return at;
    }

    /**
     * The lock-free half of a load: where {@code [offset, offset + length)} of a valid handle's
     * allocation is, if it is resident, else -1 (any doubt, including state torn by a concurrent
     * writer, sends the caller to the locked path, which validates and reports properly). Reads
     * plain fields that only change under the exclusive lock; the caller validates its optimistic
     * stamp after using the result, so a torn read is never acted on. Records nothing.
     */
    private long optimisticLocate(long handle, long offset, long length) {
        if (destroyed || HandleCodec.regionRef(handle) != ref) {
            return -1;
        }
        long at = table.tryLocate(handle, offset, length);
        if (at < 0 || (pages != null && !pages.allResident(at, length))) {
            return -1;
        }
        return at;
    }

    private void recordOptimisticRead(long at, long length) {
        metrics.recordRead(length);
        if (residency != null) {
            residency.recordAccess(this, PageMap.pageOf(at));
        }
    }

    /**
     * Checks a handle and a range inside its allocation; returns the range's start in the
     * region's segment. Caller holds the lock. Every refusal is counted and decoded in the
     * message.
     */
    long locate(long handle, long offset, long length) {
        int slot = slotOf(handle);
        long size = table.size(slot);
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            metrics.recordFailure(ErrorCode.OUT_OF_BOUNDS);
            HandleCheckFailureEvent.emit(ErrorCode.OUT_OF_BOUNDS, handle);
            throw new TvmException.OutOfBoundsException("access [" + offset + ", " + offset + " + " + length
                    + ") is outside the " + size + "-byte allocation of " + HandleCodec.describe(handle));
        }
        return table.offset(slot) + offset;
    }

    int slotOf(long handle) {
        if (HandleCodec.regionRef(handle) != ref) {
            ErrorCode code = HandleCodec.regionId(HandleCodec.regionRef(handle)) == id()
                    ? (HandleCodec.regionGenOf(handle) < HandleCodec.regionGen(ref)
                            ? ErrorCode.STALE_REGION
                            : ErrorCode.NO_SUCH_REGION)
                    : ErrorCode.INVALID_ARGUMENT;
            metrics.recordFailure(code);
            HandleCheckFailureEvent.emit(code, handle);
            throw TvmException.of(code, HandleCodec.describe(handle) + " does not belong to " + this);
        }
        int slot = table.resolve(handle);
        if (slot < 0) {
            ErrorCode code = ErrorCode.fromCode(slot);
            metrics.recordFailure(code);
            HandleCheckFailureEvent.emit(code, handle);
            throw TvmException.of(
                    code,
                    HandleCodec.describe(handle)
                            + (code == ErrorCode.STALE_HANDLE
                                    ? " was freed (use after free)"
                                    : " was never issued (forged handle)"));
        }
        return slot;
    }

    void checkWritable() {
        if (spec.readOnly()) {
            throw readOnly();
        }
    }

    TvmException readOnly() {
        metrics.recordFailure(ErrorCode.READ_ONLY);
        return new TvmException.ReadOnlyException(this + " is read-only");
    }

    /**
     * Makes the single allocation that holds an EXTERNAL region's content, its pages left
     * unloaded. Called once, before the region is published.
     */
    long initExternalContent() {
        long stamp = lock.writeLock();
        try {
            contentHandle = Allocations.allocateContent(this, loader.size());
            return contentHandle;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Makes the single allocation of a file-mapped read-only region and maps the file over it,
     * copy-on-write and lazily (tier WARM); where mappings are unavailable the bytes are read in.
     * Called once, before the region is published.
     */
    void initMappedContent(Path file, long size) throws IOException {
        long stamp = lock.writeLock();
        try {
            contentHandle = Allocations.allocateContent(this, size);
            warmBytes = Allocations.mapContent(this, file, size);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * The handle of the content of an EXTERNAL or file-mapped region (one allocation of the
     * source's size), or 0 for other regions.
     */
    public long contentHandle() {
        return contentHandle;
    }

    void checkLive() {
        if (destroyed) {
            throw TvmException.of(ErrorCode.STALE_REGION, this + " was destroyed");
        }
    }

    // ---------------------------------------------------------------- residency

    /** For the residency manager: exclusive lock if free right now, else 0. */
    long tryLockForEviction() {
        return lock.tryWriteLock();
    }

    void unlockAfterEviction(long stamp) {
        lock.unlockWrite(stamp);
    }

    /**
     * Waits until no thread holds this region's lock (for {@link RegionDirectory#destroy}, which
     * waits here without holding the directory's lock).
     */
    void awaitUnlocked() {
        lock.unlockWrite(lock.writeLock());
    }

    /** Whether any thread holds the lock now (a hint for victim selection; eviction uses tryLock). */
    boolean lockedRelaxed() {
        return lock.isReadLocked() || lock.isWriteLocked();
    }

    /** Pinned, read without the lock (a hint for victim selection; eviction rechecks). */
    boolean pinnedRelaxed() {
        return pinCount > 0;
    }

    /** Whether pages may leave memory: neither pinned nor destroyed. Exclusive lock held. */
    boolean pagesMayLeave() {
        return !destroyed && pinCount == 0;
    }

    /** Whether the region was destroyed, for a holder of the exclusive lock. */
    boolean isDestroyedLocked() {
        return destroyed;
    }

    /** The high-water mark: every byte at or above it is zero. Lock held. */
    long touched() {
        return touched;
    }

    /** Raises the high-water mark to {@code end} (an allocation was made below it). Exclusive lock held. */
    void touch(long end) {
        touched = Math.max(touched, end);
    }

    /** The length of the WARM (file-mapped, uncounted) prefix. Lock held. */
    long warmBytes() {
        return warmBytes;
    }

    /**
     * Demotes the region to {@link Tier#COLD}: every resident page is written to the spill file
     * and its memory released. Accesses fault pages back in transparently.
     *
     * @throws TvmException.UnsupportedOperationTvmException if the directory has no resident
     *     budget or the region is not spillable
     * @throws TvmException.RegionPinnedException if pinned
     * @throws TvmException.SpillException if the spill file fails (the data stays resident)
     */
    public void spill() {
        long stamp = lock.writeLock();
        try {
            checkLive();
            if (residency == null || !spec.policy().spillable() || (spec.readOnly() && loader == null)) {
                throw TvmException.of(
                        ErrorCode.UNSUPPORTED,
                        this
                                + (residency == null
                                        ? " is in a directory without a resident budget"
                                        : " is not spillable"));
            }
            if (pinCount > 0) {
                throw new TvmException.RegionPinnedException(this + " is pinned and cannot be spilled");
            }
            Tier before = currentTier();
            dewarm();
            int[] resident = Pager.residentPages(this);
            residency.spillAll(this, resident, resident.length);
            residency.recordDemotion();
            tierChanged(before);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Promotes the region to {@link Tier#HOT}: faults every spilled page back in, within the
     * directory's budget.
     */
    public void load() {
        long stamp = lock.writeLock();
        try {
            checkLive();
            boolean wasCold = pages != null && pages.spilledCount() > 0;
            Tier before = currentTier();
            dewarm();
            pager.faultInAll(this);
            if (wasCold && residency != null) {
                residency.recordPromotion();
            }
            tierChanged(before);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** The region's tier now. */
    private Tier currentTier() {
        if (loader != null) {
            return Tier.EXTERNAL;
        }
        if (warmBytes > 0) {
            return Tier.WARM;
        }
        if (pages != null && pages.residentCount() == 0 && pages.spilledCount() > 0) {
            return Tier.COLD;
        }
        return initialTier;
    }

    // ---------------------------------------------------------------- WARM and snapshots

    /**
     * Turns a WARM region HOT: copies its mapped bytes into anonymous memory, counting them
     * against the budget (which may evict other pages). Exclusive lock held.
     */
    private void dewarm() {
        if (warmBytes == 0) {
            return;
        }
        if (residency != null) {
            residency.recordPromotion();
        }
        ReservedBacking reserved = (ReservedBacking) backing;
        long chunk = (long) PageMap.STAGING_PAGES << PageMap.PAGE_SHIFT;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment copy = scratch.allocate(chunk, 4096);
            // From the top down, so [0, warmBytes) stays exactly the mapped prefix if a
            // reservation fails half-way.
            while (warmBytes > 0) {
                long at = (warmBytes - 1) / chunk * chunk;
                long n = warmBytes - at;
                if (pages != null) {
                    int first = PageMap.pageOf(at);
                    int count = PageMap.pagesFor(n);
                    pager.reserve(this, PageMap.range(first, count), count, 0, PageMap.pagesFor(warmBytes) - 1, false);
                }
                MemorySegment.copy(segment, at, copy, 0, n);
                reserved.remapAnonymous(at, n);
                MemorySegment.copy(copy, 0, segment, at, n);
                warmBytes = at;
            }
        }
    }

    /**
     * This region's record for a directory snapshot, its pages written as one run by {@code
     * writer}. Caller holds the exclusive lock (see {@link #lockForSnapshot}).
     */
    SnapshotCodec.RegionRecord snapshotLocked(SnapshotCodec.PageWriter writer) throws IOException {
        SnapshotCodec.PageRun run = writer.write(PageMap.pagesFor(touched), this::copyPageLocked);
        return new SnapshotCodec.RegionRecord(ref, spec, touched, run, table.state(), allocator.state());
    }

    /**
     * Copies page {@code page} into {@code dst} wherever it is: resident and WARM pages from
     * memory, spilled ones read back (and verified) from the directory's spill file, pages never
     * accessed as zeros (or an external region's bytes from its loader). Exclusive lock held.
     */
    private void copyPageLocked(int page, MemorySegment dst) throws IOException {
        if (pages == null || pages.isResident(page)) {
            MemorySegment.copy(segment, (long) page << PageMap.PAGE_SHIFT, dst, 0, PageMap.PAGE_SIZE);
        } else if (pages.slot(page) < 0) {
            dst.fill((byte) 0); // a fresh page never accessed, or an external one not loaded
            long offset = (long) page << PageMap.PAGE_SHIFT;
            long length = loader == null ? 0 : Math.min(PageMap.PAGE_SIZE, loader.size() - offset);
            if (length > 0) {
                loader.load(offset, dst.asSlice(0, length));
            }
        } else {
            residency
                    .spillFile()
                    .readRun(pages.slot(page), dst, new int[] {pages.crc(page)}, 0, this + " page " + page);
        }
    }

    /**
     * Restores a snapshot's record into this new, empty region and makes its bytes available:
     * mapped copy-on-write from {@code file} (tier WARM) when the backing can map files, else read
     * in and verified (tier HOT). Called before the region is published.
     *
     * @throws IllegalArgumentException if the table or allocator state is inconsistent
     */
    void restore(
            SnapshotCodec.RegionRecord record, SpillFile snapshot, ReservedBacking.ReadOnlyFile file, boolean verify) {
        table.restore(record.table(), spec.capacity());
        allocator.restore(record.allocator());
        touched = record.touched();
        SnapshotCodec.PageRun run = record.pages();
        int n = run.count();
        if (n == 0) {
            return;
        }
        long bytes = (long) n << PageMap.PAGE_SHIFT;
        snapshot.markUsed(run.firstSlot(), n);
        if (verify && file != null) {
            // One sequential pass over the run, checking every CRC before anything is mapped.
            SnapshotCodec.verify(snapshot, run, i -> "snapshot of " + this + " page " + i);
        }
        if (backing instanceof ReservedBacking reserved && file != null) {
            reserved.mapFile(0, bytes, file, snapshot.slotOffset(run.firstSlot()));
            warmBytes = bytes;
            if (pages != null) {
                for (int p = 0; p < n; p++) {
                    pages.markResident(p); // mapped, not counted: see warmBytes
                }
            }
        } else {
            if (pages != null) {
                pager.reserve(this, PageMap.range(0, n), n, 0, n - 1, false);
                for (int p = 0; p < n; p++) {
                    pages.markResident(p);
                }
            }
            snapshot.readRun(run.firstSlot(), segment.asSlice(0, bytes), run.crcs(), 0, i -> this + " page " + i);
        }
    }

    /** Exclusive lock for a directory snapshot; released with {@link #unlockAfterEviction}. */
    long lockForSnapshot() {
        return lock.writeLock();
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Pins the region: until as many {@link #unpin()} calls, it is never moved, compacted,
     * demoted or destroyed. Pins nest.
     *
     * @throws TvmException.UnsupportedOperationTvmException if the policy is not pinnable
     */
    public void pin() {
        long stamp = lock.writeLock();
        try {
            checkLive();
            if (!spec.policy().pinnable()) {
                throw TvmException.of(ErrorCode.UNSUPPORTED, this + " is not pinnable by its placement policy");
            }
            pinCount++;
            lifecycle(RegionAction.PIN, null, 0);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Releases one pin. */
    public void unpin() {
        long stamp = lock.writeLock();
        try {
            checkLive();
            if (pinCount - directPins == 0) {
                throw new TvmException.InvalidArgumentException(
                        this + " is not pinned" + (directPins > 0 ? " (except by direct access)" : ""));
            }
            pinCount--;
            lifecycle(RegionAction.UNPIN, null, 0);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Pins the region for direct access by a guest (as an imported memory) and returns its bytes:
     * the whole address space, read-only for read-only regions. Spilled pages are faulted in first
     * (within the budget) and, pinned, are never evicted; a WARM region keeps working through its
     * file mapping. Addresses inside it (see {@link #addressOf}) stay valid until {@link
     * #unpinDirect()}: while pinned the region is never compacted, moved, demoted or destroyed.
     *
     * <p>Direct writes bypass handles: bytes written outside any allocation are the guest's own
     * business, are not counted against the resident budget, and are discarded when the last
     * direct pin goes (so new allocations still read zero).
     *
     * @throws TvmException.UnsupportedOperationTvmException if the region is not pinnable
     */
    public MemorySegment pinDirect() {
        long stamp = lock.writeLock();
        try {
            checkLive();
            if (!spec.policy().pinnable()) {
                throw TvmException.of(ErrorCode.UNSUPPORTED, this + " is not pinnable by its placement policy");
            }
            Tier before = currentTier();
            pager.faultInAll(this);
            if (pages != null) {
                pages.markAllWritten(); // the guest writes through the raw segment from now on
            }
            pinCount++;
            directPins++;
            tierChanged(before);
            lifecycle(RegionAction.PIN, null, 0);
            return spec.readOnly() ? segment.asReadOnly() : segment;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Releases a {@link #pinDirect()} pin. */
    public void unpinDirect() {
        long stamp = lock.writeLock();
        try {
            checkLive();
            if (directPins == 0) {
                throw new TvmException.InvalidArgumentException(this + " has no direct pin");
            }
            directPins--;
            pinCount--;
            lifecycle(RegionAction.UNPIN, null, 0);
            if (directPins == 0 && !spec.readOnly() && loader == null) {
                long from = (touched + PageMap.PAGE_SIZE - 1) & -PageMap.PAGE_SIZE;
                if (from < spec.capacity()) {
                    backing.discard(from, spec.capacity() - from); // the guest may have written there
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Where an allocation starts inside the region's address space: what a guest adds to the
     * base of its imported memory for native loads. Valid while the region is pinned.
     */
    public long addressOf(long handle) {
        long held = lock.readLock();
        try {
            checkLive();
            return residentRange(held, handle, 0, 0);
        } finally {
            lock.tryUnlockRead();
        }
    }

    /** Whether at least one pin is held. */
    public boolean isPinned() {
        long stamp = lock.readLock();
        try {
            return pinCount > 0;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Frees every allocation at once: all handles into the region become stale, and its memory is
     * released to the OS and reads as zero. Allowed while pinned (nothing moves).
     */
    public void reset() {
        long stamp = lock.writeLock();
        try {
            checkLive();
            checkWritable();
            long count = table.liveCount();
            long bytes = table.liveBytes();
            Tier before = currentTier();
            table.releaseAll();
            allocator.reset();
            pager.dropFrom(this, 0);
            if (warmBytes > 0) {
                ((ReservedBacking) backing).remapAnonymous(0, warmBytes); // discard would revert to the file
                warmBytes = 0;
            }
            backing.discard(0, touched);
            touched = 0;
            metrics.recordFrees(count, bytes);
            metrics.recordReset();
            lifecycle(RegionAction.RESET, null, count);
            tierChanged(before);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Slides live allocations towards offset 0, closing the holes left by frees, and releases
     * the freed tail to the OS. Handles stay valid: they resolve through the handle table, whose
     * offsets are updated in place, so callers need no remap. This is why handles carry a slot
     * index rather than an offset.
     *
     * <p>Runs under this region's exclusive lock only: other regions are used meanwhile.
     *
     * @throws TvmException.RegionPinnedException if pinned
     * @throws TvmException.UnsupportedOperationTvmException for slab and page regions
     */
    public CompactionResult compact() {
        long stamp = lock.writeLock();
        try {
            checkLive();
            checkWritable();
            if (pinCount > 0) {
                throw new TvmException.RegionPinnedException(
                        this + " is pinned " + pinCount + " time(s); compaction would move bytes under raw addresses");
            }
            if (!allocator.canCompact()) {
                throw TvmException.of(
                        ErrorCode.UNSUPPORTED,
                        this + " uses a " + spec.allocator() + " allocator, which cannot be compacted");
            }
            CompactionEvent event = CompactionEvent.start();
            Tier tierBefore = currentTier();
            dewarm();
            long before = touched;
            pager.faultInAll(this);
            CompactionResult result = Allocations.slide(this, before);
            long cursor = result.touchedAfter();
            pager.dropFrom(this, PageMap.pagesFor(cursor));
            if (before > cursor) {
                backing.discard(cursor, before - cursor);
            }
            touched = cursor;
            metrics.recordCompaction(result.bytesMoved());
            tierChanged(tierBefore);
            CompactionEvent.finish(
                    event,
                    ref,
                    spec.name(),
                    table.liveCount(),
                    result.allocationsMoved(),
                    result.bytesMoved(),
                    before,
                    cursor);
            return result;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Called by the directory, which has removed the region from its table. */
    void destroy(boolean force) {
        long stamp = lock.writeLock();
        try {
            checkLive();
            if (pinCount > 0 && !force) {
                throw new TvmException.RegionPinnedException(
                        this + " is pinned " + pinCount + " time(s) and cannot be destroyed");
            }
            Tier tierBefore = currentTier();
            long live = table.liveCount();
            pager.dropFrom(this, 0);
            destroyed = true;
            backing.close();
            RegionLifecycleEvent.emit(
                    RegionAction.DESTROY,
                    ref,
                    spec.name(),
                    spec.kind(),
                    tierBefore,
                    null,
                    spec.capacity(),
                    pinCount,
                    live);
            if (loader != null) {
                try {
                    loader.close();
                } catch (Exception e) {
                    // the region is gone either way; a failing close of a read-only source loses nothing
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Whether the region has been destroyed. */
    public boolean isDestroyed() {
        long stamp = lock.readLock();
        try {
            return destroyed;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** The region's counters. */
    public RegionStats stats() {
        long stamp = lock.readLock();
        try {
            return statsLocked();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private RegionStats statsLocked() {
        return metrics.snapshot(table.liveCount(), table.liveBytes(), allocator.usedBytes(), touched);
    }

    /** A description of the region now. */
    public RegionInfo info() {
        long stamp = lock.readLock();
        try {
            checkLive();
            return new RegionInfo(
                    ref,
                    spec.name(),
                    spec.kind(),
                    spec.allocator(),
                    spec.policy(),
                    currentTier(),
                    spec.capacity(),
                    pinCount,
                    statsLocked(),
                    pages == null
                            ? Math.min(touched, spec.capacity())
                            : (long) pages.residentCount() * PageMap.PAGE_SIZE,
                    pages == null ? 0 : (long) pages.spilledCount() * PageMap.PAGE_SIZE);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Emits a {@link RegionLifecycleEvent} with the region's state now. Caller holds the lock, or
     * the region is not yet published.
     */
    void lifecycle(RegionAction action, Tier previous, long allocations) {
        RegionLifecycleEvent.emit(
                action, ref, spec.name(), spec.kind(), currentTier(), previous, spec.capacity(), pinCount, allocations);
    }

    /** Emits a TIER_CHANGE event if the tier is no longer {@code before}. Lock held. */
    private void tierChanged(Tier before) {
        if (currentTier() != before) {
            lifecycle(RegionAction.TIER_CHANGE, before, 0);
        }
    }

    /** Counts a failure that was detected before this region was reached (for metrics only). */
    void recordFailure(ErrorCode code) {
        metrics.recordFailure(code);
    }

    @Override
    public String toString() {
        return spec.kind() + " region '" + spec.name() + "' (" + HandleCodec.describeRegion(ref) + ")";
    }
}
