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
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Two threads free the same handle. Exactly one succeeds; the other gets STALE_HANDLE. r1, r2:
 * 0 or the error code of each free. r3: live allocations afterwards. r4: whether two following
 * allocations got distinct memory (a double free would put one block on the free list twice).
 */
@JCStressTest
@Description("two concurrent frees of one handle")
@Outcome(
        id = {"0, -4, 0, 1", "-4, 0, 0, 1"},
        expect = ACCEPTABLE,
        desc = "exactly one free succeeded")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both frees succeeded (double free)")
@Outcome(id = "-4, -4, .*", expect = FORBIDDEN, desc = "neither free succeeded")
@Outcome(id = ".*, .*, .*, 0", expect = FORBIDDEN, desc = "the freed block was handed out twice")
@Outcome(expect = FORBIDDEN, desc = "any other outcome (wrong live count, unexpected error)")
@State
public class DoubleFreeTest {
    private final Region region = Tvm.hotHeap();
    private final long handle = region.allocate(16);

    @Actor
    public void free1(IIII_Result r) {
        try {
            region.free(handle);
        } catch (RuntimeException e) {
            r.r1 = Tvm.code(e);
        }
    }

    @Actor
    public void free2(IIII_Result r) {
        try {
            Tvm.DIR.free(handle);
        } catch (RuntimeException e) {
            r.r2 = Tvm.code(e);
        }
    }

    @Arbiter
    public void check(IIII_Result r) {
        r.r3 = (int) region.stats().liveAllocations();
        long a = region.allocate(16);
        long b = region.allocate(16);
        long distance = Math.abs(region.addressOf(a) - region.addressOf(b));
        r.r4 = a != b && distance >= 16 ? 1 : 0;
        Tvm.destroyQuietly(region);
    }
}
