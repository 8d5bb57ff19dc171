package dev.tvm.core;

import static dev.tvm.core.GuestPagesOccupancyTest.load;
import static dev.tvm.core.GuestPagesOccupancyTest.store;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access table of a guest memory ({@link GuestPages#accessTable()}) kept in step with its
 * pages' states, and what each transition costs in spill traffic. Single-threaded: the creating
 * thread is the sole occupant throughout, so its {@link Region#spill()} takes the pages away.
 */
class GuestPagesRightsTest {
    private static final int PAGE = GuestPages.PAGE_SIZE;

    @TempDir
    Path spillDir;

    private RegionDirectory directory;

    private GuestPages memory(int pages) {
        directory = RegionDirectory.builder()
                .withResidentBudget(4L << 20)
                .withSpillDirectory(spillDir)
                .build();
        return directory.createGuestMemory("m", (long) pages * PAGE);
    }

    @AfterEach
    void close() {
        if (directory != null) {
            directory.close();
        }
    }

    private static byte right(GuestPages pages, int page) {
        return pages.accessTable()[page];
    }

    /**
     * Invariants: a fresh page has no right; any fault makes it writable (never spilled: nothing
     * to keep clean); a spill revokes every right; a read fault brings the page back readable only
     * (clean: its slot holds the same bytes), a write fault writable; and at every step the bytes
     * are the ones last stored.
     */
    @Test
    void rightsFollowThePagesFromFreshToSpilledToCleanToModified() {
        GuestPages pages = memory(2);
        assertEquals(GuestPages.NONE, right(pages, 0));
        store(pages, 8, 42);
        assertEquals(GuestPages.WRITE, right(pages, 0));
        assertEquals(GuestPages.NONE, right(pages, 1), "a fault grants the pages it needs, no more");

        pages.region().spill();
        assertEquals(GuestPages.NONE, right(pages, 0));
        assertEquals(42, load(pages, 8));
        assertEquals(GuestPages.READ, right(pages, 0), "faulted back unmodified: clean");
        store(pages, 8, 43);
        assertEquals(GuestPages.WRITE, right(pages, 0));

        pages.region().spill();
        pages.fault(0, 2L * PAGE, true);
        assertEquals(GuestPages.WRITE, right(pages, 0));
        assertEquals(GuestPages.WRITE, right(pages, 1));
        assertEquals(43, load(pages, 8));
    }

    /**
     * Invariants: a page faulted back and not modified leaves again without a write (bytes spilled
     * unchanged, bytes evicted clean up by a page); once modified, it is written again, to the slot
     * it had (the spill file does not grow).
     */
    @Test
    void aCleanPageLeavesWithoutAWriteAndAModifiedOneReusesItsSlot() {
        GuestPages pages = memory(1);
        store(pages, 8, 42);
        pages.region().spill();
        ResidencyStats spilled = directory.residencyStats();
        assertEquals(PAGE, spilled.bytesSpilled());

        assertEquals(42, load(pages, 8));
        pages.region().spill();
        ResidencyStats clean = directory.residencyStats();
        assertEquals(spilled.bytesSpilled(), clean.bytesSpilled(), "a clean page is not written again");
        assertEquals(spilled.bytesEvictedClean() + PAGE, clean.bytesEvictedClean());

        store(pages, 8, 43);
        pages.region().spill();
        ResidencyStats rewritten = directory.residencyStats();
        assertEquals(clean.bytesSpilled() + PAGE, rewritten.bytesSpilled(), "a modified page is written again");
        assertEquals(clean.spillFileBytes(), rewritten.spillFileBytes(), "to the slot it had");
        assertEquals(43, load(pages, 8));
    }

    /**
     * Invariant: pages never written read as zero and cost nothing: loading from them and then
     * spilling the memory writes nothing to the spill file.
     */
    @Test
    void neverWrittenPagesReadZeroAndAreNotWrittenToTheSpillFile() {
        GuestPages pages = memory(16);
        for (int p = 0; p < 16; p++) {
            assertEquals(0L, load(pages, (long) p * PAGE + 64));
        }
        pages.region().spill();
        assertEquals(
                0,
                directory.residencyStats().bytesSpilled(),
                directory.residencyStats().toString());
        assertEquals(0L, load(pages, 64));
    }

    /**
     * Invariant: a fault outside the memory is refused with OUT_OF_BOUNDS and grants nothing; the
     * memory's own last bytes fault fine.
     */
    @Test
    void aFaultOutsideTheMemoryIsRefusedAndGrantsNothing() {
        GuestPages pages = memory(2);
        TvmException e = assertThrows(TvmException.class, () -> pages.fault(2L * PAGE - 4, 8, false));
        assertEquals(ErrorCode.OUT_OF_BOUNDS, e.code(), e.getMessage());
        assertEquals(GuestPages.NONE, right(pages, 1));
        pages.fault(2L * PAGE - 8, 8, true);
        assertEquals(GuestPages.WRITE, right(pages, 1));
    }

    /** Invariant: without a resident budget the first access grants a page for good. */
    @Test
    void withoutABudgetTheFirstFaultGrantsThePageForGood() {
        try (RegionDirectory unbudgeted = RegionDirectory.builder().build()) {
            GuestPages pages = unbudgeted.createGuestMemory("m", 2L * PAGE);
            assertEquals(GuestPages.NONE, right(pages, 0));
            store(pages, 8, 42);
            assertEquals(GuestPages.WRITE, right(pages, 0));
            assertThrows(TvmException.class, () -> pages.region().spill());
            assertEquals(GuestPages.WRITE, right(pages, 0));
            assertEquals(42, load(pages, 8));
        }
    }
}
