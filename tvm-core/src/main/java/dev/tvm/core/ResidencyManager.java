package dev.tvm.core;

import dev.tvm.core.events.SpillEvent;
import dev.tvm.core.residency.AccessBuffer;
import dev.tvm.core.residency.EvictionPolicy;
import dev.tvm.core.spill.SpillFile;
import dev.tvm.core.spill.SpillQueue;
import dev.tvm.core.spill.SpillRun;
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
 * most {@link #slackBytes()}.
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
    private final AccessBuffer accesses = new AccessBuffer();
    /** Guards the policy and eviction. */
    private final ReentrantLock lock = new ReentrantLock();

    private final AtomicLong resident = new AtomicLong();
    private final AtomicLong peakResident = new AtomicLong();

    private final LongAdder faults = new LongAdder();
    private final LongAdder pagesFaulted = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder pagesSpilled = new LongAdder();
    private final LongAdder spillFailures = new LongAdder();
    private final LongAdder busySkips = new LongAdder();
    private final LongAdder pagesDropped = new LongAdder();
    private final LongAdder demotions = new LongAdder();
    private final LongAdder promotions = new LongAdder();
    private volatile TvmException lastSpillFailure;
    /** Whether the last eviction round failed to write (guarded by {@code lock}). */
    private boolean spillFailedInLastRound;

    ResidencyManager(long budget, SpillFile spill, EvictionPolicy policy, IntFunction<Region> regionsById) {
        this.budget = budget;
        this.slack = Math.max(4L * PageMap.PAGE_SIZE, budget / 64);
        this.spill = spill;
        this.policy = policy;
        this.regionsById = regionsById;
    }

    static long key(Region region, int page) {
        return ((long) region.id() << 32) | (page & 0xFFFF_FFFFL);
    }

    long budget() {
        return budget;
    }

    long slackBytes() {
        return slack;
    }

    long residentBytes() {
        return resident.get();
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
     * @throws TvmException.CapacityExceededException ({@link ErrorCode#NO_MEMORY}) if the budget
     *     cannot be met because too little is evictable
     */
    void reserve(Region requester, int[] pages, int count, int protectFirst, int protectLast) {
        long bytes = (long) count * PageMap.PAGE_SIZE;
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
                    break; // everything evictable is busy right now: overshoot within the slack
                }
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + MAX_WAIT_NANOS;
                }
                if (now - deadline > 0 || spillFailedInLastRound) {
                    TvmException failure = lastSpillFailure;
                    TvmException e = TvmException.of(
                            ErrorCode.NO_MEMORY,
                            "resident budget " + budget + " bytes cannot fit " + bytes + " more bytes for "
                                    + requester + ": " + resident.get()
                                    + " bytes are resident and none could be evicted"
                                    + (spillFailedInLastRound
                                            ? ": the spill file failed (see cause); the data stays resident"
                                            : " for " + MAX_WAIT_NANOS / 1_000_000
                                                    + " ms (pinned, not spillable or in use)"));
                    if (failure != null) {
                        e.initCause(failure);
                    }
                    throw e;
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
     * from any number of regions. Each batch is one gathering write straight from the regions'
     * memory into one run of the spill file (no staging copy), then one {@code madvise} per run of
     * consecutive pages. Returns whether anything was evicted.
     */
    private boolean evict(Region requester, long need, int protectFirst, int protectLast) {
        spillFailedInLastRound = false;
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
                    evicted += writeBatch(batch);
                }
            }
            if (batch.size > 0) {
                evicted += writeBatch(batch);
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
    private final class Batch {
        final Region[] regions = new Region[EVICTION_BATCH_PAGES];
        final int[] pages = new int[EVICTION_BATCH_PAGES];
        final MemorySegment[] bytes = new MemorySegment[EVICTION_BATCH_PAGES];
        int size;

        boolean add(Region region, int page) {
            MemorySegment segment = region.pageForSpill(page);
            if (segment == null) {
                return false;
            }
            regions[size] = region;
            pages[size] = page;
            bytes[size] = segment;
            size++;
            return true;
        }
    }

    /**
     * Writes a batch as one run and commits each page to its region; on failure every page stays
     * resident (and in the policy) and the failure is remembered. Returns bytes evicted.
     */
    private long writeBatch(Batch batch) {
        int n = batch.size;
        SpillRun run;
        try {
            run = flush(batch, false);
        } catch (TvmException.SpillException e) {
            spillFailedInLastRound = true;
            for (int i = 0; i < n; i++) {
                policy.admitted(key(batch.regions[i], batch.pages[i]));
            }
            return 0;
        }
        commit(batch.regions, batch.pages, run, n);
        long bytes = (long) n << PageMap.PAGE_SHIFT;
        resident.addAndGet(-bytes);
        evictions.increment();
        pagesSpilled.add(n);
        return bytes;
    }

    /**
     * Writes a batch's pages with one gathering write into a fresh run (see {@link SpillQueue})
     * and empties the batch; a failure is counted and remembered before it propagates.
     */
    private SpillRun flush(Batch batch, boolean demotion) {
        int n = batch.size;
        batch.size = 0;
        SpillEvent event = SpillEvent.start(); // null unless recording
        SpillQueue queue = spill.newQueue();
        SpillRun run = null;
        try {
            for (int i = 0; i < n; i++) {
                queue.submit(batch.bytes[i]);
            }
            run = queue.flush();
            return run;
        } catch (TvmException.SpillException e) {
            spillFailures.increment();
            lastSpillFailure = e;
            throw e;
        } finally {
            queue.clear(); // after a failure the pages stay resident; nothing may stay queued
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
                        run == null ? -1 : run.firstSlot(),
                        spill.path().toString(),
                        run != null);
            }
        }
    }

    /** Hands each region its pages of a written run, sorted so discards coalesce. */
    private static void commit(Region[] regions, int[] pages, SpillRun run, int n) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                (a, b) -> regions[a] != regions[b]
                        ? Integer.compare(System.identityHashCode(regions[a]), System.identityHashCode(regions[b]))
                        : Integer.compare(pages[a], pages[b]));
        int[] list = new int[n];
        long[] slots = new long[n];
        int[] crcs = new int[n];
        for (int i = 0; i < n; i++) {
            list[i] = pages[order[i]];
            slots[i] = run.slot(order[i]);
            crcs[i] = run.crc(order[i]);
        }
        int start = 0;
        for (int i = 1; i <= n; i++) {
            if (i == n || regions[order[i]] != regions[order[start]]) {
                regions[order[start]].commitSpilled(list, slots, crcs, start, i - start);
                start = i;
            }
        }
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
                    int n = batch.size;
                    SpillRun run = flush(batch, true); // on failure, uncommitted pages stay resident and in the policy
                    for (int j = 0; j < n; j++) {
                        policy.removed(key(region, batch.pages[j]));
                    }
                    commit(batch.regions, batch.pages, run, n);
                    resident.addAndGet(-((long) n << PageMap.PAGE_SHIFT));
                    pagesSpilled.add(n);
                    evictions.increment();
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
                promotions.sum());
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
