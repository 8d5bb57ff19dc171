package dev.tvm.chicory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Memory;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.ResidencyStats;
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
 * Four compiled guest instances on four threads allocate, write and re-read blocks in three
 * regions they all share, through the raw ABI, while the directory's resident budget (a quarter of
 * the working set) keeps evicting and faulting pages under them.
 *
 * <p>Invariant: no write is lost — every read returns the version its writer last wrote, and at
 * the end every block holds its last version. The timeout is a deadlock guard only.
 */
class GuestEvictionStressTest {
    private static final long BUDGET = 4L << 20;
    private static final int GUESTS = 4;
    private static final int BLOCKS = 20; // per guest per region
    private static final int BLOCK = 50_000;
    private static final int ROUNDS = 600;
    private static final int BUF = 4096; // guest address of the transfer buffer

    @TempDir
    Path spill;

    private static byte[] pattern(int guest, int region, int block, int version) {
        byte[] b = new byte[BLOCK];
        new Random(((long) guest << 40) ^ ((long) region << 32) ^ ((long) block << 16) ^ version).nextBytes(b);
        return b;
    }

    @Test
    void noWriteIsLostWhileEvictionRuns() {
        assertTimeoutPreemptively(Duration.ofMinutes(3), this::run);
    }

    private void run() throws Exception {
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(BUDGET)
                .withSpillDirectory(spill)
                .build()) {
            List<Region> shared = List.of(
                    dir.create(RegionSpec.of(RegionKind.BLOB_ARENA)),
                    dir.create(RegionSpec.of(RegionKind.HOT_HEAP)
                            .withPolicy(RegionKind.HOT_HEAP.defaultPolicy().withSpillable(true))),
                    dir.create(RegionSpec.of(RegionKind.PAGE_STORE)));
            CyclicBarrier start = new CyclicBarrier(GUESTS);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int g = 0; g < GUESTS; g++) {
                int guest = g;
                Thread t = new Thread(() -> {
                    try (TvmGuest instance = TvmGuest.builder(TestGuests.module("fastpath.wasm"), dir)
                            .build()) {
                        for (Region r : shared) {
                            instance.tvm().grant(r.ref());
                        }
                        work(instance, shared, guest, start);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("a guest failed", failure.get());
            }
            ResidencyStats stats = dir.residencyStats();
            assertTrue(stats.bytesSpilled() > 0 && stats.faults() > 0, stats.toString());
            assertTrue(stats.peakResidentBytes() <= BUDGET + (256 << 10), stats.toString());
        }
    }

    private static void work(TvmGuest g, List<Region> shared, int guest, CyclicBarrier start) throws Exception {
        Memory memory = g.instance().memory();
        while ((long) memory.pages() * Memory.PAGE_SIZE < BUF + BLOCK) {
            memory.grow(1);
        }
        var alloc = g.function("abi_alloc");
        var write = g.function("abi_write");
        var read = g.function("abi_read");
        long[][] handles = new long[shared.size()][BLOCKS];
        int[][] versions = new int[shared.size()][BLOCKS];
        start.await();
        for (int r = 0; r < shared.size(); r++) {
            for (int b = 0; b < BLOCKS; b++) {
                handles[r][b] = alloc.apply(shared.get(r).ref(), BLOCK)[0];
                assertTrue(handles[r][b] != 0, "alloc failed: " + g.tvm().lastError());
                memory.write(BUF, pattern(guest, r, b, 0));
                assertEquals(0, write.apply(handles[r][b], 0, BUF, BLOCK)[0]);
            }
        }
        Random random = new Random(guest);
        for (int i = 0; i < ROUNDS; i++) {
            int r = random.nextInt(shared.size());
            int b = random.nextInt(BLOCKS);
            if (random.nextInt(3) == 0) {
                memory.write(BUF, pattern(guest, r, b, ++versions[r][b]));
                assertEquals(0, write.apply(handles[r][b], 0, BUF, BLOCK)[0]);
            } else {
                assertEquals(0, read.apply(handles[r][b], 0, BUF, BLOCK)[0]);
                assertArrayEquals(pattern(guest, r, b, versions[r][b]), memory.readBytes(BUF, BLOCK));
            }
        }
        for (int r = 0; r < shared.size(); r++) {
            for (int b = 0; b < BLOCKS; b++) {
                assertEquals(0, read.apply(handles[r][b], 0, BUF, BLOCK)[0]);
                assertArrayEquals(pattern(guest, r, b, versions[r][b]), memory.readBytes(BUF, BLOCK), "final");
            }
        }
    }
}
