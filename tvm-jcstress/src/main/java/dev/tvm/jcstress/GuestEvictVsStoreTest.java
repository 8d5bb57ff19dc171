package dev.tvm.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.tvm.core.GuestPages;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.TvmException;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A guest memory's store made inside enter/exit survives the eviction of its page by another
 * thread's fault once the memory is idle. Actor 1 enters memory A, stores NEW over OLD and exits;
 * actor 2 enters its own memory B and writes one long into each of its 72 pages, more than the
 * 4 MiB budget alone, so its faults evict pages: its own (as sole occupant) and idle ones of other
 * memories, A's among them. The arbiter enters
 * A and loads: r1 the value (1 OLD, 2 NEW, 3 zero, 4 garbage), r2 whether A's page had been
 * evicted (1) or not (0) by then.
 */
@JCStressTest
@Description("guest store, exit, then eviction by another memory's fault: the store survives")
@Outcome(
        id = {"2, 0", "2, 1"},
        expect = ACCEPTABLE,
        desc = "the store is read back, from memory or faulted back from the spill file")
@Outcome(id = "1, .*", expect = FORBIDDEN, desc = "the store was lost: the old value came back")
@Outcome(id = "3, .*", expect = FORBIDDEN, desc = "the page came back as zeros")
@Outcome(expect = FORBIDDEN, desc = "garbage, or an exception (its error code)")
@State
public class GuestEvictVsStoreTest {
    /** Pages of memory B: 4.5 MiB, more than the budget. */
    private static final int B_PAGES = 72;

    private final GuestPages a = Guest.idleWithOld();
    private final GuestPages b = Guest.memory(B_PAGES);

    public GuestEvictVsStoreTest() {
        b.exit();
    }

    @Actor
    public void storer() {
        a.enter();
        try {
            Guest.store(a, 8, Tvm.NEW);
        } finally {
            a.exit();
        }
    }

    @Actor
    public void evicter() {
        b.enter();
        try {
            for (int p = 0; p < B_PAGES; p++) {
                Guest.store(b, (long) p * GuestPages.PAGE_SIZE, p);
            }
        } finally {
            b.exit();
        }
    }

    @Arbiter
    public void check(II_Result r) {
        r.r2 = Guest.right(a, 0) == GuestPages.NONE ? 1 : 0;
        r.r1 = Guest.classifyLoad(a, 8);
        Guest.destroy(a);
        Guest.destroy(b);
    }

    /**
     * Shared fixtures of the Guest* tests: one directory per forked JVM with the smallest budget
     * (4 MiB), so faults evict; and the
     * accessor protocol of {@link GuestPages} (check the page's right with acquire semantics,
     * fault when it is missing, then touch the bytes), as {@code SegmentMemory.paged} does.
     */
    static final class Guest {
        static final RegionDirectory DIR =
                RegionDirectory.builder().withResidentBudget(4L << 20).build();

        static {
            // Closing deletes the spill file. Without this, every jcstress fork left its spill file
            // (up to 8 GB) in java.io.tmpdir, enough to fill the disk over a few runs.
            Runtime.getRuntime().addShutdownHook(new Thread(DIR::close, "close-jcstress-directory"));
        }

        private static final VarHandle RIGHTS = MethodHandles.arrayElementVarHandle(byte[].class);
        private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

        private Guest() {}

        /** A new guest memory of {@code pages} 64 KiB pages, entered by the calling thread. */
        static GuestPages memory(int pages) {
            return DIR.createGuestMemory("jcstress", (long) pages * GuestPages.PAGE_SIZE);
        }

        static byte right(GuestPages pages, int page) {
            return (byte) RIGHTS.getAcquire(pages.accessTable(), page);
        }

        static long load(GuestPages pages, long at) {
            if (right(pages, (int) (at >>> 16)) == GuestPages.NONE) {
                pages.fault(at, Long.BYTES, false);
            }
            return pages.segment().get(LONG, at);
        }

        static void store(GuestPages pages, long at, long value) {
            if (right(pages, (int) (at >>> 16)) != GuestPages.WRITE) {
                pages.fault(at, Long.BYTES, true);
            }
            pages.segment().set(LONG, at, value);
        }

        /** Enters, loads and classifies the value ({@link Tvm#classify}), or the error code of a refusal. */
        static int classifyLoad(GuestPages pages, long at) {
            pages.enter();
            try {
                return Tvm.classify(load(pages, at));
            } catch (RuntimeException e) {
                return Tvm.code(e);
            } finally {
                pages.exit();
            }
        }

        /**
         * The entering actor of the races: enters, loads the value at 8 and classifies it (or the
         * error code of a refusal), stores NEW over it, exits.
         */
        static int enterLoadStore(GuestPages pages) {
            pages.enter();
            try {
                int seen = Tvm.classify(load(pages, 8));
                store(pages, 8, Tvm.NEW);
                return seen;
            } catch (RuntimeException e) {
                return Tvm.code(e);
            } finally {
                pages.exit();
            }
        }

        /** {@code Region.spill()} of the memory: 1 done, 0 refused because a thread was inside, else the error code. */
        static int trySpill(GuestPages pages) {
            try {
                pages.region().spill();
                return 1;
            } catch (TvmException.UnsupportedOperationTvmException inside) {
                return 0;
            } catch (RuntimeException e) {
                return Tvm.code(e);
            }
        }

        /** A memory of one page holding OLD at 8, idle. */
        static GuestPages idleWithOld() {
            GuestPages pages = memory(1);
            store(pages, 8, Tvm.OLD);
            pages.exit();
            return pages;
        }

        static void destroy(GuestPages pages) {
            Tvm.destroyQuietly(pages.region());
        }
    }
}
