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
 * A thread entering a guest memory races another thread spilling it ({@code Region.spill()}, which
 * another thread may do only while the memory is idle). The entering actor loads the value (r1: 1
 * OLD, 3 zero, 4 garbage) and stores NEW; the spiller reports r2 = 1 if it spilled, 0 if it was
 * refused because a thread was inside; the arbiter loads again (r3: 2 NEW).
 */
@JCStressTest
@Description("enter vs. spill by another thread: an entered thread never loses a store or reads a page being taken")
@Outcome(
        id = {"1, 0, 2", "1, 1, 2"},
        expect = ACCEPTABLE,
        desc = "the load saw the old value and the store survived, whether the spill came first or was refused")
@Outcome(id = "3, .*", expect = FORBIDDEN, desc = "the entered thread read a page being taken away (zeros)")
@Outcome(id = ".*, 1", expect = FORBIDDEN, desc = "the store was lost: the old value came back")
@Outcome(expect = FORBIDDEN, desc = "garbage, or an exception (its error code)")
@State
public class GuestEnterVsSpillTest {
    private final GuestPages a = Guest.idleWithOld();

    @Actor
    public void entering(III_Result r) {
        r.r1 = Guest.enterLoadStore(a);
    }

    @Actor
    public void spiller(III_Result r) {
        r.r2 = Guest.trySpill(a);
    }

    @Arbiter
    public void check(III_Result r) {
        r.r3 = Guest.classifyLoad(a, 8);
        Guest.destroy(a);
    }
}
