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
 * Directory create/destroy races: one thread destroys region A and creates B, another creates C
 * (either may take A's id, under a new generation). r1: 1 if B's and C's references differ
 * from each other and from A's. r2: looking A's reference up afterwards (0 found, or the error
 * code). r3: 1 if B and C are both live and resolve to themselves.
 */
@JCStressTest
@Description("concurrent region create/destroy: references unique, a destroyed one never revives")
@Outcome(id = "1, -3, 1", expect = ACCEPTABLE, desc = "distinct references; A's is STALE_REGION")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "two regions share a reference, or A's came back")
@Outcome(id = ".*, 0, .*", expect = FORBIDDEN, desc = "the destroyed reference still resolves")
@Outcome(id = ".*, 0", expect = FORBIDDEN, desc = "a new region does not resolve to itself")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class CreateDestroyRefsTest {
    private final Region a = Tvm.hotHeap();
    private Region b;
    private Region c;

    @Actor
    public void destroyAndCreate() {
        Tvm.DIR.destroy(a.ref());
        b = Tvm.hotHeap();
    }

    @Actor
    public void create() {
        c = Tvm.hotHeap();
    }

    @Arbiter
    public void check(III_Result r) {
        r.r1 = b.ref() != c.ref() && b.ref() != a.ref() && c.ref() != a.ref() ? 1 : 0;
        try {
            Tvm.DIR.region(a.ref());
            r.r2 = 0;
        } catch (RuntimeException e) {
            r.r2 = Tvm.code(e);
        }
        boolean live = Tvm.DIR.region(b.ref()) == b && Tvm.DIR.region(c.ref()) == c;
        boolean idsDistinct = HandleCodec.regionId(b.ref()) != HandleCodec.regionId(c.ref());
        r.r3 = live && idsDistinct ? 1 : 0;
        Tvm.destroyQuietly(b);
        Tvm.destroyQuietly(c);
    }
}
