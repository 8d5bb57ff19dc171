package dev.tvm.core;

import dev.tvm.core.memory.ReservedBacking;
import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;

/**
 * A region lent to a guest as a linear memory that its code addresses directly (wasm loads and
 * stores, not handles), with its pages still paged under the directory's resident budget: cold
 * pages are written to the spill file and come back, checksum-verified, when touched. Made by
 * {@link RegionDirectory#createGuestMemory}; a Chicory memory over it is {@code
 * dev.tvm.chicory.memory.SegmentMemory.paged}.
 *
 * <h2>The access table</h2>
 *
 * <pre>
 *  address (u32)   [ page: 16 bits | offset in page: 16 bits ]
 *                         |
 *                         v
 *  accessTable()   byte[pages]: NONE (0)  not resident: every access faults
 *                               READ (1)  resident and clean (an identical copy is in its spill
 *                                         slot): loads go ahead, the first store faults
 *                               WRITE (2) resident and modified, or never spilled: loads and
 *                                         stores go ahead
 * </pre>
 *
 * An accessor checks the entry of the page it touches and calls {@link #fault} when the right is
 * missing or the access crosses into the next page (with acquire semantics where other threads
 * may grant pages meanwhile, a shared memory; a memory one thread uses at a time may read it
 * plainly, since every revocation happens before its {@link #enter()} or in its own fault); after {@code
 * fault} returns, the calling thread may make the access. The table is kept by the region's pager
 * in step with its page states; a guest's accesses never take a lock.
 *
 * <h2>Occupancy: when pages may leave</h2>
 *
 * A right is revoked (a page evicted, or cleaned by write-behind) only while no thread can be
 * between its check and its access. So every thread that runs code using the memory directly
 * brackets it with {@link #enter()} and {@link #exit()} (Chicory calls into an instance; {@code
 * TvmGuest} does this for its calls), and:
 *
 * <ul>
 *   <li>pages of a memory no thread has entered may be evicted by anyone (another memory's
 *       fault, a handle access, a demotion); an {@code enter} waits while such an eviction runs;
 *   <li>a thread that is the only one inside may evict the memory's own pages when it faults
 *       (it is in {@code fault}, not in the middle of an access), which is how a single guest
 *       fills more memory than the budget;
 *   <li>pages of a memory that two or more threads are inside leave memory when all of them are in
 *       faults (none between a check and an access): the one holding the region's lock evicts,
 *       the others wait for that lock; so a threaded guest whose shared memory exceeds the budget
 *       goes on paging.
 * </ul>
 *
 * Enters nest per thread; {@link #exit()} must be called by the thread that entered.
 *
 * A new memory counts as entered once, by the thread that created it (so it can be initialized
 * safely): call {@link #exit()} when it is set up, or never, and then only that thread's faults
 * evict its pages.
 *
 * <p>Without a resident budget nothing is ever evicted: the first access to each page grants it.
 */
public final class GuestPages {
    /** Table entry: not resident. */
    public static final byte NONE = 0;

    /** Table entry: resident and clean; loads only. */
    public static final byte READ = 1;

    /** Table entry: loads and stores. */
    public static final byte WRITE = 2;

    /** The most entries an access table has: one per 64 KiB page of a 32-bit address space. */
    public static final int TABLE_ENTRIES = 1 << 16;

    /** The page size the table counts in, in bytes. */
    public static final int PAGE_SIZE = PageMap.PAGE_SIZE;

    private final Region region;
    /** One entry per page of the region (a 4 GiB region has {@link #TABLE_ENTRIES}). */
    private final byte[] access;

    // Occupancy, guarded by this: the threads inside and how many enters each has not exited.
    private final IdentityHashMap<Thread, Integer> inside = new IdentityHashMap<>(4);
    /** The only thread inside, or null (none, or several). */
    private volatile Thread owner = Thread.currentThread();

    private boolean evicting;
    /** The thread of a self-eviction, guarded by this. */
    private Thread evictor;
    /** Threads inside that are in {@link #fault} (not between a check and an access), guarded by this. */
    private int faulting;

