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
 * The handle table's arrays grow (its 65th allocation copies them) while another thread loads
 * optimistically through the first and the last handle, reading the arrays without the lock.
 * r1, r2: 1 if each load saw its value, 4 garbage, or an error code.
 */
@JCStressTest
@Description("handle-table growth vs. optimistic loads of existing handles")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both loads saw their values")
@Outcome(expect = FORBIDDEN, desc = "a load read garbage or was refused while the table grew")
@State
public class TableGrowthVsLoadTest {
    private static final int INITIAL_SLOTS = 64; // HandleTable's first array length

    private final Region region = Tvm.hotHeap();
    private final long first;
    private final long last;

    public TableGrowthVsLoadTest() {
        long[] handles = new long[INITIAL_SLOTS];
        region.allocateBatch(8, INITIAL_SLOTS, handles, 0);
        first = handles[0];
        last = handles[INITIAL_SLOTS - 1];
        region.setLong(first, 0, Tvm.OLD);
        region.setLong(last, 0, Tvm.NEW);
    }

    @Actor
    public void grower() {
        region.allocate(8);
    }

    @Actor
    public void reader(II_Result r) {
        r.r1 = load(first, Tvm.OLD);
        r.r2 = load(last, Tvm.NEW);
    }

    private int load(long handle, long expected) {
        try {
            return Tvm.DIR.getLong(handle, 0) == expected ? 1 : 4;
        } catch (RuntimeException e) {
            return Tvm.code(e);
        }
    }

    @Arbiter
    public void cleanup(II_Result r) {
        Tvm.destroyQuietly(region);
    }
}
