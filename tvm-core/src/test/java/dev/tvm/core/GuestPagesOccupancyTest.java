package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The occupancy rules of {@link GuestPages}: who may take a guest memory's pages away, and when.
 * Accesses here follow the accessor protocol of its Javadoc (check the page's right with acquire
 * semantics, {@link GuestPages#fault} when it is missing, then touch the bytes), as {@code
 * SegmentMemory.paged} does.
 */
class GuestPagesOccupancyTest {
    private static final int PAGE = GuestPages.PAGE_SIZE;
    private static final VarHandle RIGHTS = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final long OLD = 0x0101_0101_0101_0101L;
    private static final long NEW = 0x0202_0202_0202_0202L;

    @TempDir
    Path spillDir;

    private RegionDirectory directory;
    private ExecutorService pool;

    @BeforeEach
    void open() {
        directory = RegionDirectory.builder()
                .withResidentBudget(4L << 20)
                .withSpillDirectory(spillDir)
                .build();
        pool = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void close() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(30, TimeUnit.SECONDS);
        directory.close();
    }

    /** A load by the protocol: fault when the page has no right. */
    static long load(GuestPages pages, long at) {
        if ((byte) RIGHTS.getAcquire(pages.accessTable(), (int) (at >>> 16)) == GuestPages.NONE) {
            pages.fault(at, Long.BYTES, false);
        }
        return pages.segment().get(LONG, at);
    }

    /** A store by the protocol: fault unless the page is writable. */
    static void store(GuestPages pages, long at, long value) {
        if ((byte) RIGHTS.getAcquire(pages.accessTable(), (int) (at >>> 16)) != GuestPages.WRITE) {
            pages.fault(at, Long.BYTES, true);
        }
        pages.segment().set(LONG, at, value);
    }

    private static byte right(GuestPages pages, int page) {
        return (byte) RIGHTS.getAcquire(pages.accessTable(), page);
    }

    /**
     * Invariant: a new memory counts as entered by its creating thread, enters nest, and an exit
     * without an enter is refused with an IllegalStateException that changes nothing.
     */
    @Test
    void aNewMemoryIsEnteredOnceByItsCreatorAndEntersNest() {
        GuestPages pages = directory.createGuestMemory("m", 4L * PAGE);
        assertEquals(1, pages.occupants());
        pages.enter();
        assertEquals(1, pages.occupants(), "occupants counts threads; enters nest per thread");
        pages.exit();
        assertEquals(1, pages.occupants(), "one enter is still open");
        pages.exit();
        assertEquals(0, pages.occupants());
        assertThrows(IllegalStateException.class, pages::exit);
        assertEquals(0, pages.occupants());
    }

    /**
     * Invariants: another thread cannot spill a memory that a thread is inside (refused, every page
     * keeps its right and its bytes); once the memory is idle, it can, the rights are revoked, and
     * the bytes come back on the next access, verified.
     */
    @Test
    void anotherThreadSpillsAMemoryOnlyWhileNoThreadIsInside() throws Exception {
        GuestPages pages = directory.createGuestMemory("m", 4L * PAGE);
        for (int p = 0; p < 4; p++) {
            store(pages, (long) p * PAGE + 8, OLD + p);
        }
        Future<?> refused =
                pool.submit(() -> assertThrows(TvmException.UnsupportedOperationTvmException.class, () -> pages.region()
                        .spill()));
        refused.get(1, TimeUnit.MINUTES);
        for (int p = 0; p < 4; p++) {
            assertEquals(GuestPages.WRITE, right(pages, p), "page " + p + " kept its right");
            assertEquals(OLD + p, load(pages, (long) p * PAGE + 8));
        }

        pages.exit();
        pool.submit(() -> pages.region().spill()).get(1, TimeUnit.MINUTES);
        for (int p = 0; p < 4; p++) {
            assertEquals(GuestPages.NONE, right(pages, p), "page " + p + " was spilled");
        }
        pages.enter();
        for (int p = 0; p < 4; p++) {
            assertEquals(OLD + p, load(pages, (long) p * PAGE + 8));
            assertEquals(GuestPages.READ, right(pages, p), "faulted back clean: loads only");
        }
        store(pages, 8, NEW);
        assertEquals(GuestPages.WRITE, right(pages, 0), "the first store made it writable");
        assertEquals(NEW, load(pages, 8));
        assertTrue(directory.residencyStats().bytesFaulted() >= 4L * PAGE);
    }

    /**
     * Invariant: pages discarded (as a grow does for the pages it adds) read as zero, lose their
     * right, and never bring back their old bytes, even when they had been spilled.
     */
    @Test
    void discardedPagesReadZeroEvenAfterTheyWereSpilled() throws Exception {
        GuestPages pages = directory.createGuestMemory("m", 4L * PAGE);
        store(pages, 8, OLD);
        store(pages, PAGE + 8, OLD);
        pages.region().spill(); // by the sole occupant
        pages.discard(0, PAGE);
        assertEquals(GuestPages.NONE, right(pages, 0));
        assertEquals(0L, load(pages, 8));
        assertEquals(OLD, load(pages, PAGE + 8));
        store(pages, PAGE + 8, NEW);
        pages.discard(PAGE, PAGE); // resident and modified
        assertEquals(0L, load(pages, PAGE + 8));
    }

    /**
     * The race between a memory's sole occupant taking its own pages away ({@link Region#spill()}
     * by the occupant skips the gate other threads pass, as its faults do when they evict the
     * memory's own pages) and a second thread entering the memory at that moment. Invariant: the
     * entering thread reads the value stored before, and the value it stores survives; a thread
     * that has entered never loses a store or reads a page that is being taken away.
     */
    @Test
    void aSecondThreadEnteringWhileTheSoleOccupantSpillsLosesNoStore() throws Exception {
        int rounds = Integer.getInteger("tvm.guest.race.rounds", 3000);
        CyclicBarrier start = new CyclicBarrier(2);
        GuestPages[] memory = {directory.createGuestMemory("m", PAGE)};
        memory[0].exit();
        int raced = 0;
        int stale = 0;
        int lost = 0;
        int corrupt = 0;
        for (int i = 0; i < rounds; i++) {
            GuestPages pages = memory[0];
            pages.enter();
            store(pages, 8, OLD);
            pages.exit();
            Future<Boolean> spiller = pool.submit(() -> {
                start.await();
                pages.enter();
                try {
                    pages.region().spill();
                    return true;
                } catch (TvmException.UnsupportedOperationTvmException e) {
                    return false; // it came second: it may not spill a memory another thread is in
                } finally {
                    pages.exit();
                }
            });
            Future<Long> entering = pool.submit(() -> {
                start.await();
                pages.enter();
                try {
                    long seen = load(pages, 8);
                    store(pages, 8, NEW);
                    return seen;
                } finally {
                    pages.exit();
                }
            });
            long seen = entering.get(1, TimeUnit.MINUTES);
            if (spiller.get(1, TimeUnit.MINUTES)) {
                raced++;
            }
            pages.enter();
            try {
                if (seen != OLD) {
                    stale++;
                }
                if (load(pages, 8) != NEW) {
                    lost++;
                }
                pages.exit();
            } catch (TvmException.SpillException e) {
                // the page went to the spill file torn by the concurrent store: it is gone for good
                corrupt++;
                pages.exit();
                directory.destroy(pages.region().ref());
                memory[0] = directory.createGuestMemory("m", PAGE);
                memory[0].exit();
            }
        }
        assertEquals(
                "0 stale, 0 lost, 0 corrupt",
                stale + " stale, " + lost + " lost, " + corrupt + " corrupt",
                "of " + rounds + " rounds (the sole occupant spilled in " + raced + ")");
    }
}
