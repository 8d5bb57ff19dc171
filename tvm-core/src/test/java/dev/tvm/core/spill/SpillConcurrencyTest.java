package dev.tvm.core.spill;

import static dev.tvm.core.spill.SpillTestSupport.assertSameBytes;
import static dev.tvm.core.spill.SpillTestSupport.fill;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpillConcurrencyTest {
    private static final int PAGE = 4096;
    private static final int THREADS = 4;

    @TempDir
    Path dir;

    /** A run a worker owns: where it is, what it holds, its checksums. */
    private record Owned(long firstSlot, long seed, int pages, int[] crcs) {}

    /**
     * Four threads spill (directly, into their own runs, and through their own queues), read back,
     * verify and free, all at once on one file, while a fifth takes stats and snapshots. Every
     * thread checks its own pages at every step and at the end; the allocator must agree with the
     * sum of what the threads hold.
     */
    @Test
    void concurrentWritersAndReadersOnDisjointRuns() throws Exception {
        try (SpillFile file = SpillFile.create(dir.resolve("s"), PAGE)) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            CountDownLatch start = new CountDownLatch(1);
            AtomicBoolean done = new AtomicBoolean();
            List<Future<List<Owned>>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                workers.add(pool.submit(() -> work(file, id, start)));
            }
            Future<Integer> observer = pool.submit(() -> {
                start.await();
                int snapshots = 0;
                while (!done.get()) {
                    SpillStats s = file.stats();
                    assertTrue(s.slotsInUse() + s.freeSlots() == s.slotCount(), s.toString());
                    file.writeMetadata(new byte[] {(byte) snapshots});
                    snapshots++;
                    Thread.sleep(5);
                }
                return snapshots;
            });
            start.countDown();
            List<Owned> all = new ArrayList<>();
            for (Future<List<Owned>> w : workers) {
                all.addAll(w.get(60, TimeUnit.SECONDS));
            }
            done.set(true);
            assertTrue(observer.get(60, TimeUnit.SECONDS) > 0);
            pool.shutdown();

            long held = 0;
            try (Arena arena = Arena.ofConfined()) {
                for (Owned o : all) {
                    held += o.pages();
                    verify(file, arena, o);
                }
            }
            SpillStats s = file.stats();
            assertEquals(held, s.slotsInUse(), "allocator agrees with what the threads hold: " + s);
            assertEquals(0, s.ioErrors());
            assertEquals(0, s.corruptions());
        }
    }

    private static List<Owned> work(SpillFile file, int id, CountDownLatch start) throws InterruptedException {
        Random random = new Random(id);
        List<Owned> owned = new ArrayList<>();
        SpillQueue queue = file.newQueue();
        start.await();
        try (Arena arena = Arena.ofConfined()) {
            for (int step = 0; step < 300; step++) {
                long seed = ((long) id << 32) | step;
                int op = random.nextInt(10);
                if (op < 4) {
                    int pages = 1 + random.nextInt(8);
                    MemorySegment src = arena.allocate((long) pages * PAGE);
                    fill(src, seed);
                    SpillRun run = file.spill(src);
                    owned.add(new Owned(run.firstSlot(), seed, pages, run.crcs()));
                } else if (op < 6) {
                    int pages = 1 + random.nextInt(16);
                    for (int i = 0; i < pages; i++) {
                        MemorySegment p = arena.allocate(PAGE);
                        fill(p, seed * 64 + i);
                        queue.submit(p);
                    }
                    SpillRun run = queue.flush();
                    for (int i = 0; i < pages; i++) {
                        owned.add(new Owned(run.slot(i), seed * 64 + i, 1, new int[] {run.crc(i)}));
                    }
                } else if (op < 8 && !owned.isEmpty()) {
                    verify(file, arena, owned.get(random.nextInt(owned.size())));
                } else if (!owned.isEmpty()) {
                    Owned o = owned.remove(random.nextInt(owned.size()));
                    verify(file, arena, o);
                    file.freeRun(o.firstSlot(), o.pages());
                }
            }
            for (Owned o : owned) {
                verify(file, arena, o);
            }
        }
        return owned;
    }

    private static void verify(SpillFile file, Arena arena, Owned o) {
        MemorySegment expected = arena.allocate((long) o.pages() * PAGE);
        fill(expected, o.seed());
        MemorySegment dst = arena.allocate((long) o.pages() * PAGE);
        file.readRun(o.firstSlot(), dst, o.crcs(), 0, "run at slot " + o.firstSlot());
        assertSameBytes(expected, dst);
    }
}
