package dev.tvm.core;

import java.lang.foreign.MemorySegment;

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
 *  accessTable()   byte[65536]: NONE (0)  not resident: every access faults
 *                               READ (1)  resident and clean (an identical copy is in its spill
 *                                         slot): loads go ahead, the first store faults
 *                               WRITE (2) resident and modified, or never spilled: loads and
 *                                         stores go ahead
 * </pre>
 *
 * An accessor checks the entry of the page it touches (with acquire semantics) and calls {@link
 * #fault} when the right is missing or the access crosses into the next page; after {@code
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
 *   <li>pages of a memory that two or more threads are inside leave memory only when they have
 *       all left.
 * </ul>
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

    /** Entries in the access table: one per 64 KiB page of a 32-bit address space. */
    public static final int TABLE_ENTRIES = 1 << 16;

    /** The page size the table counts in, in bytes. */
    public static final int PAGE_SIZE = PageMap.PAGE_SIZE;

    private final Region region;
    private final byte[] access = new byte[TABLE_ENTRIES];

    // Occupancy, guarded by this.
    private int occupants = 1;
    private volatile Thread owner = Thread.currentThread();
    private boolean evicting;
    /** {@code occupants}, for lock-free hints to victim selection. */
    private volatile int occupantsRelaxed = 1;

    /** The end of the highest range ever faulted: the memory's high-water mark (region lock). */
    long highWater;

    /** Pages granted without a budget (region lock). */
    private int unpagedPages;

    GuestPages(Region region) {
        this.region = region;
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
     * The access table, one entry per page ({@link #NONE}, {@link #READ}, {@link #WRITE}), for
     * accessors to read with acquire semantics. Never write to it.
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
        Thread me = Thread.currentThread();
        if (occupants++ == 0) {
            owner = me;
        } else if (owner != me) {
            owner = null; // two threads inside: neither may evict until all have left
        }
        occupantsRelaxed = occupants;
    }

    /**
     * The calling thread stops accessing the memory directly (one {@link #enter()} undone).
     *
     * @throws IllegalStateException if no thread is inside
     */
    public synchronized void exit() {
        if (occupants == 0) {
            throw new IllegalStateException("exit() without enter() on the guest memory of " + region);
        }
        if (--occupants == 0) {
            owner = null;
        }
        occupantsRelaxed = occupants;
    }

    /** How many enters are not yet matched by exits (a hint: it may change right after). */
    public int occupants() {
        return occupantsRelaxed;
    }

    /** Whether the calling thread is the only one inside: its faults may evict the memory's own pages. */
    boolean ownedByCurrentThread() {
        return owner == Thread.currentThread();
    }

    /** A hint for victim selection: whether the memory could be evicted by another thread now. */
    boolean idleRelaxed() {
        return occupantsRelaxed == 0;
    }

    /** Takes the memory for an eviction if no thread is inside; then enters wait until {@link #endEviction}. */
    synchronized boolean tryBeginEviction() {
        if (occupants != 0 || evicting) {
            return false;
        }
        evicting = true;
        return true;
    }

    /**
     * Takes the memory for an eviction of its own pages by the calling thread, if it is the only
     * one inside: then enters wait until {@link #endEviction}, so no thread can start accessing a
     * page while it leaves.
     */
    synchronized boolean tryBeginSelfEviction() {
        if (occupants == 0 || owner != Thread.currentThread() || evicting) {
            return false;
        }
        evicting = true;
        return true;
    }

    /** Whether the calling thread holds the memory for an eviction of its own pages. */
    synchronized boolean selfEvicting() {
        return evicting && owner == Thread.currentThread();
    }

    synchronized void endEviction() {
        evicting = false;
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