    /** How many threads are inside, for lock-free hints to victim selection. */
    private volatile int occupantsRelaxed = 1;

    /** The end of the highest range ever faulted: the memory's high-water mark (region lock). */
    long highWater;

    /** Pages granted without a budget (region lock). */
    private int unpagedPages;

    /**
     * Pages whose memory is a copy-on-write mapping of an image file and that were not discarded
     * since (region lock; null until {@link #mapImage}). Their never-written state reads the
     * image, not zeros.
     */
    private long[] image;

    private int imagePages;

    /** Whether the whole region is the guest's memory ({@link RegionDirectory#createGuestMemory}). */
    private final boolean ownsRegion;

    /** How many {@link Region#importPaged()}s are not released (region lock). */
    int imports;

    /** A guest's own memory, entered by the creating thread. */
    GuestPages(Region region) {
        this(region, true);
    }

    private GuestPages(Region region, boolean ownsRegion) {
        this.region = region;
        this.access = new byte[PageMap.pagesFor(region.capacity())];
        this.ownsRegion = ownsRegion;
        if (ownsRegion) {
            inside.put(owner, 1);
        } else {
            owner = null;
            occupantsRelaxed = 0;
        }
    }

    /** The paging of a region guests import as a memory: no thread inside yet. Region lock held. */
    static GuestPages forImport(Region region) {
        return new GuestPages(region, false);
    }

    /**
     * Whether the whole region is a guest's memory (allocations refused), rather than a region
     * guests import ({@link Region#importPaged()}) while the host allocates in it and reaches it
     * through handles. In an imported region the host may grant pages while a guest runs, so
     * accessors must read the access table with acquire semantics, as for a shared memory.
     */
    public boolean ownsRegion() {
        return ownsRegion;
    }

    /** The region holding the memory's bytes. */
    public Region region() {
        return region;
    }

    /**
     * All the region's bytes, page 0 at offset 0. Touch a page only under the rules above: a page
     * without the right reads as zeros or holds stale bytes.
     */
    public MemorySegment segment() {
        return region.segment;
    }

    /**
     * The access table, one entry per page of the region ({@link #NONE}, {@link #READ}, {@link
     * #WRITE}), for accessors to read (see above) once they have checked that the
     * address lies inside the memory. Never write to it.
     */
    public byte[] accessTable() {
        return access;
    }

    /**
     * Makes {@code [at, at + length)} accessible to the calling thread: loads, and stores too if
     * {@code write}. Pages come back from the spill file (verified) or, never written, as zeros
     * at no cost; other pages may be evicted to make room, as described above.
     *
     * @throws TvmException.CapacityExceededException ({@link ErrorCode#NO_MEMORY}) if the budget
     *     cannot make room (every other page is in use)
     * @throws TvmException.SpillException if a page cannot be read back or fails its checksum:
     *     the page stays spilled and nothing wrong is ever read
     * @throws TvmException if the region was destroyed, or {@code write} on a read-only region
     */
    public void fault(long at, long length, boolean write) {
        Access.faultDirect(region, at, length, write);
    }

    /**
     * Discards the pages of {@code [at, at + length)}: they read as zero again, cost no memory and
     * lose their spill slots. For a growing memory, whose new pages must be zero.
     */
    public void discard(long at, long length) {
        region.discardDirect(at, length);
    }

    /**
     * Whether {@link #mapImage} can map files into this memory: its region is a reserved
     * anonymous mapping ({@link ReservedBacking}, the default on Linux).
     */
    public boolean canMapImages() {
        return region.backing instanceof ReservedBacking;
    }

