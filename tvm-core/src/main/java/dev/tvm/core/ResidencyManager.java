package dev.tvm.core;

import dev.tvm.core.events.SpillEvent;
import dev.tvm.core.residency.AccessBuffer;
import dev.tvm.core.residency.EvictionPolicy;
import dev.tvm.core.spill.SpillFile;
import java.lang.foreign.MemorySegment;
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
 * Keeps a directory's resident bytes under its budget by spilling cold pages to one {@link
 * SpillFile} and faulting them back in on access.
 *
 * <h2>Accounting</h2>
 *
 * A page counts as resident from the moment a region's high-water mark covers it until it is
 * spilled, discarded (reset, compaction, destroy) or the region dies. The sum over regions is
 * {@link #residentBytes()}; it exceeds the budget only by pages that could not be evicted at the
 * moment they were needed because every candidate was locked by a concurrent accessor, and by at
 * most the slack (the larger of 256 KiB and 1/64 of the budget).
 *
 * <h2>Locks</h2>
 *
 * The manager's lock guards the policy and eviction. A caller enters it
 * holding the exclusive lock of at most one region (the requester); victims in other regions are
 * locked with {@code tryWriteLock} only and skipped when busy, so no lock cycle can form.
 *
 * <h2>Hot path</h2>
 *
 * Accesses only {@linkplain AccessBuffer#offer offer} a page key to a lossy striped buffer; the
 * policy sees them in batches when room is next needed (the Caffeine approach: policy work never
 * runs on the access path).
 */
final class ResidencyManager implements AutoCloseable {
    /** Pages evicted per round at least, so spills become large sequential writes. */
    static final int EVICTION_BATCH_PAGES = 32;

    private static final int MAX_BUSY_SKIPS = 256;
    /** How long a reservation waits for busy victims before it fails with NO_MEMORY. */
    private static final long MAX_WAIT_NANOS = 5_000_000_000L;

    private final long budget;
    private final long slack;
    private final SpillFile spill;
    private final EvictionPolicy policy;
    private final IntFunction<Region> regionsById;
    private final Supplier<List<Region>> liveRegions;
    private final AccessBuffer accesses = new AccessBuffer();
    /** Guards the policy and eviction. */
    private final ReentrantLock lock = new ReentrantLock();

    private final AtomicLong resident = new AtomicLong();
    private final AtomicLong peakResident = new AtomicLong();

    private final LongAdder faults = new LongAdder();
    private final LongAdder pagesFaulted = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder pagesSpilled = new LongAdder();
    private final LongAdder pagesEvictedClean = new LongAdder();
    private final LongAdder slotsReclaimed = new LongAdder();
    private final LongAdder pagesWrittenBehind = new LongAdder();
    private final LongAdder spillFailures = new LongAdder();
    private final LongAdder busySkips = new LongAdder();
    private final LongAdder pagesDropped = new LongAdder();
    private final LongAdder demotions = new LongAdder();
    private final LongAdder promotions = new LongAdder();
    private volatile TvmException lastSpillFailure;
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
        this.policy = policy;
        this.regionsById = regionsById;
        this.liveRegions = liveRegions;
    }

    static long key(Region region, int page) {
        return ((long) region.id() << 32) | (page & 0xFFFF_FFFFL);
    }

    SpillFile spillFile() {
        return spill;
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
        lock.lock();
        try {
            accesses.drainTo(policy::recordAccess);
            long deadline = 0;
            while (resident.get() + bytes > budget) {
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
        }
    }

    private TvmException noRoom(Region requester, long bytes) {
        TvmException failure = lastSpillFailure;
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
        lock.lock();
        try {
            while (resident.get() > budget && evict(requester, resident.get() - budget, protectFirst, protectLast)) {
                // evicted something; go on until under the budget or nothing more can go
            }
        } finally {
            lock.unlock();
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
        long target = Math.max(need, (long) EVICTION_BATCH_PAGES * PageMap.PAGE_SIZE);
        Map<Region, long[]> locked = new IdentityHashMap<>(); // region -> {stamp}
        List<Long> busy = new ArrayList<>();
        Batch batch = new Batch();
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
                if (region.reloadable(page)) {
                    // An EXTERNAL page: its loader brings it back, so it leaves without a write.
                    if (region.dropReloadable(page)) {
                        resident.addAndGet(-PageMap.PAGE_SIZE);
                        evicted += PageMap.PAGE_SIZE;
                        chosen += PageMap.PAGE_SIZE;
                        pagesDropped.increment();
                    }
                    continue;
                }
                if (batch.add(region, page)) {
                    chosen += PageMap.PAGE_SIZE;
                }
                if (batch.size == EVICTION_BATCH_PAGES) {
                    evicted += writeBatch(batch, requester, locked);
                }
            }
            if (batch.size > 0) {
                evicted += writeBatch(batch, requester, locked);
            }
            if (wroteDirty) {
                writeBehind(requester, locked, protectFirst, protectLast);
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

    /** Victim pages gathered for one write; every region in it is exclusively locked. */
    final class Batch {
        final Region[] regions = new Region[EVICTION_BATCH_PAGES];
        final int[] pages = new int[EVICTION_BATCH_PAGES];
        final MemorySegment[] bytes = new MemorySegment[EVICTION_BATCH_PAGES];
        /** The page's slot if it has one (CLEAN or DIRTY), else -1. */
        final long[] slots = new long[EVICTION_BATCH_PAGES];

        final boolean[] clean = new boolean[EVICTION_BATCH_PAGES];
        int size;

        boolean isFull() {
            return size == EVICTION_BATCH_PAGES;
        }

        boolean add(Region region, int page) {
            MemorySegment segment = region.pageForSpill(page);
            if (segment == null) {
                return false;
            }
            regions[size] = region;
            pages[size] = page;
            bytes[size] = segment;
            slots[size] = region.spillSlot(page);
            clean[size] = region.isClean(page);
            size++;
            return true;
        }

        boolean contains(Region region, int page) {
            for (int i = 0; i < size; i++) {
                if (regions[i] == region && pages[i] == page) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Evicts a batch: CLEAN pages without a write, the rest written. If the write fails, slots of
     * resident pages outside the batch are reclaimed (they stay resident, and need none) and the
     * write is tried once more; if that fails too, every written page stays resident (and in the
     * policy) and the failure is remembered. Returns bytes evicted.
     */
    private long writeBatch(Batch batch, Region requester, Map<Region, long[]> locked) {
        try {
            return spillBatch(batch, false);
        } catch (TvmException.SpillException first) {
            reclaimSlots(batch, requester, locked);
            long free = spill.stats().freeSlots();
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
     * Writes the batch's non-CLEAN pages, then commits every page to its region and empties the
     * batch; the caller has removed or will remove the pages from the policy. On a failure the
     * CLEAN pages are already evicted (and removed from the batch) and the others stay resident
     * and in the batch, for a retry.
     */
    private long spillBatch(Batch batch, boolean demotion) {
        int n = batch.size;
        int kept = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            if (batch.clean[i]) {
                batch.regions[i].commitClean(batch.pages[i]);
                bytes += PageMap.PAGE_SIZE;
            } else {
                batch.regions[kept] = batch.regions[i];
                batch.pages[kept] = batch.pages[i];
                batch.bytes[kept] = batch.bytes[i];
                batch.slots[kept] = batch.slots[i];
                batch.clean[kept] = false;
                kept++;
            }
        }
        batch.size = kept;
        if (bytes > 0) {
            resident.addAndGet(-bytes);
            pagesEvictedClean.add(bytes >>> PageMap.PAGE_SHIFT);
        }
        if (kept > 0) {
            wroteDirty = true;
            int[] crcs = write(batch, demotion);
            commit(batch.regions, batch.pages, batch.slots, crcs, kept);
            resident.addAndGet(-((long) kept << PageMap.PAGE_SHIFT));
            pagesSpilled.add(kept);
            bytes += (long) kept << PageMap.PAGE_SHIFT;
            evictions.increment();
        }
        batch.size = 0;
        return bytes;
    }

    /**
     * Writes a batch's pages, each to its own slot or a new one (see {@link SpillFile#writePages});
     * a failure is counted and remembered before it propagates, and no new slot stays allocated.
     */
    private int[] write(Batch batch, boolean demotion) {
        int n = batch.size;
        SpillEvent event = SpillEvent.start(); // null unless recording
        long[] slots = batch.slots.clone();
        boolean ok = false;
        try {
            int[] crcs = spill.writePages(batch.bytes, slots, n);
            System.arraycopy(slots, 0, batch.slots, 0, n);
            ok = true;
            return crcs;
        } catch (TvmException.SpillException e) {
            spillFailures.increment();
            lastSpillFailure = e;
            throw e;
        } finally {
            if (event != null) {
                int[] ids = new int[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = batch.regions[i].id();
                }
                SpillEvent.finish(
                        event,
                        demotion,
                        ids,
                        n,
                        (long) n << PageMap.PAGE_SHIFT,
                        ok && n > 0 ? slots[0] : -1,
                        spill.path().toString(),
                        ok);
            }
        }
    }

    /** Hands each region its written pages, sorted so discards coalesce. */
    private static void commit(Region[] regions, int[] pages, long[] slotOf, int[] crcOf, int n) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                (a, b) -> regions[a] != regions[b]
                        ? Integer.compare(regions[a].id(), regions[b].id())
                        : Integer.compare(pages[a], pages[b]));
        int[] list = new int[n];
        long[] slots = new long[n];
        int[] crcs = new int[n];
        for (int i = 0; i < n; i++) {
            list[i] = pages[order[i]];
            slots[i] = slotOf[order[i]];
            crcs[i] = crcOf[order[i]];
        }
        int start = 0;
        for (int i = 1; i <= n; i++) {
            if (i == n || regions[order[i]] != regions[order[start]]) {
                regions[order[start]].commitSpilled(list, slots, crcs, start, i - start);
                start = i;
            }
        }
    }

    /**
     * Write-behind: after a round that had to write modified victims, writes up to one more batch
     * of modified resident pages of the regions this round holds locked (lowest pages first:
     * in a region filled front to back, the oldest) without evicting them. They become CLEAN, so
     * when the policy evicts them later, or a read-mostly phase follows a write phase, nothing is
     * written then: the pages a write phase leaves behind are written during that phase, once.
     * A page modified again is rewritten in place, so this at most doubles the write rate of a
     * write-heavy phase. A failed write leaves the pages as they were (modified, resident).
     */
    private void writeBehind(Region requester, Map<Region, long[]> locked, int protectFirst, int protectLast) {
        Batch batch = new Batch();
        List<Region> regions = new ArrayList<>(locked.keySet());
        if (!locked.containsKey(requester)) {
            regions.add(requester);
        }
        for (Region region : regions) {
            region.collectModified(
                    batch, region == requester ? protectFirst : 0, region == requester ? protectLast : -1);
            if (batch.size == EVICTION_BATCH_PAGES) {
                break;
            }
        }
        if (batch.size == 0) {
            return;
        }
        int[] crcs;
        try {
            crcs = write(batch, false);
        } catch (TvmException.SpillException e) {
            return; // counted and remembered by write(); the pages stay resident and modified
        }
        for (int i = 0; i < batch.size; i++) {
            batch.regions[i].commitCleaned(batch.pages[i], batch.slots[i], crcs[i]);
        }
        pagesSpilled.add(batch.size);
        pagesWrittenBehind.add(batch.size);
    }

    /**
     * Under disk pressure: takes the slots of resident pages (CLEAN or DIRTY) outside {@code
     * batch} away, so the batch's write can use them instead of growing the file; the pages stay
     * resident and lose nothing. Regions already locked by this eviction (and the requester, whose
     * lock the caller holds) are used as they are, others only if their lock is free. Returns the
     * slots freed.
     */
    private long reclaimSlots(Batch batch, Region requester, Map<Region, long[]> locked) {
        long want = batch.size;
        long freed = 0;
        for (Region region : liveRegions.get()) {
            if (freed >= want) {
                break;
            }
            boolean held = region == requester || locked.containsKey(region);
            long stamp = held ? 0 : region.tryLockForEviction();
            if (!held && stamp == 0) {
                continue;
            }
            try {
                freed += region.reclaimSlots(want - freed, page -> batch.contains(region, page));
            } finally {
                if (!held) {
                    region.unlockAfterEviction(stamp);
                }
            }
        }
        slotsReclaimed.add(freed);
        return freed;
    }

    private boolean evictable(long key, Region requester, int protectFirst, int protectLast) {
        Region region = regionsById.apply((int) (key >>> 32));
        if (region == null) {
            return true; // stale key: evicting it is harmless and cleans the policy
        }
        if (!region.spec().policy().spillable() || region.pinnedRelaxed()) {
            return false;
        }
        if (region != requester && region.lockedRelaxed()) {
            return false; // in use right now: skip it without disturbing its place in the policy
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
            Batch batch = new Batch();
            for (int i = 0; i < count; i++) {
                if (region.reloadable(pages[i])) {
                    policy.removed(key(region, pages[i]));
                    if (region.dropReloadable(pages[i])) {
                        resident.addAndGet(-PageMap.PAGE_SIZE);
                        pagesDropped.increment();
                    }
                } else {
                    batch.add(region, pages[i]);
                }
                if (batch.size == EVICTION_BATCH_PAGES || (i == count - 1 && batch.size > 0)) {
                    int[] list = Arrays.copyOf(batch.pages, batch.size);
                    try {
                        spillBatch(batch, true);
                    } finally {
                        // Clean pages left the batch (evicted) even if the write failed.
                        for (int page : list) {
                            if (!region.isResidentPage(page)) {
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

    void recordFault(int pages) {
        faults.increment();
        pagesFaulted.add(pages);
    }

    ResidencyStats stats() {
        var s = spill.stats();
        return new ResidencyStats(
                budget,
                resident.get(),
                peakResident.get(),
                faults.sum(),
                pagesFaulted.sum() * PageMap.PAGE_SIZE,
                evictions.sum(),
                pagesSpilled.sum() * PageMap.PAGE_SIZE,
                spillFailures.sum(),
                busySkips.sum(),
                s.fileSize(),
                accesses.droppedCount(),
                pagesDropped.sum() * PageMap.PAGE_SIZE,
                demotions.sum(),
                promotions.sum(),
                pagesEvictedClean.sum() * PageMap.PAGE_SIZE,
                slotsReclaimed.sum(),
                pagesWrittenBehind.sum() * PageMap.PAGE_SIZE);
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
