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
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * A region reset (every handle stale, memory released) and reallocated while another thread
 * loads through a handle from before the reset. r1: 1 OLD, 2 NEW, 3 zero, 4 garbage, or the
 * error code.
 */
@JCStressTest
@Description("reset + realloc vs. a load through a handle from before the reset")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "the load ran before the reset: the old value")
@Outcome(id = "-4", expect = ACCEPTABLE, desc = "the load ran after the reset: STALE_HANDLE")
@Outcome(id = "2", expect = FORBIDDEN, desc = "the stale handle read the next allocation's value")
@Outcome(id = "3", expect = FORBIDDEN, desc = "the stale handle read released (zeroed) memory")
@Outcome(id = "4", expect = FORBIDDEN, desc = "garbage")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class ResetVsLoadTest {
    private final Region region = Tvm.hotHeap();
    private final long handle = region.allocate(8);

    public ResetVsLoadTest() {
        region.setLong(handle, 0, Tvm.OLD);
    }

    @Actor
    public void resetter() {
        region.reset();
        region.setLong(region.allocate(8), 0, Tvm.NEW);
    }

    @Actor
    public void reader(I_Result r) {
        try {
            r.r1 = Tvm.classify(Tvm.DIR.getLong(handle, 0));
        } catch (RuntimeException e) {
            r.r1 = Tvm.code(e);
        }
    }

    @Arbiter
    public void cleanup(I_Result r) {
        Tvm.destroyQuietly(region);
    }
}