    /**
     * Maps {@code length} bytes of {@code file} from {@code fileOffset} over {@code [at, at +
     * length)} of the memory, copy-on-write: the memory starts with the file's bytes there without
     * copying them (instances started from one image share its pages in the OS page cache).
     *
     * <pre>
     *  image page   load: granted at once, no budget, never spilled (the file holds it)
     *               first store: faults, becomes resident and counted; the OS copies the page
     *               evicted after a store: written to the spill file, and its private copy is
     *                 dropped (the mapping reads the image again until the page faults back)
     *               discarded (a grow): plain zeros again
     * </pre>
     *
     * The pages must be fresh (never written, nothing in the spill file): map an image right
     * after {@link RegionDirectory#createGuestMemory}. The file must not change while mapped:
     * pages a memory has not stored to read whatever the file holds.
     *
     * @throws UnsupportedOperationException if {@link #canMapImages()} is false
     * @throws IllegalArgumentException if the range is not whole pages inside the memory, {@code
     *     fileOffset} is not a multiple of 4096, or a page of the range was written
     */
    public void mapImage(ReservedBacking.ReadOnlyFile file, long fileOffset, long at, long length) {
        if (!(region.backing instanceof ReservedBacking reserved)) {
            throw new UnsupportedOperationException(region + " cannot map files: its memory is not a reserved"
                    + " mapping; copy the image's bytes in instead");
        }
        if (length <= 0
                || at < 0
                || (at & (PAGE_SIZE - 1)) != 0
                || (length & (PAGE_SIZE - 1)) != 0
                || at > region.capacity() - length) {
            throw new IllegalArgumentException("an image range must be whole pages inside the " + region.capacity()
                    + "-byte memory, not [" + at + ", " + at + " + " + length + ")");
        }
        long stamp = region.lock.writeLock();
        try {
            region.checkLive();
            int first = PageMap.pageOf(at);
            int end = first + PageMap.pagesFor(length);
            PageMap pages = region.pages;
            for (int p = first; p < end; p++) {
                boolean fresh = pages == null ? access[p] != WRITE : !pages.isResident(p) && pages.slot(p) < 0;
                if (!fresh) {
                    throw new IllegalArgumentException(
                            "page " + p + " of " + region + " was written: an image maps only over fresh pages");
                }
            }
            reserved.mapFile(at, length, file, fileOffset);
            if (image == null) {
                image = new long[(access.length + 63) >>> 6];
            }
            for (int p = first; p < end; p++) {
                if ((image[p >>> 6] & (1L << p)) == 0) {
                    image[p >>> 6] |= 1L << p;
                    imagePages++;
                }
                grantZeroRead(p);
            }
        } finally {
            region.lock.unlockWrite(stamp);
        }
    }

    /** Bytes of the memory mapped from an image and not discarded since. */
    public long imageBytes() {
        long stamp = region.lock.readLock();
        try {
            return (long) imagePages * PAGE_SIZE;
        } finally {
            region.lock.unlockRead(stamp);
        }
    }

    /** Whether a page is mapped from an image (its untouched bytes are the image's). Region lock held. */
    boolean isImage(int page) {
        return image != null && (image[page >>> 6] & (1L << page)) != 0;
    }

    /**
     * Before pages {@code [from, to)} are discarded: replaces the image mappings among them with
     * zeroed anonymous memory (discarding a mapped page would revert it to the image). Region lock
     * held.
     */
    void unmapImage(int from, int to) {
        if (image == null) {
            return;
        }
        ReservedBacking reserved = (ReservedBacking) region.backing;
        int p = from;
        while (p < to) {
            if (!isImage(p)) {
                p++;
                continue;
            }
            int run = p;
            while (run < to && isImage(run)) {
                run++;
            }
            reserved.remapAnonymous((long) p * PAGE_SIZE, (long) (run - p) * PAGE_SIZE);
            // Only now: if the remap failed, the pages are still image pages and a retry remaps them.
            for (int q = p; q < run; q++) {
                image[q >>> 6] &= ~(1L << q);
            }
            imagePages -= run - p;
            p = run;
        }
    }

    /**
     * The calling thread starts running code that accesses the memory directly. Nests; waits
     * while another thread is evicting the memory's pages.
     */
    public synchronized void enter() {
        boolean interrupted = false;
        while (evicting) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        inside.merge(Thread.currentThread(), 1, Integer::sum);
        occupied();
    }

    private void occupied() {
        owner = inside.size() == 1 ? inside.keySet().iterator().next() : null;
        occupantsRelaxed = inside.size();
    }

