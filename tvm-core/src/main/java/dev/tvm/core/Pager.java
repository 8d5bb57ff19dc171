package dev.tvm.core;

import dev.tvm.core.events.FaultEvent;
import dev.tvm.core.events.SpillEvent;
import dev.tvm.core.spill.SpillFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Moves a directory's pages between memory and its spill file: page-in (a fault reads pages back,
 * verifies their checksums and makes them resident) and page-out (a batch of victims is written
 * with one gathering write per run of slots, CLEAN pages leave without a write, write-behind
 * cleans modified pages, slots are reclaimed under disk pressure). Every read and write of pages
 * in the {@link SpillFile} is here (a snapshot reads spilled pages through {@link #copyPage}), and
 * so are the page state transitions of paging (fault-in, eviction, write-behind, slot reclaim;
 * see the diagram in {@link PageMap}). Budget accounting, the eviction policy and the choice of
 * victims are the {@link ResidencyManager}'s; locking is the caller's: every method that takes a
 * {@link Region} runs with that region's exclusive lock held (see {@link Region} for the lock
 * protocol).
 *
 * <p>One pager serves a directory with a resident budget; a directory without one gives its
 * EXTERNAL regions a pager with no spill file and no manager, which only loads pages from their
 * {@link ExternalLoader}s.
 */
final class Pager {
    /** Pages one gathering write takes at most: a batch of victims, or of write-behind pages. */
    static final int WRITE_BATCH_PAGES = 32;

    /** Spilled pages read along with a faulting one when their slots follow on (up to 1 MiB). */
    static final int READ_AHEAD_PAGES = 15;

    /** The pager of directories without a resident budget: loads EXTERNAL pages, nothing else. */
    static final Pager UNBUDGETED = new Pager(null, null);

    /** Null without a resident budget. */
    private final SpillFile spill;
    /** Null without a resident budget. */
    private final ResidencyManager residency;

    // Counters, read by ResidencyManager#stats.
    final LongAdder faults = new LongAdder();
    final LongAdder pagesFaulted = new LongAdder();
    final LongAdder batchesWritten = new LongAdder();
    final LongAdder pagesSpilled = new LongAdder();
    final LongAdder pagesEvictedClean = new LongAdder();
    final LongAdder slotsReclaimed = new LongAdder();
    final LongAdder pagesWrittenBehind = new LongAdder();
    final LongAdder spillFailures = new LongAdder();
    final LongAdder pagesDropped = new LongAdder();
    /** The last failed write, for the message of a reservation that could not make room. */
    volatile TvmException lastSpillFailure;

    Pager(SpillFile spill, ResidencyManager residency) {
        this.spill = spill;
        this.residency = residency;
    }

    // ---------------------------------------------------------------- page-in

    /**
     * Makes the pages of {@code [at, at + length)} of {@code region} resident, reading spilled ones
     * back and verifying their checksums; runs of consecutive slots are read with one call, and
     * when the fault continues the previous one (a sequential scan), spilled pages right after the
     * range whose slots follow on come along (read-ahead). Pages in
     * {@code [protectFirst, protectLast]} are never evicted to make room.
     *
     * @throws TvmException.SpillException if the spill file cannot be read or a checksum fails:
     *     the page stays spilled and no wrong byte is ever returned
     */
    void faultIn(Region region, long at, long length, int protectFirst, int protectLast) {
        PageMap pages = region.pages;
        if (length <= 0 || pages.allResident(at, length)) {
            return;
        }
        FaultEvent event = FaultEvent.start(); // null unless recording: faults are rare and slow anyway
        int first = PageMap.pageOf(at);
        int last = PageMap.pageOf(at + length - 1);
        int[] missing = new int[last - first + 1 + READ_AHEAD_PAGES];
        int n = 0;
        for (int p = first; p <= last; p++) {
            if (!pages.isResident(p)) {
                missing[n++] = p;
            }
        }
        // Read-ahead: when this fault starts where the previous one ended (a sequential scan),
        // following pages that were spilled into the very next slots come along in the same
        // read, so the scan faults in runs instead of single pages. Random access gets none: each
        // page read ahead would evict a page it still uses (a random workload four times the
        // budget read 3.4 pages ahead per fault and thrashed).
        int touchedPages = PageMap.pagesFor(region.touched());
        int readAhead = 0;
        // (Or past it by pages that are all resident, up to a read-ahead's length: the scan went
        // over pages it still had.)
        int gap = first - pages.sequentialFault;
        boolean sequential = pages.sequentialFault >= 0 && gap >= 0 && gap <= READ_AHEAD_PAGES;
        for (int p = pages.sequentialFault; sequential && p < first; p++) {
            sequential = pages.isResident(p);
        }
        // The first fault of a region with nothing resident (COLD, or an idle guest's memory
        // evicted whole) reads ahead too: the region is coming back.
        sequential |= pages.residentCount() == 0;
        if (sequential && n > 0 && missing[n - 1] == last && pages.slot(last) >= 0) {
            for (int p = last + 1, k = 0;
                    k < READ_AHEAD_PAGES
                            && p < touchedPages
                            && !pages.isResident(p)
                            && pages.slot(p) == pages.slot(p - 1) + 1;
                    p++, k++) {
                missing[n++] = p;
                readAhead++;
            }
        }
        pages.sequentialFault = (n > 0 ? missing[n - 1] : last) + 1;
        protectLast = Math.max(protectLast, n > 0 ? missing[n - 1] : protectLast);
        boolean overshot = reserve(region, missing, n, protectFirst, protectLast, region.loader == null);
        int required = n - readAhead;
        int done = 0;
        try {
            while (done < n) {
                int page = missing[done];
                long slot = pages.slot(page);
                int run = 1;
                if (slot >= 0) {
                    while (done + run < n
                            && missing[done + run] == page + run
                            && pages.slot(page + run) == slot + run) {
                        run++;
                    }
                    try {
                        readSpilled(region, page, slot, run);
                    } catch (TvmException.SpillException e) {
                        if (done + run <= required) {
                            throw e;
                        }
                        // The run reached into read-ahead pages: a bad neighbour must not fail
                        // this access. Read the pages it needs alone and leave the rest spilled.
                        if (done < required) {
                            readSpilled(region, page, slot, required - done);
                            done = required;
                        }
                        break;
                    }
                } else {
                    if (region.loader != null) {
                        loadExternal(region, page);
                    }
                    pages.markResident(page);
                }
                done += run;
            }
        } finally {
            if (done < n) {
                release(region, Arrays.copyOfRange(missing, done, n), n - done);
            }
        }
        if (residency != null) {
            faults.increment();
            pagesFaulted.add(done);
            if (overshot) {
                residency.settle(region, protectFirst, protectLast);
            }
        }
        FaultEvent.finish(
                event,
                region.ref(),
                region.spec().name(),
                n > 0 ? missing[0] : first,
                done,
                Math.max(0, done - required),
                (long) done << PageMap.PAGE_SHIFT,
                region.loader != null);
    }

    /** Makes every page of {@code region} below its high-water mark resident (see {@link #faultIn}). */
    void faultInAll(Region region) {
        long touched = region.touched();
        if (region.pages != null && touched > 0) {
            faultIn(region, 0, touched, 0, PageMap.pagesFor(touched) - 1);
        }
    }

    /**
     * Reads {@code run} spilled pages from consecutive slots and verifies them; they become CLEAN,
     * keeping their slots, so evicting them again unmodified writes nothing.
     */
    private void readSpilled(Region region, int page, long slot, int run) {
        PageMap pages = region.pages;
        int[] crcs = new int[run];
        for (int i = 0; i < run; i++) {
            crcs[i] = pages.crc(page + i);
        }
        spill.readRun(
                slot,
                region.segment.asSlice((long) page << PageMap.PAGE_SHIFT, (long) run << PageMap.PAGE_SHIFT),
                crcs,
                0,
                i -> region + " page " + (page + i));
        for (int i = 0; i < run; i++) {
            pages.markFaulted(page + i);
        }
    }

    /** Fills one page of an EXTERNAL region from its loader. */
    private static void loadExternal(Region region, int page) {
        try {
            readExternal(region, page, region.segment.asSlice((long) page << PageMap.PAGE_SHIFT));
        } catch (IOException e) {
            throw TvmException.of(
                    ErrorCode.SPILL_IO_ERROR,
                    "loading page " + page + " of " + region + " from " + region.loader.describe() + " failed: "
                            + e.getMessage());
        }
    }

    /** Reads one page of an EXTERNAL region from its loader to {@code dst} (nothing past the source's end). */
    private static void readExternal(Region region, int page, MemorySegment dst) throws IOException {
        ExternalLoader loader = region.loader;
        long offset = (long) page << PageMap.PAGE_SHIFT;
        long length = Math.min(PageMap.PAGE_SIZE, loader.size() - offset);
        if (length > 0) {
            loader.load(offset, dst.asSlice(0, length));
        }
    }

    /**
     * Copies page {@code page} of {@code region} to {@code dst} wherever it is, leaving it there:
     * resident and WARM pages from memory, spilled ones read back (and verified) from the spill
     * file, pages never accessed as zeros (or an EXTERNAL region's bytes from its loader). For
     * snapshots.
     *
     * @throws TvmException.SpillException if a spilled page cannot be read or fails its checksum
     */
    void copyPage(Region region, int page, MemorySegment dst) throws IOException {
        PageMap pages = region.pages;
        if (pages == null || pages.isResident(page)) {
            MemorySegment.copy(region.segment, (long) page << PageMap.PAGE_SHIFT, dst, 0, PageMap.PAGE_SIZE);
        } else if (pages.slot(page) < 0 && region.guest != null && region.guest.isImage(page)) {
            // A guest's page never written since it was mapped from an image: its bytes are the image's.
            MemorySegment.copy(region.segment, (long) page << PageMap.PAGE_SHIFT, dst, 0, PageMap.PAGE_SIZE);
        } else if (pages.slot(page) < 0) {
            dst.fill((byte) 0); // a fresh page never accessed, or an external one not loaded
            if (region.loader != null) {
                readExternal(region, page, dst);
            }
        } else {
            spill.readRun(pages.slot(page), dst, new int[] {pages.crc(page)}, 0, region + " page " + page);
        }
    }

    /**
     * Reserves budget for pages of {@code region} about to become resident; {@code fromSlots} if
     * they are read back from spill slots (see {@link ResidencyManager#reserve}). Returns whether
     * the reservation overshot the budget (then {@link ResidencyManager#settle} follows once they
     * are resident). Without a budget, does nothing.
     */
    boolean reserve(Region region, int[] list, int count, int protectFirst, int protectLast, boolean fromSlots) {
        return residency != null
                && count > 0
                && residency.reserve(region, list, count, protectFirst, protectLast, fromSlots);
    }

    /** Pages of {@code region} left memory (or never became resident) outside eviction. */
    void release(Region region, int[] list, int count) {
        if (residency != null && count > 0) {
            residency.release(region, list, count);
        }
    }

    /**
     * Forgets the pages of {@code region} from {@code fromPage} up (after a reset, compaction or
     * destroy): resident ones leave the budget, spilled ones free their slots. Nothing to do for a
     * region without a page map.
     */
    void dropFrom(Region region, int fromPage) {
        if (region.pages != null) {
            drop(region, fromPage, PageMap.pagesFor(region.touched()));
        }
    }

    /** As {@link #dropFrom}, for the pages {@code [fromPage, toPage)} only. */
    void drop(Region region, int fromPage, int toPage) {
        PageMap pages = region.pages;
        int[] resident = new int[Math.max(0, toPage - fromPage)];
        int n = 0;
        int warmPages = PageMap.pagesFor(region.tiering.warmBytes());
        for (int p = fromPage; p < toPage; p++) {
            if (pages.isResident(p) && p >= warmPages) {
                resident[n++] = p; // warm pages were never counted
            }
            long slot = pages.forget(p);
            if (slot >= 0) {
                spill.freeRun(slot, 1);
            }
        }
        release(region, resident, n);
    }

    /** The resident pages of {@code region} below its high-water mark, lowest first. */
    static int[] residentPages(Region region) {
        PageMap pages = region.pages;
        int touchedPages = PageMap.pagesFor(region.touched());
        int[] out = new int[pages.residentCount()];
        int n = 0;
        for (int p = 0; p < touchedPages && n < out.length; p++) {
            if (pages.isResident(p)) {
                out[n++] = p;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    // ---------------------------------------------------------------- page-out

    /** Victim pages gathered for one write; every region in it is exclusively locked. */
    static final class Batch {
        final Region[] regions = new Region[WRITE_BATCH_PAGES];
        final int[] pages = new int[WRITE_BATCH_PAGES];
        final MemorySegment[] bytes = new MemorySegment[WRITE_BATCH_PAGES];
        /** The page's slot if it has one (CLEAN or DIRTY), else -1. */
        final long[] slots = new long[WRITE_BATCH_PAGES];

        final boolean[] clean = new boolean[WRITE_BATCH_PAGES];
        int size;

        boolean isFull() {
            return size == WRITE_BATCH_PAGES;
        }

        /**
         * Adds a resident page below its region's high-water mark, its bytes taken as they are (no
         * copy); returns false, adding nothing, for any other page or if the region is pinned or
         * destroyed.
         */
        boolean add(Region region, int page) {
            PageMap map = region.pages;
            if (!region.pagesMayLeave() || page >= PageMap.pagesFor(region.touched()) || !map.isResident(page)) {
                return false;
            }
            regions[size] = region;
            pages[size] = page;
            bytes[size] = region.segment.asSlice((long) page << PageMap.PAGE_SHIFT, PageMap.PAGE_SIZE);
            slots[size] = map.slot(page);
            clean[size] = map.isClean(page);
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
     * Evicts the batch's CLEAN pages without a write (the slots they kept hold the same bytes) and
     * removes them from the batch. Returns the bytes that left memory.
     */
    long evictClean(Batch batch) {
        int n = batch.size;
        int kept = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            if (batch.clean[i]) {
                Region region = batch.regions[i];
                region.pages.evictClean(batch.pages[i]);
                region.backing.discard((long) batch.pages[i] << PageMap.PAGE_SHIFT, PageMap.PAGE_SIZE);
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
        pagesEvictedClean.add(bytes >>> PageMap.PAGE_SHIFT);
        return bytes;
    }

    /**
     * Writes the batch's pages (none CLEAN, see {@link #evictClean}), commits them to their regions
     * as SPILLED and empties the batch. Returns the bytes that left memory.
     *
     * @throws TvmException.SpillException if the write fails: every page stays resident and in
     *     the batch, for a retry
     */
    long writeOut(Batch batch, boolean demotion) {
        int kept = batch.size;
        if (kept == 0) {
            return 0;
        }
        int[] crcs = write(batch, demotion);
        commit(batch.regions, batch.pages, batch.slots, crcs, kept);
        pagesSpilled.add(kept);
        batchesWritten.increment();
        batch.size = 0;
        return (long) kept << PageMap.PAGE_SHIFT;
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

    /**
     * Hands each region its written pages, sorted by region and page so that each run of
     * consecutive pages releases its memory with one {@code madvise}.
     */
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
        int runStart = 0;
        for (int i = 0; i < n; i++) {
            Region region = regions[order[i]];
            int page = pages[order[i]];
            region.pages.clearResident(page);
            region.pages.setSpilled(page, slotOf[order[i]], crcOf[order[i]]);
            boolean runEnds = i + 1 == n || regions[order[i + 1]] != region || pages[order[i + 1]] != page + 1;
            if (runEnds) {
                int startPage = pages[order[runStart]];
                region.backing.discard(
                        (long) startPage << PageMap.PAGE_SHIFT, (long) (i - runStart + 1) << PageMap.PAGE_SHIFT);
                runStart = i + 1;
            }
        }
    }

    /**
     * Write-behind: writes up to one batch of modified resident pages of {@code regions} (lowest
     * pages first: in a region filled front to back, the oldest) without evicting them, skipping
     * the requester's pages in {@code [protectFirst, protectLast]}. They become CLEAN, so when
     * they are evicted later, or a read-mostly phase follows a write phase, nothing is written
     * then. A failed write leaves the pages as they were (modified, resident).
     */
    void writeBehind(List<Region> regions, Region requester, int protectFirst, int protectLast) {
        Batch batch = new Batch();
        for (Region region : regions) {
            collectModified(
                    region, batch, region == requester ? protectFirst : 0, region == requester ? protectLast : -1);
            if (batch.isFull()) {
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
            batch.regions[i].pages.markCleaned(batch.pages[i], batch.slots[i], crcs[i]);
        }
        pagesSpilled.add(batch.size);
        pagesWrittenBehind.add(batch.size);
    }

    /**
     * Adds resident, modified pages (no slot, or DIRTY) of a spillable region outside {@code
     * [protectFirst, protectLast]} to {@code batch}, lowest first, until it is full.
     */
    private static void collectModified(Region region, Batch batch, int protectFirst, int protectLast) {
        PageMap pages = region.pages;
        if (!region.pagesMayLeave()
                || pages == null
                || region.loader != null
                || !region.spec().policy().spillable()) {
            return;
        }
        int touchedPages = PageMap.pagesFor(region.touched());
        int warmPages = PageMap.pagesFor(region.tiering.warmBytes());
        for (int p = warmPages; p < touchedPages && !batch.isFull(); p++) {
            if (pages.isResident(p) && !pages.isClean(p) && (p < protectFirst || p > protectLast)) {
                batch.add(region, p);
            }
        }
    }

    /**
     * Under disk pressure: frees the slots of resident pages (CLEAN or DIRTY) outside {@code
     * batch}, so the batch's write can use them instead of growing the file; the pages stay
     * resident, lose nothing and are written again when next evicted. Regions for which {@code
     * held} is true are used as they are (their lock is held), others only if their lock is free.
     * Returns the slots freed.
     */
    long reclaimSlots(Batch batch, List<Region> regions, Predicate<Region> held) {
        long want = batch.size;
        long freed = 0;
        for (Region region : regions) {
            if (freed >= want) {
                break;
            }
            boolean locked = held.test(region);
            long stamp = locked ? 0 : region.tryLockForEviction();
            if (!locked && stamp == 0) {
                continue;
            }
            try {
                freed += reclaimSlots(region, want - freed, batch);
            } finally {
                if (!locked) {
                    region.unlockAfterEviction(stamp);
                }
            }
        }
        slotsReclaimed.add(freed);
        return freed;
    }

    private long reclaimSlots(Region region, long max, Batch batch) {
        PageMap pages = region.pages;
        if (region.isDestroyedLocked() || pages == null) {
            return 0;
        }
        long freed = 0;
        int touchedPages = PageMap.pagesFor(region.touched());
        for (int p = 0; p < touchedPages && freed < max; p++) {
            if (pages.isResident(p) && pages.slot(p) >= 0 && !batch.contains(region, p)) {
                spill.freeRun(pages.reclaimSlot(p), 1);
                freed++;
            }
        }
        return freed;
    }

    /** Free slots in the spill file now. */
    long freeSlots() {
        return spill.stats().freeSlots();
    }

    /** Whether evicting a page can simply drop it: an EXTERNAL page the loader can bring back. */
    static boolean reloadable(Region region, int page) {
        return region.loader != null && region.spec().readOnly() && region.pages.slot(page) < 0;
    }

    /** Evicts a reloadable page without any write. Returns whether it was resident. */
    boolean dropReloadable(Region region, int page) {
        if (!region.pagesMayLeave() || !region.pages.isResident(page)) {
            return false;
        }
        region.backing.discard((long) page << PageMap.PAGE_SHIFT, PageMap.PAGE_SIZE);
        region.pages.clearResident(page);
        pagesDropped.increment();
        return true;
    }
}
