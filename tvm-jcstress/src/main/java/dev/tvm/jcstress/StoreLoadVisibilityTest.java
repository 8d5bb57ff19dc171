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
 * A store that returned before a volatile flag was raised is seen by a load made after the flag
 * was seen (happens-before through the host's own synchronization): the optimistic load path
 * must not return an older value. r1: the flag. r2: the loaded value (0 or 42).
 */
@JCStressTest
@Description("store, then a volatile flag; a load after seeing the flag sees the store")
@Outcome(
        id = {"0, 0", "0, 42", "1, 42"},
        expect = ACCEPTABLE,
        desc = "ordered")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "the flag was seen but the store, which returned before it, was not")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class StoreLoadVisibilityTest {
    private final Region region = Tvm.hotHeap();
    private final long handle = region.allocate(8);
    private volatile int ready;

    @Actor
    public void writer() {
        Tvm.DIR.setLong(handle, 0, 42);
        ready = 1;
    }

    @Actor
    public void reader(II_Result r) {
        r.r1 = ready;
        r.r2 = (int) Tvm.DIR.getLong(handle, 0);
    }

    @Arbiter
    public void cleanup(II_Result r) {
        Tvm.destroyQuietly(region);
    }
}
