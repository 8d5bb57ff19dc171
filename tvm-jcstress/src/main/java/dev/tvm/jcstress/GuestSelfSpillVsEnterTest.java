package dev.tvm.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.tvm.core.GuestPages;
import dev.tvm.jcstress.GuestEvictVsStoreTest.Guest;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The sole occupant of a guest memory takes its own pages away (a {@code Region.spill()} from
 * inside, which skips the gate other threads pass, as its faults do when they evict the memory's
 * own pages) while a second thread enters the memory. The entering actor loads (r1: 1 OLD, 3 zero)
 * and stores NEW; the occupant reports r2 = 1 if it spilled, 0 if refused; the arbiter loads
 * again (r3: 2 NEW, 1 OLD: the store was lost, -17 SPILL_CORRUPT: the page was written out torn).
 */
@JCStressTest
@Description("spill by the sole occupant vs. a thread entering: no store lost, no page torn")
@Outcome(
        id = {"1, 0, 2", "1, 1, 2"},
        expect = ACCEPTABLE,
        desc = "the load saw the old value and the store survived")
@Outcome(id = "3, .*", expect = FORBIDDEN, desc = "the entering thread read a page being taken away (zeros)")
@Outcome(id = ".*, 1", expect = FORBIDDEN, desc = "the store was lost: the old value came back")
@Outcome(id = ".*, -17", expect = FORBIDDEN, desc = "the page went to the spill file torn: checksum mismatch")
@Outcome(expect = FORBIDDEN, desc = "garbage, or an exception (its error code)")
@State
public class GuestSelfSpillVsEnterTest {
    private final GuestPages a = Guest.idleWithOld();

    @Actor
    public void occupant(III_Result r) {
        a.enter();
        try {
            r.r2 = Guest.trySpill(a); // alone inside: no gate
        } finally {
            a.exit();
        }
    }

    @Actor
    public void entering(III_Result r) {
        r.r1 = Guest.enterLoadStore(a);
    }

    @Arbiter
    public void check(III_Result r) {
        r.r3 = Guest.classifyLoad(a, 8);
        Guest.destroy(a);
    }
}
