package dev.tvm.core;

import dev.tvm.core.residency.AccessBuffer;
import dev.tvm.core.residency.EvictionPolicy;
import dev.tvm.core.spill.SpillFile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Keeps a directory's resident bytes under its budget: accounts for resident pages, keeps the
 * eviction policy, and chooses and locks the victims that its {@link Pager} writes to the spill
 * file.
 *
 * <h2>Accounting</h2>
 *
 * A page counts as resident from the moment a region's high-water mark covers it until it is
 * spilled, discarded (reset, compaction, destroy) or the region dies. The sum over regions is
 * the {@link ResidencyStats#residentBytes()} of {@link #stats()}; it exceeds the budget only by
 * pages that could not be evicted at the moment they were needed because every candidate was
 * locked by a concurrent accessor, and by at most the slack (the larger of 256 KiB and 1/64 of
 * the budget).
 *
 * <h2>Locks</h2>
 *
 * The manager's lock guards the budget, the policy and eviction rounds; see {@link Region} for
 * the whole lock protocol. Reading and writing pages is the {@link Pager}'s.
 *
 * <h2>Hot path</h2>
 *
 * Accesses only {@linkplain AccessBuffer#offer offer} a page key to a lossy striped buffer; the
 * policy sees them in batches when room is next needed (the Caffeine approach: policy work never
 * runs on the access path).
 */
final class ResidencyManager implements AutoCloseable {
    /**
     * Pages an eviction round frees at least, even when fewer are needed, so that rounds are rare
     * and their writes large.
     */
    static final int MIN_EVICTION_PAGES = 32;

    private static final int MAX_BUSY_SKIPS = 256;
    /** How long a reservation waits for busy victims before it fails with NO_MEMORY. */
    private static final long MAX_WAIT_NANOS = 5_000_000_000L;

    private final long budget;
    private final long slack;
    private final SpillFile spill;
    private final Pager pager;
    private final EvictionPolicy policy;
    private final IntFunction<Region> regionsById;
    private final Supplier<List<Region>> liveRegions;
    private final AccessBuffer accesses = new AccessBuffer();
    /** Guards the policy and eviction. */
    private final ReentrantLock lock = new ReentrantLock();

    private final AtomicLong resident = new AtomicLong();
    private final AtomicLong peakResident = new AtomicLong();

    private final LongAdder busySkips = new LongAdder();
    private final LongAdder demotions = new LongAdder();
    private final LongAdder promotions = new LongAdder();
    /** Whether this eviction round wrote modified pages (guarded by {@code lock}). */
    private boolean wroteDirty;

    /** Whether the last eviction round failed to write (guarded by {@code lock}). */
    private boolean spillFailedInLastRound;

    ResidencyManager(
            long budget,
            SpillFile spill,
            EvictionPolicy policy,
            IntFunction<Region> regionsById,
            Supplier<List<Region>> liveRegions) {
        this.budget = budget;
        this.slack = Math.max(4L * PageMap.PAGE_SIZE, budget / 64);
        this.spill = spill;
        this.pager = new Pager(spill, this);
        this.policy = policy;
        this.regionsById = regionsById;
        this.liveRegions = liveRegions;
    }

    static long key(Region region, int page) {
        return ((long) region.id() << 32) | (page & 0xFFFF_FFFFL);
    }

    /** The pager that moves this directory's pages between memory and the spill file. */
    Pager pager() {
        return pager;
    }

    /**
     * Hot path: remember that a page was used. Lock-free and lossy; a full stripe is drained
     * only if the policy lock happens to be free, so an access never waits for policy work.
     */
    void recordAccess(Region region, int page) {
        if (!accesses.offer(key(region, page)) && lock.tryLock()) {
            try {
                accesses.drainTo(policy::recordAccess);
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Makes room for {@code pages.length} more resident pages of {@code requester} and admits
     * them to the policy. The caller holds the requester's exclusive lock and marks the pages
     * resident in its page map after this returns (or calls {@link #release} if it fails to
     * fill them). Pages of the requester in {@code [protectFirst, protectLast]} are never chosen
     * as victims: they are the ones being made resident.
     *
     * <p>{@code fromSlots}: the pages are being read back from spill slots they keep (a fault).
     * If the spill file cannot take victims (a full disk) such a reservation may overshoot the
     * budget (by at most its own pages beyond the slack) instead of failing, since the pages it
     * brings in have slots that {@link #settle} then hands to the victims: a read never needs
     * disk space.
     *
     * @return whether the reservation overshot the budget; the caller then calls {@link #settle}
     *     once the pages are resident
     * @throws TvmException.CapacityExceededException ({@link ErrorCode#NO_MEMORY}) if the budget
     *     cannot be met because too little is evictable; its message carries the spill file's
     *     failure, if that is why
     */
    boolean reserve(Region requester, int[] pages, int count, int protectFirst, int protectLast, boolean fromSlots) {
        long bytes = (long) count * PageMap.PAGE_SIZE;
        boolean overshot = false;
        // A guest's memory gives up its own pages only while its sole occupant (this thread) holds
        // it against new entries: see GuestPages.
        boolean selfGate = requester.guest != null && requester.guest.tryBeginSelfEviction();
        lock.lock();
        try {
            accesses.drainTo(policy::recordAccess);
            long deadline = 0;
            while (resident.get() + bytes > budget) {
                if (!selfGate && requester.guest != null) {
                    // Other threads inside the memory may have reached faults of their own since.
                    selfGate = requester.guest.tryBeginSelfEviction();
                }
                long need = resident.get() + bytes - budget;
                if (evict(requester, need, protectFirst, protectLast)) {
                    continue;
                }
                if (resident.get() + bytes <= budget + slack) {
                    overshot = true;
                    break; // everything evictable is busy or the disk is full: overshoot within the slack
                }
                if (fromSlots && spillFailedInLastRound && resident.get() <= budget + slack) {
                    overshot = true;
                    break; // the spill file is full, and these pages bring the slots settle() needs
                }
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + MAX_WAIT_NANOS;
                }
                if (now - deadline > 0 || spillFailedInLastRound) {
                    throw noRoom(requester, bytes);
                }
                // Let the holders of busy regions finish: they may be waiting for this very lock
                // to make room for themselves, holding the regions we would evict from.
                lock.unlock();
                try {
                    LockSupport.parkNanos(50_000);
                } finally {
                    lock.lock();
                }
                accesses.drainTo(policy::recordAccess);
            }
            for (int i = 0; i < count; i++) {
                policy.admitted(key(requester, pages[i]));
            }
            long now = resident.addAndGet(bytes);
            peakResident.accumulateAndGet(now, Math::max);
            return overshot;
        } finally {
            lock.unlock();
            if (selfGate) {
                requester.guest.endEviction();
            }
        }
    }

    private TvmException noRoom(Region requester, long bytes) {
        TvmException failure = pager.lastSpillFailure;
        TvmException e = TvmException.of(
                ErrorCode.NO_MEMORY,
                "resident budget " + budget + " bytes cannot fit " + bytes + " more bytes for " + requester + ": "
                        + resident.get() + " bytes are resident and none could be evicted"
                        + (spillFailedInLastRound && failure != null
                                ? ": the data stays resident and readable; " + failure.getMessage()
                                : " for " + MAX_WAIT_NANOS / 1_000_000 + " ms (pinned, not spillable or in use)"));
        if (failure != null && spillFailedInLastRound) {
            e.initCause(failure);
        }
        return e;
    }

    /**
     * After an overshooting {@link #reserve}: evicts back under the budget, now that the pages
     * read in hold slots that victims can take. Caller holds the requester's exclusive lock. Never
     * throws for a spill failure: the pages were read correctly, and the next reservation tries
     * again (the overshoot stays within the slack, see {@link #reserve}).
     */
    void settle(Region requester, int protectFirst, int protectLast) {
        boolean selfGate = requester.guest != null && requester.guest.tryBeginSelfEviction();
        lock.lock();
        try {
            while (resident.get() > budget && evict(requester, resident.get() - budget, protectFirst, protectLast)) {
                // evicted something; go on until under the budget or nothing more can go
            }
        } finally {
            lock.unlock();
            if (selfGate) {
                requester.guest.endEviction();
            }
        }
    }

    /** Pages of {@code region} stopped being resident without the policy's choice. */
    void release(Region region, int[] pages, int count) {
        lock.lock();
        try {
            for (int i = 0; i < count; i++) {
                policy.removed(key(region, pages[i]));
            }
            resident.addAndGet(-(long) count * PageMap.PAGE_SIZE);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Evicts at least {@code need} bytes (rounded up to a batch) of victims chosen by the policy,
     * from any number of regions. CLEAN pages (faulted in, unmodified) leave without a write;
     * the others of a batch are written with one gathering write per run of consecutive slots,
     * DIRTY ones back to the slot they had, straight from the regions' memory (no staging copy),
     * then released with one {@code madvise} per run of consecutive pages. Returns whether
     * anything was evicted.
     */
    private boolean evict(Region requester, long need, int protectFirst, int protectLast) {
        spillFailedInLastRound = false;
        wroteDirty = false; // spillAll() may have set it: this round counts only its own writes
        long target = Math.max(need, (long) MIN_EVICTION_PAGES * PageMap.PAGE_SIZE);
        IdentityHashMap<Region, long[]> locked = new IdentityHashMap<>(); // region -> {stamp}
        List<Long> busy = new ArrayList<>();
        Pager.Batch batch = new Pager.Batch();
        long evicted = 0;
        long chosen = 0;
        int skips = 0;
        try {
            while (chosen < target) {
                long key = policy.selectVictim(k -> evictable(k, requester, protectFirst, protectLast));
                if (key == EvictionPolicy.NO_KEY) {
                    break;
                }
                Region region = regionsById.apply((int) (key >>> 32));
                if (region == null) {
                    continue; // destroyed meanwhile; its keys are being removed
                }
                if (region != requester && !locked.containsKey(region)) {
                    long stamp = region.tryLockForEviction();
                    if (stamp == 0) {
                        busy.add(key);
                        busySkips.increment();
                        if (++skips > MAX_BUSY_SKIPS) {
                            break;
                        }
                        continue;
                    }
                    locked.put(region, new long[] {stamp});
                }
                int page = (int) key;
                if (Pager.reloadable(region, page)) {
                    // An EXTERNAL page: its loader brings it back, so it leaves without a write.
                    if (pager.dropReloadable(region, page)) {
                        resident.addAndGet(-PageMap.PAGE_SIZE);
                        evicted += PageMap.PAGE_SIZE;
                        chosen += PageMap.PAGE_SIZE;
                    }
                    continue;
                }
                if (batch.add(region, page)) {
                    chosen += PageMap.PAGE_SIZE;
                }
                if (batch.isFull()) {
                    evicted += writeBatch(batch, requester, locked);
                }
            }
            if (batch.size > 0) {
                evicted += writeBatch(batch, requester, locked);
            }
            if (wroteDirty) {
                // Write-behind: this round had to write modified victims, so modified pages of the
                // regions it holds are written now too, once, while the write phase lasts (see
                // Pager#writeBehind). A page modified again is rewritten in place, so this at
                // most doubles the write rate of a write-heavy phase.
                List<Region> regions = new ArrayList<>(locked.keySet());
                if (!locked.containsKey(requester) && requester.mayEvictRelaxed(true)) {
                    regions.add(requester); // a guest's memory only by its sole occupant (see GuestPages)
                }
                pager.writeBehind(regions, requester, protectFirst, protectLast);
            }
            return evicted > 0;
        } finally {
            for (long key : busy) {
                policy.admitted(key); // keep busy pages resident in the policy's view
            }
            for (Map.Entry<Region, long[]> e : locked.entrySet()) {
                e.getKey().unlockAfterEviction(e.getValue()[0]);
            }
        }
    }

    /**
     * Evicts a batch: CLEAN pages without a write, the rest written. If the write fails, slots of
     * resident pages outside the batch are reclaimed (they stay resident, and need none) and the
     * write is tried once more; if that fails too, every written page stays resident (and in the
     * policy) and the failure is remembered. Returns bytes evicted.
     */
    private long writeBatch(Pager.Batch batch, Region requester, IdentityHashMap<Region, long[]> locked) {
        try {
            return spillBatch(batch, false);
        } catch (TvmException.SpillException first) {
            pager.reclaimSlots(batch, liveRegions.get(), r -> r == requester || locked.containsKey(r));
            long free = pager.freeSlots();
            if (free > 0) {
                // Write what the free slots hold; the rest stay resident, for a later round.
                while (batch.size > free) {
                    batch.size--;
                    policy.admitted(key(batch.regions[batch.size], batch.pages[batch.size]));
                }
                try {
                    return spillBatch(batch, false);
                } catch (TvmException.SpillException second) {
                    second.addSuppressed(first);
                }
            }
            spillFailedInLastRound = true;
            for (int i = 0; i < batch.size; i++) {
                policy.admitted(key(batch.regions[i], batch.pages[i]));
            }
            batch.size = 0;
            return 0;
        }
    }

    /**
     * Evicts the batch's CLEAN pages, then writes the others and empties the batch; the caller
     * has removed or will remove the pages from the policy. On a failure the CLEAN pages are
     * already evicted (and removed from the batch) and the others stay resident and in the batch,
     * for a retry. Returns the bytes that left memory.
     */
    private long spillBatch(Pager.Batch batch, boolean demotion) {
        long clean = pager.evictClean(batch);
        resident.addAndGet(-clean);
        if (batch.size == 0) {
            return clean;
        }
        wroteDirty = true;
        long written = pager.writeOut(batch, demotion);
        resident.addAndGet(-written);
        return clean + written;
    }

    private boolean evictable(long key, Region requester, int protectFirst, int protectLast) {
        Region region = regionsById.apply((int) (key >>> 32));
        if (region == null) {
            return true; // stale key: evicting it is harmless and cleans the policy
        }
        if (!region.spec().policy().spillable() || region.pins.heldRelaxed()) {
            return false;
        }
        if (region != requester && region.lockedRelaxed()) {
            return false; // in use right now: skip it without disturbing its place in the policy
        }
        if (!region.mayEvictRelaxed(region == requester)) {
            return false; // a guest's memory with threads inside (see GuestPages)
        }
        int page = (int) key;
        return region != requester || page < protectFirst || page > protectLast;
    }

    /**
     * Spills every resident page of {@code region} (an explicit demotion to COLD). Caller holds
     * the region's exclusive lock.
     *
     * @throws TvmException.SpillException if the spill file fails: pages not yet written stay
     *     resident and in the policy
     */
    void spillAll(Region region, int[] pages, int count) {
        lock.lock();
        try {
            Pager.Batch batch = new Pager.Batch();
            for (int i = 0; i < count; i++) {
                if (Pager.reloadable(region, pages[i])) {
                    policy.removed(key(region, pages[i]));
                    if (pager.dropReloadable(region, pages[i])) {
                        resident.addAndGet(-PageMap.PAGE_SIZE);
                    }
                } else {
                    batch.add(region, pages[i]);
                }
                if (batch.isFull() || (i == count - 1 && batch.size > 0)) {
                    int[] list = Arrays.copyOf(batch.pages, batch.size);
                    try {
                        spillBatch(batch, true);
                    } finally {
                        // Clean pages left the batch (evicted) even if the write failed.
                        for (int page : list) {
                            if (!region.pages.isResident(page)) {
                                policy.removed(key(region, page));
                            }
                        }
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    void recordDemotion() {
        demotions.increment();
    }

    void recordPromotion() {
        promotions.increment();
    }

    ResidencyStats stats() {
        var s = spill.stats();
        return new ResidencyStats(
                budget,
                resident.get(),
                peakResident.get(),
                pager.faults.sum(),
                pager.pagesFaulted.sum() * PageMap.PAGE_SIZE,
                pager.batchesWritten.sum(),
                pager.pagesSpilled.sum() * PageMap.PAGE_SIZE,
                pager.spillFailures.sum(),
                busySkips.sum(),
                s.fileSize(),
                accesses.droppedCount(),
                pager.pagesDropped.sum() * PageMap.PAGE_SIZE,
                demotions.sum(),
                promotions.sum(),
                pager.pagesEvictedClean.sum() * PageMap.PAGE_SIZE,
                pager.slotsReclaimed.sum(),
                pager.pagesWrittenBehind.sum() * PageMap.PAGE_SIZE);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            spill.close();
        } finally {
            lock.unlock();
        }
    }
}
