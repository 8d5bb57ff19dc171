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
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Message passing through region memory only: data stored, then a flag stored in another
 * allocation; the reader loads the flag, then the data. Region stores take the lock shared, so
 * the API does not promise this ordering between two threads that only share the region; "1, 0"
 * is therefore interesting, not forbidden (guests that need it synchronize otherwise).
 */
@JCStressTest
@Description("message passing through two allocations, no other synchronization")
@Outcome(
        id = {"0, 0", "0, 1", "1, 1"},
        expect = ACCEPTABLE,
        desc = "ordered")
@Outcome(id = "1, 0", expect = ACCEPTABLE_INTERESTING, desc = "flag seen, data not: stores reordered")
@Outcome(expect = FORBIDDEN, desc = "garbage")
@State
public class RegionMessagePassingTest {
    private final Region region = Tvm.hotHeap();
    private final long data = region.allocate(8);
    private final long flag = region.allocate(8);

    @Actor
    public void writer() {
        region.setLong(data, 0, 1);
        region.setLong(flag, 0, 1);
    }

    @Actor
    public void reader(II_Result r) {
        r.r1 = (int) region.getLong(flag, 0);
        r.r2 = (int) region.getLong(data, 0);
    }

    @Arbiter
    public void cleanup(II_Result r) {
        Tvm.destroyQuietly(region);
    }
}
