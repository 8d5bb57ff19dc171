package dev.tvm.core;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.tvm.core.alloc.Allocator;
import dev.tvm.core.events.RegionAction;
import dev.tvm.core.events.RegionLifecycleEvent;
import dev.tvm.core.memory.Backing;
import java.io.IOException;
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
 * directory's {@link Pager}; its tiers are drawn in {@link Tier}. The region holds the state and
 * the lock; the work is done by {@link Allocations} (making, freeing, resetting, compacting),
 * {@link Access} (handle checks, typed loads and stores, faulting a range in), {@link Transfers}
 * (multi-page accesses and copies), {@link Tiering} (tier changes, WARM mappings, snapshot
 * images) and {@link Pins}.
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
 *       and downgrades to shared before touching the bytes, so the page cannot leave meanwhile
 *       ({@link Access#residentRange}).
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
    final ResidencyManager residency;

    /** The region's tier, WARM mapping and snapshot image. */
    final Tiering tiering;

    /** The region's pins. */
    final Pins pins = new Pins(this);

    /** Where the bytes of an {@link Tier#EXTERNAL} region come from; null for other regions. */
    final ExternalLoader loader;

    /** Which pages are resident or spilled; null when nothing is paged (no budget, not EXTERNAL). */
    final PageMap pages;

    /** Moves this region's pages in and out (the directory's; a no-op when {@link #pages} is null). */
    final Pager pager;

    // Guarded by lock (written under the write lock, read under either).
    private boolean destroyed;
    private long touched;
    /** The content allocation of an EXTERNAL region; written once before publication. */
    private long contentHandle;

    /**
     * Non-null for a guest's linear memory (written before publication) and for a region guests
     * import as a paged memory (written under the exclusive lock by the first {@link
     * #importPaged()}); never unset.
     */
    volatile GuestPages guest;

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
        this.tiering = new Tiering(this, residency);
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
        checkNotGuestMemory("allocate in");
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
        checkNotGuestMemory("allocate in");
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
        checkNotGuestMemory("free an allocation of");
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
            return table.size(Access.slotOf(this, handle));
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
        return Access.loadInt(this, handle, offset);
    }

    /** Little-endian i64 load. */
    public long getLong(long handle, long offset) {
        return Access.loadLong(this, handle, offset);
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
        Access.store(this, handle, offset, 4, value);
    }

    /** Little-endian i64 store. */
    public void setLong(long handle, long offset, long value) {
        Access.store(this, handle, offset, 8, value);
    }

    /** Little-endian f32 store. */
    public void setFloat(long handle, long offset, float value) {
        setInt(handle, offset, Float.floatToRawIntBits(value));
    }

    /** Little-endian f64 store. */
    public void setDouble(long handle, long offset, double value) {
        setLong(handle, offset, Double.doubleToRawLongBits(value));
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
            tiering.mapContent(file, size);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Makes the region a guest's linear memory: its whole span is the guest's (so nothing is ever
     * allocated there), no page resident yet, and an access table the pager keeps in step. Called
     * once, before the region is published.
     */
    GuestPages initGuest() {
        long stamp = lock.writeLock();
        try {
            touch(spec.capacity()); // every page may hold guest bytes: the pager pages them all
            guest = new GuestPages(this);
            if (pages != null) {
                pages.attachAccess(guest.accessTable());
            }
            return guest;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** The guest's view of this region, or null unless it is a guest's linear memory. */
    public GuestPages guestPages() {
        return guest;
    }

    /** See {@link GuestPages#discard}. */
    void discardDirect(long at, long length) {
        if (length <= 0) {
            return;
        }
        long stamp = lock.writeLock();
        try {
            checkLive();
            int first = PageMap.pageOf(at);
            int last = PageMap.pageOf(at + length - 1);
            if (pages != null) {
                pager.drop(this, first, last + 1);
            }
            guest.unmapImage(first, last + 1); // discarding would revert image pages to the image
            backing.discard((long) first << PageMap.PAGE_SHIFT, (long) (last + 1 - first) << PageMap.PAGE_SHIFT);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private void checkNotGuestMemory(String operation) {
        GuestPages g = guest;
        if (g != null && g.ownsRegion()) {
            throw new TvmException.UnsupportedOperationTvmException(
                    "cannot " + operation + " " + this + ": it is the linear memory of a guest");
        }
    }

    /** Refuses what would move or clear bytes under guests that import the region paged. Lock held. */
    private void checkNotImported(String operation) {
        GuestPages g = guest;
        if (g != null && g.imports > 0) {
            throw new TvmException.RegionPinnedException("cannot " + operation + " " + this + ": guests import it as"
                    + " a paged memory (" + g.imports + " import(s) open); close them first");
        }
    }

    /**
     * Lends the region to guests as a memory they address directly, with its pages still paged
     * under the budget (unlike {@link #pinDirect()}, which keeps them all resident): guests go
     * through the returned {@link GuestPages} exactly as through their own paged memory
     * ({@code dev.tvm.chicory.memory.SegmentMemory.pagedView}), entering it around their calls,
     * while the host goes on allocating and accessing through handles. Until {@link
     * #releaseImport()} the region is not reset, compacted or destroyed (addresses stay valid).
     * Pages the guest stores to outside any allocation are paged like the rest.
     *
     * @throws TvmException.UnsupportedOperationTvmException for a guest's own memory or an
     *     EXTERNAL region
     */
    public GuestPages importPaged() {
        long stamp = lock.writeLock();
        try {
            checkLive();
            GuestPages g = guest;
            if ((g != null && g.ownsRegion()) || loader != null) {
                throw new TvmException.UnsupportedOperationTvmException("cannot import " + this + " as a paged memory: "
                        + (loader != null ? "it is an EXTERNAL region" : "it is the linear memory of a guest"));
            }
            if (g == null) {
                Tier before = currentTier();
                tiering.dewarm(); // a file-mapped prefix is not paged by the budget: make it ordinary memory
                g = GuestPages.forImport(this);
                if (pages != null) {
                    pages.attachAccess(g.accessTable());
                }
                guest = g;
                tierChanged(before);
            }
            g.imports++;
            return g;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Releases an {@link #importPaged()}. */
    public void releaseImport() {
        long stamp = lock.writeLock();
        try {
            GuestPages g = guest;
            if (g == null || g.ownsRegion() || g.imports == 0) {
                throw new IllegalStateException(this + " is not imported as a paged memory");
            }
            g.imports--;
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

    // ---------------------------------------------------------------- residency and tiers

    /** For the residency manager: exclusive lock if free right now, else 0. */
    long tryLockForEviction() {
        GuestPages g = guest;
        if (g != null && !g.tryBeginEviction()) {
            return 0; // a thread is inside the guest's memory: its pages stay
        }
        long stamp = lock.tryWriteLock();
        if (stamp == 0) {
            if (g != null) {
                g.endEviction();
            }
        } else if (g != guest) {
            lock.unlockWrite(stamp); // imported (importPaged) since the check: take the gate first
            return 0;
        }
        return stamp;
    }

    void unlockAfterEviction(long stamp) {
        GuestPages g = guest; // the same as in tryLockForEviction: guest changes only under this lock
        lock.unlockWrite(stamp);
        if (g != null) {
            g.endEviction();
        }
    }

    /**
     * Whether pages of this region may be chosen as victims by the calling thread right now (a
     * hint; {@link #tryLockForEviction} decides): a guest's memory only as {@link GuestPages}
     * allows.
     */
    boolean mayEvictRelaxed(boolean requester) {
        return guest == null || guest.mayEvictRelaxed(requester);
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

    /** Whether pages may leave memory: neither pinned nor destroyed. Exclusive lock held. */
    boolean pagesMayLeave() {
        return !destroyed && pins.count() == 0;
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

    /** Sets the high-water mark after the bytes above it were released (reset, compaction). Exclusive lock held. */
    void lowerTouched(long end) {
        touched = end;
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
        boolean gate = guest != null;
        if (gate && !(guest.tryBeginEviction() || guest.tryBeginSelfEviction())) {
            throw new TvmException.UnsupportedOperationTvmException(
                    "cannot spill " + this + " now: a thread is running guest code in it; spill it between calls");
        }
        try {
            long stamp = lock.writeLock();
            try {
                checkLive();
                tiering.spill();
            } finally {
                lock.unlockWrite(stamp);
            }
        } finally {
            if (gate) {
                guest.endEviction();
            }
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
            tiering.load();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** The region's tier now. Lock held. */
    Tier currentTier() {
        return tiering.current();
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
            pins.checkPinnable();
            pins.add(false);
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
            pins.remove(false);
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
            pins.checkPinnable();
            Tier before = currentTier();
            pager.faultInAll(this);
            if (pages != null) {
                pages.markAllWritten(); // the guest writes through the raw segment from now on
            }
            pins.add(true);
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
            pins.remove(true);
            lifecycle(RegionAction.UNPIN, null, 0);
            if (pins.direct() == 0 && !spec.readOnly() && loader == null) {
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
            return Access.residentRange(this, held, handle, 0, 0);
        } finally {
            lock.tryUnlockRead();
        }
    }

    /** Whether at least one pin is held. */
    public boolean isPinned() {
        long stamp = lock.readLock();
        try {
            return pins.count() > 0;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Frees every allocation at once: all handles into the region become stale, and its memory is
     * released to the OS and reads as zero. Allowed while pinned (nothing moves).
     */
    public void reset() {
        checkNotGuestMemory("reset");
        long stamp = lock.writeLock();
        try {
            checkLive();
            checkNotImported("reset");
            checkWritable();
            Allocations.reset(this);
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
        checkNotGuestMemory("compact");
        long stamp = lock.writeLock();
        try {
            checkLive();
            checkNotImported("compact");
            checkWritable();
            return Allocations.compact(this);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Called by the directory, which has removed the region from its table. */
    void destroy(boolean force) {
        long stamp = lock.writeLock();
        try {
            checkLive();
            if (pins.count() > 0 && !force) {
                throw new TvmException.RegionPinnedException(
                        this + " is pinned " + pins.count() + " time(s) and cannot be destroyed");
            }
            if (!force) {
                checkNotImported("destroy");
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
                    pins.count(),
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
        return metrics.snapshot(
                table.liveCount(), table.liveBytes(), allocator.usedBytes(), guest != null ? guest.highWater : touched);
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
                    pins.count(),
                    statsLocked(),
                    pages == null
                            ? (guest != null ? guest.unpagedBytes() : Math.min(touched, spec.capacity()))
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
                action,
                ref,
                spec.name(),
                spec.kind(),
                currentTier(),
                previous,
                spec.capacity(),
                pins.count(),
                allocations);
    }

    /** Emits a TIER_CHANGE event if the tier is no longer {@code before}. Lock held. */
    void tierChanged(Tier before) {
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
