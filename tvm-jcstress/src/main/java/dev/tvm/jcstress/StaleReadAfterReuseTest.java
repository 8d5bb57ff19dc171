package dev.tvm.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.tvm.core.HandleCodec;
import dev.tvm.core.Region;
import java.lang.foreign.MemorySegment;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Use after free through the locked bulk-read path: 64 bytes of 0xAA are freed, the slot is
 * reused and filled with 0xBB, while another thread reads 64 bytes through the old handle. r1: 1
 * if the slot was reused. r2: 1 all 0xAA, 2 any 0xBB, 3 any zero, 4 anything else, or the error
 * code.
 */
@JCStressTest
@Description("free + realloc + fill vs. a bulk read through the stale handle")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the read ran before the free: the old bytes, whole")
@Outcome(id = "1, -4", expect = ACCEPTABLE, desc = "the read ran after the free: STALE_HANDLE")
@Outcome(id = "0, (1|-4)", expect = ACCEPTABLE_INTERESTING, desc = "the slot was not reused")
@Outcome(id = ".*, 2", expect = FORBIDDEN, desc = "the old handle read bytes of the new occupant")
@Outcome(id = ".*, 3", expect = FORBIDDEN, desc = "the old handle read the new occupant's zeroing")
@Outcome(id = ".*, 4", expect = FORBIDDEN, desc = "torn or garbage bytes")
@Outcome(expect = FORBIDDEN, desc = "any other outcome")
@State
public class StaleReadAfterReuseTest {
    private static final int LENGTH = 64;

    private final Region region = Tvm.hotHeap();
    private final long handle = region.allocate(LENGTH);
    private final byte[] buffer = new byte[LENGTH];

    public StaleReadAfterReuseTest() {
        region.fill(handle, 0, LENGTH, (byte) 0xAA);
    }

    @Actor
    public void reuser(II_Result r) {
        region.free(handle);
        long next = region.allocate(LENGTH);
        region.fill(next, 0, LENGTH, (byte) 0xBB);
        r.r1 = HandleCodec.slot(next) == HandleCodec.slot(handle) ? 1 : 0;
    }

    @Actor
    public void reader(II_Result r) {
        try {
            Tvm.DIR.read(handle, 0, MemorySegment.ofArray(buffer), 0, LENGTH);
            int result = 1;
            for (byte b : buffer) {
                if (b == (byte) 0xBB) {
                    result = 2;
                    break;
                } else if (b == 0) {
                    result = 3;
                } else if (b != (byte) 0xAA && result == 1) {
                    result = 4;
                }
            }
            r.r2 = result;
        } catch (RuntimeException e) {
            r.r2 = Tvm.code(e);
        }
    }

    @Arbiter
    public void cleanup(II_Result r) {
        Tvm.destroyQuietly(region);
    }
}
