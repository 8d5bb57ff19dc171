package dev.tvm.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.tvm.core.Region;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Compaction moves a live allocation (the hole before it closes) while another thread loads
 * from it optimistically. Handles stay valid across a move, so the load must always see the
 * value. r1: 1 if compaction moved it. r2: the concurrent load (1 the value, 3 zero, 4 garbage,
 * or an error code). r3: the value after the move (1 if intact).
 */
@JCStressTest
@Description("compaction moving an allocation vs. an optimistic load through its handle")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the load saw the value, before or after the move")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE_INTERESTING, desc = "compaction moved nothing")
@Outcome(id = ".*, 3, .*", expect = FORBIDDEN, desc = "the load read the hole (old place, released)")
@Outcome(id = ".*, 4, .*", expect = FORBIDDEN, desc = "the load read garbage (torn move)")
@Outcome(id = ".*, 0", expect = FORBIDDEN, desc = "the move lost the value")
@Outcome(expect = FORBIDDEN, desc = "any other outcome (a handle refused across a move)")
@State
public class CompactVsLoadTest {
    private final Region region = Tvm.hotHeap();
    private final long handle;

    public CompactVsLoadTest() {
        long hole = region.allocate(64);
        handle = region.allocate(8);
        region.setLong(handle, 0, Tvm.OLD);
        region.free(hole);
    }

    @Actor
    public void compactor(III_Result r) {
        r.r1 = region.compact().bytesMoved() > 0 ? 1 : 0;
    }

    @Actor
    public void reader(III_Result r) {
        try {
            r.r2 = Tvm.classify(Tvm.DIR.getLong(handle, 0));
        } catch (RuntimeException e) {
            r.r2 = Tvm.code(e);
        }
    }

    @Arbiter
    public void check(III_Result r) {
        r.r3 = region.getLong(handle, 0) == Tvm.OLD ? 1 : 0;
        Tvm.destroyQuietly(region);
    }
}
