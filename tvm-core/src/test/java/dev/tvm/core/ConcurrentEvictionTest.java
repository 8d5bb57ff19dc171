package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four threads write and re-read their own blocks in three shared spillable regions (free list,
 * slab and page allocators) whose total is several times the resident budget, so every access
 * races with evictions triggered by the others, and one thread also spills and compacts.
 *
 * <p>Invariants asserted:
 *
 * <ol>
 *   <li>No lost write: every read of a block returns the version its owner last wrote, and at the
 *       end every block holds its last version.
 *   <li>Resident bytes never exceed budget + slack at any observation.
 *   <li>No deadlock (the timeout is a deadlock guard, not a speed check).
 * </ol>
 */
class ConcurrentEvictionTest {
    private static final long BUDGET = 4L << 20;
    private static final int THREADS = 4;
    private static final int BLOCKS_PER_REGION = 24;
    private static final int BLOCK = 40 * 1024;
    private static final int ITERATIONS = 3000;

    @TempDir
    Path spillDir;

    private static void fill(byte[] buf, int thread, int region, int block, int version) {
        long seed = ((long) thread << 40) ^ ((long) region << 32) ^ ((long) block << 16) ^ version;
        new Random(seed).nextBytes(buf);
    }

    @Test
    void writesSurviveEvictionRacesAcrossThreads() {
        assertTimeoutPreemptively(Duration.ofMinutes(2), this::run);
    }

    private void run() throws Exception {
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(BUDGET)
                .withSpillDirectory(spillDir)
                .build()) {
            long limit = BUDGET + Math.max(4L * PageMap.PAGE_SIZE, BUDGET / 64);
            List<Region> regions = List.of(
                    dir.create(RegionSpec.of(RegionKind.HOT_HEAP)
                            .withPolicy(RegionKind.HOT_HEAP.defaultPolicy().withSpillable(true))),
                    dir.create(RegionSpec.of(RegionKind.OBJECT_ARENA)),
                    dir.create(RegionSpec.of(RegionKind.PAGE_STORE)));
            CyclicBarrier start = new CyclicBarrier(THREADS);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                Thread worker = new Thread(() -> {
                    try {
                        work(dir, regions, thread, start, limit);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                threads.add(worker);
                worker.start();
            }
            for (Thread worker : threads) {
                worker.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("a worker failed", failure.get());
            }
            ResidencyStats stats = dir.residencyStats();
            assertTrue(stats.bytesSpilled() > 0 && stats.faults() > 0, stats.toString());
            assertTrue(stats.peakResidentBytes() <= limit, stats.toString());
        }
    }

    private static void work(RegionDirectory dir, List<Region> regions, int thread, CyclicBarrier start, long limit)
            throws Exception {
        long[][] handles = new long[regions.size()][BLOCKS_PER_REGION];
        int[][] versions = new int[regions.size()][BLOCKS_PER_REGION];
        byte[] expected = new byte[BLOCK];
        byte[] actual = new byte[BLOCK];
        start.await();
        for (int r = 0; r < regions.size(); r++) {
            for (int b = 0; b < BLOCKS_PER_REGION; b++) {
                handles[r][b] = regions.get(r).allocate(BLOCK);
                fill(expected, thread, r, b, 0);
                dir.write(handles[r][b], 0, MemorySegment.ofArray(expected), 0, BLOCK);
            }
        }
        Random random = new Random(thread);
        for (int i = 0; i < ITERATIONS; i++) {
            int r = random.nextInt(regions.size());
            int b = random.nextInt(BLOCKS_PER_REGION);
            long h = handles[r][b];
            if (random.nextBoolean()) {
                int v = ++versions[r][b];
                fill(expected, thread, r, b, v);
                dir.write(h, 0, MemorySegment.ofArray(expected), 0, BLOCK);
            } else {
                fill(expected, thread, r, b, versions[r][b]);
                dir.read(h, 0, MemorySegment.ofArray(actual), 0, BLOCK);
                assertEquals(
                        java.util.Arrays.hashCode(expected),
                        java.util.Arrays.hashCode(actual),
                        "thread " + thread + " region " + r + " block " + b + " version " + versions[r][b]);
            }
            if (thread == 0 && i % 500 == 250) {
                regions.get(1).spill(); // an explicit demotion racing with the others' faults
            }
            if (thread == 1 && i % 700 == 350) {
                regions.get(0).compact(); // compaction faults everything in, under the budget
            }
            long resident = dir.residencyStats().residentBytes();
            assertTrue(resident <= limit, "resident " + resident + " > " + limit);
        }
        for (int r = 0; r < regions.size(); r++) {
            for (int b = 0; b < BLOCKS_PER_REGION; b++) {
                fill(expected, thread, r, b, versions[r][b]);
                dir.read(handles[r][b], 0, MemorySegment.ofArray(actual), 0, BLOCK);
                assertEquals(java.util.Arrays.hashCode(expected), java.util.Arrays.hashCode(actual), "final state");
            }
        }
    }
}
