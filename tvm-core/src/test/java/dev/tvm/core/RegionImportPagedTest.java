package dev.tvm.core;

import static dev.tvm.core.GuestPagesOccupancyTest.load;
import static dev.tvm.core.GuestPagesOccupancyTest.store;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A region the host allocates in and guests import paged ({@link Region#importPaged()}): guest
 * accesses and handle accesses see one another's bytes whichever pages were spilled between them,
 * and what would move or clear bytes under the guests is refused while imported.
 */
class RegionImportPagedTest {
    private static final int PAGE = GuestPages.PAGE_SIZE;

    @TempDir
    Path spillDir;

    private RegionDirectory directory;
    private Region region;

    @BeforeEach
    void open() {
        directory = RegionDirectory.builder()
                .withResidentBudget(4L << 20)
                .withSpillDirectory(spillDir)
                .build();
        region = directory.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(16L * PAGE));
    }

    @AfterEach
    void close() {
        directory.close();
    }

    @Test
    void guestAndHandleAccessesSeeEachOthersBytesAcrossSpills() {
        long h = region.allocate(4L * PAGE);
        directory.setLong(h, 8, 11);
        GuestPages pages = region.importPaged();
        assertFalse(pages.ownsRegion());
        long at = directory.addressOf(h);
        assertEquals(GuestPages.WRITE, pages.accessTable()[(int) (at / PAGE)], "a resident page is granted at import");
        pages.enter();
        try {
            assertEquals(11, load(pages, at + 8));
            store(pages, at + 3L * PAGE, 33);
        } finally {
            pages.exit();
        }
        region.spill();
        assertEquals(GuestPages.NONE, pages.accessTable()[(int) (at / PAGE)], "spilled: no right");
        assertEquals(33, directory.getLong(h, 3L * PAGE), "the guest's store, faulted back through the handle");
        directory.setLong(h, 16, 22);
        region.spill();
        pages.enter();
        try {
            assertEquals(22, load(pages, at + 16), "the host's store, faulted back by the guest");
            store(pages, 12L * PAGE, 44); // beyond every allocation: the guest's own bytes, paged too
        } finally {
            pages.exit();
        }
        region.spill();
        pages.enter();
        try {
            assertEquals(44, load(pages, 12L * PAGE));
        } finally {
            pages.exit();
        }
        long more = region.allocate(PAGE); // the host still allocates while imported
        directory.setLong(more, 0, 55);
        assertEquals(55, directory.getLong(more, 0));
    }

    /**
     * The host alone writes, through handles, twice the budget into an imported region nobody is
     * inside: the region's own pages must make room for one another, as any idle region's do.
     */
    @Test
    void theHostPagesAnIdleImportedRegionLargerThanTheBudgetThroughHandles() {
        Region big = directory.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(16L << 20));
        long h = big.allocate(8L << 20);
        big.importPaged();
        for (long at = 0; at < 8L << 20; at += PAGE) {
            directory.setLong(h, at, at ^ 0x5a5a);
        }
        for (long at = 0; at < 8L << 20; at += PAGE) {
            assertEquals(at ^ 0x5a5a, directory.getLong(h, at), "page " + at / PAGE);
        }
        assertTrue(directory.residencyStats().peakResidentBytes() <= 4L << 20);
        big.releaseImport();
    }

    @Test
    void importedRegionsAreNotResetCompactedOrDestroyedUntilReleased() {
        region.allocate(PAGE);
        GuestPages pages = region.importPaged();
        assertSame(pages, region.importPaged(), "one paging for every import");
        assertEquals(
                ErrorCode.PINNED,
                assertThrows(TvmException.class, region::reset).code());
        assertEquals(
                ErrorCode.PINNED,
                assertThrows(TvmException.class, region::compact).code());
        assertEquals(
                ErrorCode.PINNED,
                assertThrows(TvmException.class, () -> directory.destroy(region.ref()))
                        .code());
        region.releaseImport();
        assertEquals(
                ErrorCode.PINNED,
                assertThrows(TvmException.class, region::reset).code(),
                "one import left");
        region.releaseImport();
        assertThrows(IllegalStateException.class, region::releaseImport);
        region.reset();
        directory.destroy(region.ref());
        assertTrue(region.isDestroyed());
    }

    @Test
    void aGuestsOwnMemoryIsNotImportedPaged() {
        GuestPages own = directory.createGuestMemory("own", 4L * PAGE);
        own.exit();
        assertThrows(TvmException.UnsupportedOperationTvmException.class, own.region()::importPaged);
    }
}
