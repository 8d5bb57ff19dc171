// Side measurement for bench-results/issue-2/README.md (not a JMH benchmark): how much of
// GuestAllocBench's per-object score is the amortized Region.reset(). Run with
//   java --enable-native-access=ALL-UNNAMED -cp tvm-bench/target/benchmarks.jar bench-results/issue-2/ResetCost.java
import dev.tvm.core.*;
public class ResetCost {
    public static void main(String[] a) {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region r = dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(16L << 20));
            long[] out = new long[256];
            for (int round = 0; round < 6; round++) {
                long tAlloc = 0, tReset = 0; int reps = 200;
                for (int k = 0; k < reps; k++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < 64 * 4096; i += 256) r.allocateBatch(32, 256, out, 0);
                    long t1 = System.nanoTime();
                    r.reset();
                    long t2 = System.nanoTime();
                    tAlloc += t1 - t0; tReset += t2 - t1;
                }
                double n = reps * 64.0 * 4096;
                System.out.printf("batch alloc %.2f ns/object, reset %.2f ns/object (%.0f us per reset of 256Ki)%n",
                        tAlloc / n, tReset / n, tReset / 1e3 / reps);
            }
        }
    }
}
