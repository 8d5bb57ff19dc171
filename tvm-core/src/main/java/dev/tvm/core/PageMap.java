package dev.tvm.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Residency of one region's pages, for directories with a resident budget. A region's address
 * space is cut into {@value #PAGE_SIZE}-byte pages; only pages below the region's high-water
 * mark ({@code touched}) hold data.
 *
 * <pre>
 * page state  resident  slot  clean  where the bytes are
 * ZERO        0         -1    0      nowhere, reads as zero: at or above touched, or a fresh page
 *                                    of a large allocation not accessed yet
 * RESIDENT    1         -1    0      in the region's backing memory only
 * CLEAN       1         >= 0  1      in memory, and the same bytes in slot {@code slot} (crc {@code crc})
 * DIRTY       1         >= 0  0      in memory; slot {@code slot} holds an older copy, rewritten in place
 * SPILLED     0         >= 0  0      in spill-file slot {@code slot} only, checksum {@code crc}
 *
 *   RESIDENT --evict: write--> SPILLED --fault: read, keep the slot--> CLEAN
 *   CLEAN --evict: no write--> SPILLED          CLEAN --any write--> DIRTY
 *   DIRTY --evict: rewrite the same slot--> SPILLED
 *   CLEAN, DIRTY --slot reclaimed under disk pressure--> RESIDENT
 * </pre>
 *
 * <p>A page faulted back in keeps its slot, so evicting it again unmodified writes nothing and a
 * modified one goes back to the slot it had: a page owns at most one slot for its whole life.
 *
 * <p>Invariant: every page at or above {@code touchedPages} is ZERO; below it, a ZERO page's
 * memory reads as zero (it was never written, or was discarded), so faulting it in reads nothing.
 * Guarded by its region's lock, except the clean bits (see the lock protocol in {@link Region});
 * the transitions of paging (fault-in, eviction, write-behind) are made by the {@link Pager}.
 */
final class PageMap {
    /** Residency granularity in bytes: one WebAssembly page. */
    static final int PAGE_SIZE = 64 * 1024;

    static final int PAGE_SHIFT = 16;

    /**
     * Pages (2 MiB) a staging buffer holds when bytes are copied through memory in chunks:
     * snapshot writes and verification, and turning WARM bytes into anonymous memory.
     */
    static final int STAGING_PAGES = 32;

    private static final VarHandle BITS = MethodHandles.arrayElementVarHandle(long[].class);

    private static final VarHandle ACCESS = MethodHandles.arrayElementVarHandle(byte[].class);

    /**
     * The access table of a guest's linear memory ({@link GuestPages}), kept in step with the
     * states above: ZERO and SPILLED pages {@link GuestPages#NONE}, CLEAN pages {@link
     * GuestPages#READ} (so the first store faults and makes them DIRTY), RESIDENT and DIRTY ones
     * {@link GuestPages#WRITE}. Null for other regions. Rights are granted with release stores
     * after the bytes are in place; they are revoked only while no thread accesses the memory
     * directly (see {@link GuestPages}).
     */
    private byte[] access;

    private final long[] resident;
    /** CLEAN pages; set under the exclusive lock, cleared by writers under the shared one. */
    private final long[] clean;

    /** Per page, its spill slot or -1; as long as the highest page ever given a slot needs. */
    private long[] slots = new long[0];

    private int[] crcs = new int[0];
    private int residentCount;
    private int spilledCount;

    /**
     * The page after the last one the previous fault brought in: a fault that starts there
     * continues a sequential scan, and the pager reads ahead for it. Region lock held.
     */
    int sequentialFault = -1;

    PageMap(long capacity) {
        int pages = (int) ((capacity + PAGE_SIZE - 1) >>> PAGE_SHIFT);
        this.resident = new long[(pages + 63) >>> 6];
        this.clean = new long[resident.length];
    }

    /**
     * Keeps {@code table} in step with page states from now on (see {@link #access}), starting
     * with the pages resident now.
     */
    void attachAccess(byte[] table) {
        this.access = table;
        for (int i = 0; i < resident.length; i++) {
            for (long bits = resident[i]; bits != 0; bits &= bits - 1) {
                int page = (i << 6) + Long.numberOfTrailingZeros(bits);
                grant(page, isClean(page) ? GuestPages.READ : GuestPages.WRITE);
            }
        }
    }

    private void grant(int page, byte rights) {
        if (access != null) {
            ACCESS.setRelease(access, page, rights);
        }
    }

    static int pageOf(long offset) {
        return (int) (offset >>> PAGE_SHIFT);
    }

    /** Pages needed to hold {@code bytes} bytes from offset 0. */
    static int pagesFor(long bytes) {
        return (int) ((bytes + PAGE_SIZE - 1) >>> PAGE_SHIFT);
    }

    /** The page numbers {@code first, first + 1, ..., first + count - 1}. */
    static int[] range(int first, int count) {
        int[] pages = new int[count];
        for (int i = 0; i < count; i++) {
            pages[i] = first + i;
        }
        return pages;
    }

    boolean isResident(int page) {
        return (resident[page >>> 6] & (1L << page)) != 0;
    }

    /** Whether every page overlapping {@code [at, at + length)} is resident (true if empty). */
    boolean allResident(long at, long length) {
        if (length <= 0) {
            return true;
        }
        int first = pageOf(at);
        int last = pageOf(at + length - 1);
        for (int p = first; p <= last; p++) {
            if ((resident[p >>> 6] & (1L << p)) == 0) {
                return false;
            }
        }
        return true;
    }

    void markResident(int page) {
        resident[page >>> 6] |= 1L << page;
        residentCount++;
        grant(page, GuestPages.WRITE);
    }

    void clearResident(int page) {
        grant(page, GuestPages.NONE);
        resident[page >>> 6] &= ~(1L << page);
        residentCount--;
    }

    /**
     * Makes room for {@code page}'s slot and checksum. The arrays grow with the highest page ever
     * spilled, not with the capacity: a region of 2 GiB that spilled a few low pages (a guest's
     * memory, one of thousands) holds a few KiB of them, not 384.
     */
    private void ensureSlots(int page) {
        if (page < slots.length) {
            return;
        }
        int length = (int) Math.min((long) resident.length << 6, Math.max(64L, Long.highestOneBit(page) << 1));
        int old = slots.length;
        slots = Arrays.copyOf(slots, length);
        Arrays.fill(slots, old, length, -1L);
        crcs = Arrays.copyOf(crcs, length);
    }

    /** Whether the page is CLEAN: resident, with an identical copy in its slot. */
    boolean isClean(int page) {
        return ((long) BITS.getVolatile(clean, page >>> 6) & (1L << page)) != 0;
    }

    /**
     * A resident page just read back from its slot (which it keeps): CLEAN. Exclusive lock held;
     * the page must be SPILLED.
     */
    void markFaulted(int page) {
        resident[page >>> 6] |= 1L << page;
        residentCount++;
        spilledCount--;
        BITS.getAndBitwiseOr(clean, page >>> 6, 1L << page);
        grant(page, GuestPages.READ);
    }

    /**
     * Records that {@code [at, at + length)} is about to be written: its CLEAN pages become DIRTY.
     * Safe under the shared lock; one plain read per page when nothing is clean.
     */
    void markWritten(long at, long length) {
        if (length <= 0) {
            return;
        }
        int last = pageOf(at + length - 1);
        for (int p = pageOf(at); p <= last; p++) {
            long bit = 1L << p;
            if ((clean[p >>> 6] & bit) != 0) {
                BITS.getAndBitwiseAnd(clean, p >>> 6, ~bit);
                grant(p, GuestPages.WRITE);
            }
        }
    }

    /** Every page becomes non-CLEAN (its memory may have been written by other means). */
    void markAllWritten() {
        for (int i = 0; i < clean.length; i++) {
            long was = (long) BITS.getAndSet(clean, i, 0L);
            for (long bits = was; bits != 0; bits &= bits - 1) {
                grant((i << 6) + Long.numberOfTrailingZeros(bits), GuestPages.WRITE);
            }
        }
    }

    /**
     * A CLEAN page leaves memory without a write: it is SPILLED again in the slot it kept.
     * Exclusive lock held.
     */
    void evictClean(int page) {
        grant(page, GuestPages.NONE);
        BITS.getAndBitwiseAnd(clean, page >>> 6, ~(1L << page));
        resident[page >>> 6] &= ~(1L << page);
        residentCount--;
        spilledCount++;
    }

    /** A resident page whose bytes were just written to {@code slot}: CLEAN. Exclusive lock held. */
    void markCleaned(int page, long slot, int crc) {
        ensureSlots(page);
        slots[page] = slot;
        crcs[page] = crc;
        BITS.getAndBitwiseOr(clean, page >>> 6, 1L << page);
        grant(page, GuestPages.READ);
    }

    /**
     * Takes the slot away from a CLEAN or DIRTY page, which stays resident (RESIDENT): returns the
     * slot, for the caller to free. Exclusive lock held.
     */
    long reclaimSlot(int page) {
        BITS.getAndBitwiseAnd(clean, page >>> 6, ~(1L << page));
        grant(page, GuestPages.WRITE);
        long slot = slots[page];
        slots[page] = -1;
        return slot;
    }

    /** The spill slot of a page, or -1. */
    long slot(int page) {
        return page < slots.length ? slots[page] : -1;
    }

    int crc(int page) {
        return crcs[page];
    }

    /**
     * A resident page was written to {@code slot} (its own old slot, or a new one) and left
     * memory: SPILLED. Exclusive lock held.
     */
    void setSpilled(int page, long slot, int crc) {
        ensureSlots(page);
        slots[page] = slot;
        crcs[page] = crc;
        spilledCount++;
    }

    /**
     * Forgets a page's slot when the page is discarded (reset, compaction, destroy), whatever its
     * state; returns the slot (-1 if it had none) for the caller to free.
     */
    long forget(int page) {
        if (isResident(page)) {
            clearResident(page);
            BITS.getAndBitwiseAnd(clean, page >>> 6, ~(1L << page));
            if (page >= slots.length || slots[page] < 0) {
                return -1;
            }
            long slot = slots[page];
            slots[page] = -1;
            return slot;
        }
        long slot = slot(page);
        if (slot >= 0) {
            slots[page] = -1;
            spilledCount--;
        }
        return slot;
    }

    int residentCount() {
        return residentCount;
    }

    int spilledCount() {
        return spilledCount;
    }
}