    /**
     * The calling thread stops accessing the memory directly (one of its {@link #enter()}s undone).
     *
     * @throws IllegalStateException if the calling thread is not inside
     */
    public synchronized void exit() {
        Thread me = Thread.currentThread();
        Integer depth = inside.get(me);
        if (depth == null) {
            throw new IllegalStateException(
                    "exit() without enter() on the guest memory of " + region + " by thread " + me.getName());
        }
        if (depth == 1) {
            inside.remove(me);
        } else {
            inside.put(me, depth - 1);
        }
        occupied();
    }

    /** How many threads are inside (a hint: it may change right after). */
    public int occupants() {
        return occupantsRelaxed;
    }

    /** A hint for victim selection: whether the memory could be evicted by another thread now. */
    boolean idleRelaxed() {
        return occupantsRelaxed == 0;
    }

    /** Takes the memory for an eviction if no thread is inside; then enters wait until {@link #endEviction}. */
    synchronized boolean tryBeginEviction() {
        if (!inside.isEmpty() || evicting) {
            return false;
        }
        evicting = true;
        return true;
    }

    /**
     * Takes the memory for an eviction of its own pages by the calling thread, which holds the
     * region's lock: possible when every thread inside is in a fault (so none is between a check
     * and an access; a single occupant faulting is the common case), when the caller is the only
     * one inside, or when nobody is (the host reaching an imported region through handles).
     * Then enters wait until {@link #endEviction}, and the others stay in their faults, behind the
     * region's lock that the caller holds.
     */
    synchronized boolean tryBeginSelfEviction() {
        Thread me = Thread.currentThread();
        boolean mayEvict = owner == me // the only one inside
                || (inside.containsKey(me) && faulting == inside.size()) // every one inside is in a fault
                || inside.isEmpty(); // nobody inside: a host thread reaching an imported region through handles
        if (evicting || !mayEvict) {
            return false;
        }
        evicting = true;
        evictor = me;
        return true;
    }

    /** Whether the calling thread holds the memory for an eviction of its own pages. */
    synchronized boolean selfEvicting() {
        return evicting && evictor == Thread.currentThread();
    }

    /**
     * An occupant starts a fault: until {@link #faultDone} it touches no page. Call before taking
     * the region's lock, and {@code faultDone} while still holding it.
     */
    synchronized boolean faultStarts() {
        if (inside.containsKey(Thread.currentThread())) {
            faulting++;
            return true;
        }
        return false; // a thread not inside (the host) faulting: it counts for nothing
    }

    synchronized void faultDone(boolean counted) {
        if (counted) {
            faulting--;
        }
    }

    synchronized void endEviction() {
        evicting = false;
        evictor = null;
        notifyAll();
    }

    /**
     * Whether pages of this memory may be evicted by the calling thread: by its own fault ({@code
     * self}) only while it holds the memory for that ({@link #tryBeginSelfEviction}), by anyone
     * else only while the memory is idle.
     */
    boolean mayEvictRelaxed(boolean self) {
        return self ? selfEvicting() : idleRelaxed();
    }

    /**
     * Grants loads of a page that was never written and is not resident: it reads as zero, costs
     * no budget and is never written to the spill file; its first store faults and makes it
     * resident. Region lock held.
     */
    void grantZeroRead(int page) {
        java.lang.invoke.VarHandle.releaseFence();
        access[page] = READ;
    }

    /** Grants every page of a range without paging (a directory without a budget). Region lock held. */
    void grantUnpaged(long at, long length) {
        int last = PageMap.pageOf(at + length - 1);
        for (int p = PageMap.pageOf(at); p <= last; p++) {
            if (access[p] != WRITE) {
                access[p] = WRITE; // nothing to publish: without a budget the bytes never leave
                unpagedPages++;
            }
        }
    }

    /** Bytes of the pages granted without a budget: what the memory has touched. Region lock held. */
    long unpagedBytes() {
        return (long) unpagedPages * PAGE_SIZE;
    }
}
