package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Several threads use one directory at once, for a fixed number of iterations each: allocations,
 * frees, reads, writes, same- and cross-region copies and compactions, on two shared FREE_LIST
 * regions and on one region per thread. The invariants, each asserted:
 *
 * <ol>
 *   <li><b>No lost write.</b> Every allocation is owned by the thread that made it, which writes a
 *       pattern tagged with its thread number and a version and reads it back, while other threads
 *       compact the same shared regions (moving its bytes). Every read returns exactly the last
 *       pattern written; at the end every live allocation holds its last pattern.
 *   <li><b>New allocations read zero</b>, even when made while other threads compact the region.
 *   <li><b>No access after free succeeds.</b> After a thread frees a handle, every later access
 *       through it (read, write, load, store, free, size, copy) fails with {@link
 *       ErrorCode#STALE_HANDLE}: in the freeing thread right away, in other threads that learn of
 *       the free through a {@link ConcurrentLinkedQueue} (a happens-before edge), and at the end.
 *   <li><b>No handle is issued twice</b> across all threads.
 *   <li><b>No deadlock</b> between compactions (exclusive region locks) and cross-region copies in
 *       both directions (two shared locks). The run is wrapped in {@link
 *       org.junit.jupiter.api.Assertions#assertTimeoutPreemptively} with a generous bound purely as a
 *       deadlock guard; it is not a performance check.
 *   <li><b>Accounting:</b> afterwards each region's live allocation count and bytes equal what the
 *       threads still own there.
 * </ol>
 */
class ConcurrencyStressTest {
    static final int THREADS = 4;
    static final int ITERATIONS = 15_000;
    static final int MAX_OWNED = 120;

    /** An allocation owned by one thread, with the bytes it must hold. */
    static final class Owned {
        final long handle;
        final Region region;
        byte[] expected;

        Owned(long handle, Region region, int size) {
            this.handle = handle;
            this.region = region;
            this.expected = new byte[size];
        }
    }

    static byte[] pattern(int thread, long version, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (thread * 31L + version * 17 + i);
        }
        long tag = ((long) thread << 48) | version;
        for (int i = 0; i < Math.min(8, size); i++) {
            b[i] = (byte) (tag >>> (8 * i));
        }
        return b;
    }

    private RegionDirectory dir;
    private Region shared1;
    private Region shared2;
    private final Region[] own = new Region[THREADS];
    private final ConcurrentLinkedQueue<Long> freedQueue = new ConcurrentLinkedQueue<>();
    private final Set<Long> everIssued = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private final AtomicLong staleChecksByOthers = new AtomicLong();
    private final AtomicLong sharedCompactions = new AtomicLong();
    private final AtomicLong movedBySharedCompactions = new AtomicLong();
    private final AtomicLong crossCopies = new AtomicLong();
    private final AtomicLong verifiedReads = new AtomicLong();

    private final List<List<Owned>> owned = new ArrayList<>();
    private final List<List<Long>> freedBy = new ArrayList<>();

    static void expectStale(String what, Runnable op) {
        try {
            op.run();
        } catch (TvmException e) {
            if (e.code() != ErrorCode.STALE_HANDLE) {
                throw new AssertionError(
                        what + ": expected STALE_HANDLE but got " + e.code() + ": " + e.getMessage(), e);
            }
            return;
        }
        throw new AssertionError(what + " succeeded on a freed handle");
    }

    void checkStaleEverywhere(long h, Owned scratch, Random rnd) {
        byte[] buf = new byte[8];
        switch (rnd.nextInt(7)) {
            case 0:
                expectStale("read", () -> dir.read(h, 0, MemorySegment.ofArray(buf), 0, 1));
                break;
            case 1:
                expectStale("write", () -> dir.write(h, 0, MemorySegment.ofArray(buf), 0, 1));
                break;
            case 2:
                expectStale("getLong", () -> dir.getInt(h, 0));
                break;
            case 3:
                expectStale("setLong", () -> dir.setInt(h, 0, -1));
                break;
            case 4:
                expectStale("free", () -> dir.free(h));
                break;
            case 5:
                expectStale("sizeOf", () -> dir.sizeOf(h));
                break;
            default:
                if (scratch != null) {
                    expectStale("copy from", () -> dir.copy(scratch.handle, 0, h, 0, 1));
                    expectStale("copy to", () -> dir.copy(h, 0, scratch.handle, 0, 1));
                } else {
                    expectStale("fill", () -> dir.fill(h, 0, 1, (byte) 1));
                }
                break;
        }
    }

    void verify(Owned o) {
        byte[] actual = new byte[o.expected.length];
        dir.read(o.handle, 0, MemorySegment.ofArray(actual), 0, actual.length);
        assertArrayEquals(o.expected, actual, "lost or torn write in " + HandleCodec.describe(o.handle));
        verifiedReads.incrementAndGet();
    }

    void worker(int t, CyclicBarrier start) throws Exception {
        Random rnd = new Random(0xC0FFEE + t);
        List<Owned> mine = owned.get(t);
        List<Long> freed = freedBy.get(t);
        Region[] choices = {shared1, shared2, own[t]};
        long version = 0;
        start.await();
        for (int i = 0; i < ITERATIONS; i++) {
            int p = rnd.nextInt(100);
            if (mine.isEmpty() || (p < 22 && mine.size() < MAX_OWNED)) {
                Region r = choices[rnd.nextInt(choices.length)];
                int size = 1 + rnd.nextInt(rnd.nextBoolean() ? 64 : 2048);
                long h = r.allocate(size);
                assertTrue(everIssued.add(h), "handle issued twice: " + HandleCodec.describe(h));
                Owned o = new Owned(h, r, size);
                verify(o); // reads zero
                o.expected = pattern(t, ++version, size);
                dir.write(h, 0, MemorySegment.ofArray(o.expected), 0, size);
                mine.add(o);
            } else if (p < 45) {
                Owned o = mine.get(rnd.nextInt(mine.size()));
                byte[] next = pattern(t, ++version, o.expected.length);
                if (rnd.nextBoolean() || next.length < 8) {
                    dir.write(o.handle, 0, MemorySegment.ofArray(next), 0, next.length);
                } else {
                    // word by word, so the stores interleave with other threads' compactions
                    MemorySegment src = MemorySegment.ofArray(next);
                    int k = 0;
                    for (; k + 8 <= next.length; k += 8) {
                        dir.setLong(o.handle, k, src.get(Region.I64, k));
                    }
                    if (k < next.length) {
                        dir.write(o.handle, k, src, k, next.length - k);
                    }
                }
                o.expected = next;
            } else if (p < 70) {
                verify(mine.get(rnd.nextInt(mine.size())));
            } else if (p < 80) {
                Owned o = mine.remove(rnd.nextInt(mine.size()));
                dir.free(o.handle);
                checkStaleEverywhere(o.handle, null, rnd);
                expectStale("getLong right after free", () -> dir.getLong(o.handle, 0));
                freed.add(o.handle);
                freedQueue.add(o.handle);
            } else if (p < 86) {
                for (int k = 0; k < 3; k++) {
                    Long h = freedQueue.poll();
                    if (h == null) {
                        break;
                    }
                    checkStaleEverywhere(h, mine.get(rnd.nextInt(mine.size())), rnd);
                    staleChecksByOthers.incrementAndGet();
                    freedQueue.add(h);
                }
            } else if (p < 89) {
                Region r = rnd.nextInt(3) == 0 ? own[t] : (rnd.nextBoolean() ? shared1 : shared2);
                try {
                    CompactionResult c = r.compact();
                    if (r != own[t]) {
                        sharedCompactions.incrementAndGet();
                        movedBySharedCompactions.addAndGet(c.allocationsMoved());
                    }
                } catch (TvmException e) {
                    if (e.code() != ErrorCode.UNSUPPORTED || r != own[t]) {
                        throw e;
                    }
                }
            } else {
                Owned src = mine.get(rnd.nextInt(mine.size()));
                Owned dst = mine.get(rnd.nextInt(mine.size()));
                int len = Math.min(src.expected.length, dst.expected.length);
                int srcOff = rnd.nextInt(src.expected.length - len + 1);
                int dstOff = rnd.nextInt(dst.expected.length - len + 1);
                dir.copy(dst.handle, dstOff, src.handle, srcOff, len);
                byte[] next = dst.expected.clone();
                System.arraycopy(src.expected, srcOff, next, dstOff, len);
                dst.expected = next;
                if (src.region != dst.region) {
                    crossCopies.incrementAndGet();
                }
                if (rnd.nextInt(4) == 0) {
                    verify(dst);
                }
            }
        }
        for (Owned o : mine) {
            verify(o);
        }
    }

    void run() throws Exception {
        RegionSpec sharedSpec = RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(16 << 20);
        try (RegionDirectory d = RegionDirectory.builder().build()) {
            dir = d;
            shared1 = d.create(sharedSpec.withName("shared-1"));
            shared2 = d.create(sharedSpec.withName("shared-2"));
            RegionKind[] ownKinds = {RegionKind.HOT_HEAP, RegionKind.BLOB_ARENA, RegionKind.OBJECT_ARENA};
            for (int t = 0; t < THREADS; t++) {
                own[t] = d.create(RegionSpec.of(ownKinds[t % ownKinds.length])
                        .withCapacity(16 << 20)
                        .withName("own-" + t));
                owned.add(new ArrayList<>());
                freedBy.add(new ArrayList<>());
            }
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                Thread th = new Thread(
                        () -> {
                            try {
                                worker(id, start);
                            } catch (Throwable e) {
                                errors.add(e);
                                start.reset();
                            }
                        },
                        "stress-" + t);
                th.setDaemon(true);
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
            if (!errors.isEmpty()) {
                AssertionError failure = new AssertionError("a worker failed", errors.peek());
                errors.stream().skip(1).forEach(failure::addSuppressed);
                throw failure;
            }

            // Every live allocation holds its last written pattern; every freed handle is stale.
            long inShared1 = 0;
            long bytesShared1 = 0;
            for (int t = 0; t < THREADS; t++) {
                long inOwn = 0;
                for (Owned o : owned.get(t)) {
                    verify(o);
                    if (o.region == shared1) {
                        inShared1++;
                        bytesShared1 += o.expected.length;
                    } else if (o.region == own[t]) {
                        inOwn++;
                    }
                }
                assertEquals(inOwn, own[t].stats().liveAllocations(), "live allocations of own-" + t);
                Random rnd = new Random(t);
                for (long h : freedBy.get(t)) {
                    checkStaleEverywhere(h, null, rnd);
                }
            }
            assertEquals(inShared1, shared1.stats().liveAllocations());
            assertEquals(bytesShared1, shared1.stats().liveBytes());

            assertTrue(sharedCompactions.get() >= 500, "shared compactions " + sharedCompactions);
            assertTrue(movedBySharedCompactions.get() > 1000, "compactions moved " + movedBySharedCompactions);
            assertTrue(crossCopies.get() >= 1000, "cross-region copies " + crossCopies);
            assertTrue(staleChecksByOthers.get() >= 1000, "stale checks by other threads " + staleChecksByOthers);
            assertTrue(verifiedReads.get() >= 10_000, "verified reads " + verifiedReads);
            System.out.println("ConcurrencyStressTest: " + THREADS + " threads x " + ITERATIONS + " iterations; "
                    + sharedCompactions + " shared compactions moved " + movedBySharedCompactions + " allocations; "
                    + crossCopies + " cross-region copies; " + staleChecksByOthers + " stale checks by other threads; "
                    + verifiedReads + " verified reads");
        }
    }

    @Test
    void concurrentUseKeepsTheInvariants() {
        assertTimeoutPreemptively(
                Duration.ofSeconds(60), this::run, "deadlock guard (generous bound, not a speed check)");
    }
}
