package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store racing the eviction of the CLEAN page it writes to. The page was faulted in from its
 * slot and is unmodified, so an eviction that sees it CLEAN writes nothing; the store must turn it
 * DIRTY first or wait for the eviction and fault it back.
 *
 * <p>Invariant: after both threads finish, the page reads the stored value, every time (a lost
 * transition to DIRTY would bring back the old bytes from the slot).
 */
class CleanPageRaceTest {
    private static final int ROUNDS = 10_000;

    @TempDir
    Path spill;

    @Test
    void aStoreRacingTheEvictionOfItsCleanPageIsNeverLost() throws Exception {
        try (RegionDirectory d = RegionDirectory.builder()
                .withResidentBudget(4L << 20)
                .withSpillDirectory(spill)
                .build()) {
            RegionSpec spec = RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(1 << 20);
            Region r = d.create(spec.withPolicy(spec.policy().withSpillable(true)));
            long h = r.allocate(2 * 65536);
            CyclicBarrier start = new CyclicBarrier(2);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long[] value = new long[1];
            Thread evictor = new Thread(() -> {
                try {
                    for (int i = 0; i < ROUNDS; i++) {
                        start.await();
                        r.spill();
                        start.await();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            evictor.start();
            for (int i = 0; i < ROUNDS && failure.get() == null; i++) {
                r.spill();
                r.getLong(h, 8); // faulted back: CLEAN, with its slot
                value[0] = 1000L + i;
                start.await();
                r.setLong(h, i % 2 == 0 ? 0 : 65536, value[0]); // races the spill
                start.await();
                long got = r.getLong(h, i % 2 == 0 ? 0 : 65536);
                assertEquals(value[0], got, "round " + i + ": the store was lost to a clean eviction");
            }
            evictor.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertTrue(d.residencyStats().bytesEvictedClean() > 0, "pages were evicted clean");
            assertTrue(d.residencyStats().bytesFaulted() > 0, "pages were faulted back from their slots");
        }
    }
}
