package dev.tvm.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.tvm.core.HandleCodec;
import dev.tvm.core.Region;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two threads allocate in one region that has exactly one freed slot and block to reuse. r1: 1
 * if the handles differ. r2: 1 if the two allocations' bytes do not overlap. r3: 1 if their
 * (slot, generation) pairs differ.
 */
@JCStressTest
@Description("concurrent allocations competing for one reusable slot")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "distinct handles, slots and memory")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "both allocations got the same handle")
@Outcome(id = ".*, 0, .*", expect = FORBIDDEN, desc = "the two allocations overlap")
@Outcome(id = ".*, 0", expect = FORBIDDEN, desc = "the same slot and generation issued twice")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class ConcurrentAllocTest {
    private static final int SIZE = 16;

    private final Region region = Tvm.hotHeap();
    private long h1;
    private long h2;

    public ConcurrentAllocTest() {
        region.free(region.allocate(SIZE)); // one slot, one block on the free lists
    }

    @Actor
    public void alloc1() {
        h1 = region.allocate(SIZE);
    }

    @Actor
    public void alloc2() {
        h2 = region.allocate(SIZE);
    }

    @Arbiter
    public void check(III_Result r) {
        r.r1 = h1 != h2 ? 1 : 0;
        r.r2 = Math.abs(region.addressOf(h1) - region.addressOf(h2)) >= SIZE ? 1 : 0;
        boolean sameSlotGen =
                HandleCodec.slot(h1) == HandleCodec.slot(h2) && HandleCodec.slotGen(h1) == HandleCodec.slotGen(h2);
        r.r3 = sameSlotGen ? 0 : 1;
        Tvm.destroyQuietly(region);
    }
}
