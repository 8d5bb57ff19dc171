package dev.tvm.core;

import java.util.Arrays;

/**
 * Residency of one region's pages, for directories with a resident budget. A region's address
 * space is cut into {@value #PAGE_SIZE}-byte pages; only pages below the region's high-water
 * mark ({@code touched}) hold data.
 *
 * <pre>
 * page state     resident bit   slot      where the bytes are
 * ZERO           0              -1        nowhere: page at or above touched, reads as zero
 * RESIDENT       1              -1        in the region's backing memory
 * SPILLED        0              >= 0      in spill-file slot {@code slot}, checksum {@code crc}
 * </pre>
 *
 * <p>Invariant: every page below {@code touchedPages} is RESIDENT or SPILLED, never ZERO; every
 * page at or above it is ZERO. Not thread-safe: the region's lock guards it (exclusive for
 * changes, shared for {@link #allResident} queries).
 */
final class PageMap {
    /** Residency granularity in bytes: one WebAssembly page. */
    static final int PAGE_SIZE = 64 * 1024;

    static final int PAGE_SHIFT = 16;

    private final long[] resident;
    private long[] slots;
    private int[] crcs;
    private int residentCount;
    private int spilledCount;

    PageMap(long capacity) {
        int pages = (int) ((capacity + PAGE_SIZE - 1) >>> PAGE_SHIFT);
        this.resident = new long[(pages + 63) >>> 6];
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
    }

    void clearResident(int page) {
        resident[page >>> 6] &= ~(1L << page);
        residentCount--;
    }

    /** The spill slot of a page, or -1. */
    long slot(int page) {
        return slots == null ? -1 : slots[page];
    }

    int crc(int page) {
        return crcs[page];
    }

    void setSpilled(int page, long slot, int crc) {
        if (slots == null) {
            slots = new long[resident.length << 6];
            Arrays.fill(slots, -1L);
            crcs = new int[slots.length];
        }
        slots[page] = slot;
        crcs[page] = crc;
        spilledCount++;
    }

    /** Forgets a page's spill slot (after it was faulted in or discarded); returns the slot. */
    long clearSpilled(int page) {
        long slot = slots[page];
        slots[page] = -1;
        spilledCount--;
        return slot;
    }

    int residentCount() {
        return residentCount;
    }

    int spilledCount() {
        return spilledCount;
    }

    /** Number of pages the map covers. */
    int pageCount() {
        return resident.length << 6;
    }
}
