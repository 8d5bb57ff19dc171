package dev.tvm.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.tvm.core.Region;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A region destroyed while another thread loads from it, through the {@link Region} object it
 * holds (the optimistic path, racing the unmapping) and then through the directory. The
 * destroyer raises a volatile flag once destroy has returned. r1: whether the reader saw the
 * flag before loading. r2, r3: 1 the value, 2 garbage, or the error code.
 */
@JCStressTest
@Description("region destroy vs. loads through the Region object and the directory")
@Outcome(
        id = {"0, 1, 1", "0, 1, -3", "0, -3, -3"},
        expect = ACCEPTABLE,
        desc = "loads before the destroy read the value; later ones fail with STALE_REGION")
@Outcome(id = "1, -3, -3", expect = ACCEPTABLE, desc = "destroy had returned: both loads refused")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "a load succeeded after destroy returned")
@Outcome(id = "1, .*, 1", expect = FORBIDDEN, desc = "a load succeeded after destroy returned")
@Outcome(id = ".*, -3, 1", expect = FORBIDDEN, desc = "the region came back to life after refusing a load")
@Outcome(
        id = {".*, 2, .*", ".*, 2"},
        expect = FORBIDDEN,
        desc = "a load read garbage (unmapped memory)")
@Outcome(expect = FORBIDDEN, desc = "any other outcome (-100: an exception that is not a TvmException)")
@State
public class DestroyVsLoadTest {
    private final Region region = Tvm.hotHeap();
    private final long handle = region.allocate(8);
    private volatile int destroyed;

    public DestroyVsLoadTest() {
        region.setLong(handle, 0, Tvm.OLD);
    }

    @Actor
    public void destroyer() {
        Tvm.DIR.destroy(region.ref());
        destroyed = 1;
    }

    @Actor
    public void reader(III_Result r) {
        r.r1 = destroyed;
        r.r2 = load(true);
        r.r3 = load(false);
    }

    private int load(boolean throughRegion) {
        try {
            long v = throughRegion ? region.getLong(handle, 0) : Tvm.DIR.getLong(handle, 0);
            return v == Tvm.OLD ? 1 : 2;
        } catch (RuntimeException e) {
            return Tvm.code(e);
        }
    }
}
