package dev.tvm.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.tvm.core.HandleCodec;
import dev.tvm.core.Region;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Use after free through the optimistic load path: one thread frees an allocation and a new one
 * takes its slot and its bytes; another thread loads through the old handle. r1: 1 if the new
 * allocation reused the slot and the offset. r2: what the old handle loaded (1 OLD, 2 NEW, 3
 * zero, 4 garbage) or its error code.
 */
@JCStressTest
@Description("free + realloc of the same slot vs. an optimistic load through the stale handle")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the load ran before the free: the old value")
@Outcome(id = "1, -4", expect = ACCEPTABLE, desc = "the load ran after the free: STALE_HANDLE")
@Outcome(id = "0, (1|-4)", expect = ACCEPTABLE_INTERESTING, desc = "the slot was not reused")
@Outcome(id = ".*, 2", expect = FORBIDDEN, desc = "the old handle read the new occupant's bytes")
@Outcome(id = ".*, 3", expect = FORBIDDEN, desc = "the old handle read the new occupant's zeroing")
@Outcome(id = ".*, 4", expect = FORBIDDEN, desc = "the old handle read garbage")
@Outcome(expect = FORBIDDEN, desc = "any other outcome (e.g. -100: an exception that is not a TvmException)")
@State
public class StaleLoadAfterReuseTest {
    private final Region region = Tvm.hotHeap();
    private final long handle = region.allocate(8);
    private final long address;

    public StaleLoadAfterReuseTest() {
        region.setLong(handle, 0, Tvm.OLD);
        address = region.addressOf(handle);
    }

    @Actor
    public void reuser(II_Result r) {
        region.free(handle);
        long next = region.allocate(8);
        region.setLong(next, 0, Tvm.NEW);
        r.r1 = HandleCodec.slot(next) == HandleCodec.slot(handle) && region.addressOf(next) == address ? 1 : 0;
    }

    @Actor
    public void reader(II_Result r) {
        try {
            r.r2 = Tvm.classify(Tvm.DIR.getLong(handle, 0));
        } catch (RuntimeException e) {
            r.r2 = Tvm.code(e);
        }
    }

    @Arbiter
    public void cleanup(II_Result r) {
        Tvm.destroyQuietly(region);
    }
}
