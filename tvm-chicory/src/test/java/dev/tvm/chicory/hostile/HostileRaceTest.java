package dev.tvm.chicory.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TestGuests;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.chicory.TvmTrapException;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.RegionDirectory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Frees racing reads from other threads ({@code guests/src/hostile_racer.wat}): an owner guest
 * publishes allocations, several reader guests (one Chicory instance and one {@code TvmImports}
 * each, on their own threads, granted the owner's region) read them while the owner frees them
 * and reallocates the freed slots and bytes for new occupants. Every read either returns exactly
 * the published bytes or is refused (STALE_HANDLE, then STALE_REGION once the region is
 * destroyed); no read ever returns a byte of another allocation. Also: two tenants freeing the
 * same handles at once (each freed exactly once).
 */
class HostileRaceTest {
    private static final int READERS = 3;
    private static final int ROUNDS = 20;
    private static final int K = 64;
    private static final int SIZE = 256;

    private RegionDirectory dir;
    private ExecutorService pool;

    @BeforeEach
    void open() {
        dir = RegionDirectory.builder().build();
        pool = Executors.newFixedThreadPool(READERS);
    }

    @AfterEach
    void close() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        dir.close();
    }

    private TvmGuest guest(Engine engine) {
        return TvmGuest.builder(TestGuests.module("hostile_racer.wasm"), dir)
                .withEngine(engine)
                .build();
    }

    /** Copies the owner's published handle list into a reader's memory. */
    private static void share(TvmGuest owner, TvmGuest reader) {
        reader.instance().memory().write(0x8000, owner.instance().memory().readBytes(0x8000, 8 * K));
    }

    /**
     * What one reader saw during a round; a mixed pass read some handles before the owner freed
     * them and others after, so it overlapped the frees.
     */
    private record Seen(long goodReads, long mixedPasses, long goodLoads, long refusedLoads) {}

    /**
     * Runs the readers until {@code stop} is set, then one more pass each that must see every
     * handle refused. Any wrong byte or unexpected code fails the reader.
     */
    private List<Future<Seen>> startReaders(
            List<TvmGuest> readers, AtomicBoolean stop, CountDownLatch started, ErrorCode finalCode) {
        List<Future<Seen>> out = new ArrayList<>();
        for (TvmGuest reader : readers) {
            out.add(pool.submit(() -> {
                long good = 0;
                long mixed = 0;
                long loads = 0;
                long refusedLoads = 0;
                started.countDown();
                boolean last = false;
                while (!last) {
                    last = stop.get();
                    int refusedBefore = (int) reader.call("refused")[0];
                    long r = reader.call("verify", K, SIZE)[0];
                    assertTrue(r >= 0, "reader saw " + (r <= -2000 ? "code " + (r + 2000) : "wrong bytes") + ": " + r);
                    good += r;
                    if (r > 0 && reader.call("refused")[0] > refusedBefore) {
                        mixed++;
                    }
                    if (last) {
                        assertEquals(0, r, "a read succeeded after the owner's frees returned");
                        assertEquals(K, reader.call("refused")[0] - refusedBefore);
                        assertEquals(finalCode.code(), reader.tvm().lastError());
                    }
                    try {
                        long l = reader.call("verify_loads", K)[0];
                        assertEquals(K, l, "a load returned another allocation's bytes");
                        loads += K;
                    } catch (TvmTrapException refused) {
                        assertTrue(
                                refused.code() == ErrorCode.STALE_HANDLE || refused.code() == ErrorCode.STALE_REGION,
                                refused.getMessage());
                        refusedLoads++;
                    }
                }
                return new Seen(good, mixed, loads, refusedLoads);
            }));
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void freesRacingReadsNeverExposeAnotherAllocation(Engine engine) throws Exception {
        List<TvmGuest> readers = new ArrayList<>();
        try (TvmGuest owner = guest(engine)) {
            int region = (int) owner.call("owner_setup")[0];
            assertTrue(region > 0);
            for (int i = 0; i < READERS; i++) {
                TvmGuest reader = guest(engine);
                reader.tvm().grant(region);
                readers.add(reader);
            }
            long good = 0;
            long mixed = 0;
            long reused = 0;
            for (int round = 0; round < ROUNDS; round++) {
                assertEquals(K, owner.call("publish", K, SIZE)[0]);
                for (TvmGuest reader : readers) {
                    share(owner, reader);
                }
                AtomicBoolean stop = new AtomicBoolean();
                CountDownLatch started = new CountDownLatch(READERS);
                List<Future<Seen>> seen = startReaders(readers, stop, started, ErrorCode.STALE_HANDLE);
                assertTrue(started.await(30, TimeUnit.SECONDS));
                long r = owner.call("churn", K, SIZE)[0];
                stop.set(true);
                assertTrue(r >= 0, "churn failed: " + r);
                reused += r;
                for (Future<Seen> f : seen) {
                    Seen s = f.get(60, TimeUnit.SECONDS);
                    good += s.goodReads();
                    mixed += s.mixedPasses();
                }
                assertEquals(0, owner.call("release", K)[0]);
            }
            assertTrue(reused > ROUNDS * K / 2, "the frees' slots were reused: " + reused);
            assertTrue(good > 0, "some reads won the race");
            System.out.println("HostileRaceTest " + engine + ": " + good + " verified reads, " + mixed
                    + " passes overlapping the frees, " + reused + " slots reused");
            assertEquals(0, dir.region(region).stats().liveAllocations());

            // Last round: the owner destroys the whole region under the readers.
            assertEquals(K, owner.call("publish", K, SIZE)[0]);
            for (TvmGuest reader : readers) {
                share(owner, reader);
            }
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(READERS);
            List<Future<Seen>> seen = startReaders(readers, stop, started, ErrorCode.STALE_REGION);
            assertTrue(started.await(30, TimeUnit.SECONDS));
            assertEquals(0, owner.call("owner_destroy")[0]);
            stop.set(true);
            for (Future<Seen> f : seen) {
                f.get(60, TimeUnit.SECONDS);
            }
            HostUnharmed.assertHealthy(dir);
        } finally {
            for (TvmGuest reader : readers) {
                reader.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void twoTenantsFreeingTheSameHandlesFreeEachOnce(Engine engine) throws Exception {
        try (TvmGuest owner = guest(engine);
                TvmGuest other = guest(engine)) {
            int region = (int) owner.call("owner_setup")[0];
            other.tvm().grant(region);
            for (int round = 0; round < ROUNDS; round++) {
                assertEquals(K, owner.call("publish", K, SIZE)[0]);
                share(owner, other);
                CountDownLatch go = new CountDownLatch(1);
                Future<Long> theirs = pool.submit(() -> {
                    go.await();
                    return other.call("free_all", K)[0];
                });
                go.countDown();
                long mine = owner.call("free_all", K)[0];
                long them = theirs.get(60, TimeUnit.SECONDS);
                assertTrue(mine >= 0 && them >= 0, "unexpected code: " + mine + ", " + them);
                assertEquals(K, mine + them, "each handle freed exactly once");
                assertEquals(0, dir.region(region).stats().liveAllocations());
            }
            assertEquals(ROUNDS * K, dir.region(region).stats().frees());
            HostUnharmed.assertHealthy(dir);
        }
    }
}
