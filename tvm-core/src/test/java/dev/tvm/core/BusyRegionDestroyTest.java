package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Destroying a region that another thread holds locked waits for it without holding the
 * directory's lock: other regions are created and destroyed meanwhile (issue 11: a region lock
 * left held by one tenant used to block every tenant's create and destroy behind it).
 */
class BusyRegionDestroyTest {
    @Test
    void destroyingABusyRegionDoesNotHoldUpTheRestOfTheDirectory() throws Exception {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region busy = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(1 << 20));
            long stamp = busy.lockForSnapshot(); // held exclusively, as by a long compaction
            CompletableFuture<Void> destroying = CompletableFuture.runAsync(() -> dir.destroy(busy.ref()));
            try {
                assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                    for (int i = 0; i < 100; i++) {
                        Region other =
                                dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(1 << 16));
                        dir.destroy(other.ref());
                    }
                });
                assertFalse(destroying.isDone(), "the destroy waits for the busy region");
            } finally {
                busy.unlockAfterEviction(stamp);
            }
            destroying.get(30, TimeUnit.SECONDS);
            assertEquals(0, dir.regionCount());
            assertTrue(dir.list().isEmpty());
        }
    }
}
