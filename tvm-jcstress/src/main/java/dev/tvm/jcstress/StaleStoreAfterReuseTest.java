package dev.tvm.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.tvm.core.Region;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A store through a handle racing its free and the reuse of its slot: the store must land in the
 * old allocation (and be zeroed away by the reuse) or be refused; it must never reach the new
 * occupant. r1: 1 if the store succeeded, else its error code. r2: the new allocation's value
 * afterwards (0 zero, 1 the stale store's value, 2 other).
 */
@JCStressTest
@Description("free + realloc vs. a store through the stale handle")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the store ran before the free; the reuse zeroed it")
@Outcome(id = "-4, 0", expect = ACCEPTABLE, desc = "the store ran after the free: STALE_HANDLE")
@Outcome(id = ".*, 1", expect = FORBIDDEN, desc = "a store through the stale handle reached the new occupant")
@Outcome(id = ".*, 2", expect = FORBIDDEN, desc = "the new allocation holds garbage")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class StaleStoreAfterReuseTest {
    private static final long EVIL = 0x6666_6666_6666_6666L;

    private final Region region = Tvm.hotHeap();
    private final long handle = region.allocate(8);
    private long next;

    @Actor
    public void reuser() {
        region.free(handle);
        next = region.allocate(8);
    }

    @Actor
    public void writer(II_Result r) {
        try {
            Tvm.DIR.setLong(handle, 0, EVIL);
            r.r1 = 1;
        } catch (RuntimeException e) {
            r.r1 = Tvm.code(e);
        }
    }

    @Arbiter
    public void check(II_Result r) {
        long v = region.getLong(next, 0);
        r.r2 = v == 0 ? 0 : v == EVIL ? 1 : 2;
        Tvm.destroyQuietly(region);
    }
}
