package dev.tvm.core.residency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The buffer alone and under four writer threads with a concurrent drainer. Keys are unique per
 * offer ({@code thread << 40 | sequence}), so the test can tell every delivered record apart.
 *
 * <p>Invariants checked: only offered keys are delivered, each at most once; {@code delivered +
 * dropped <= offered} always; and {@code delivered + dropped == offered} exactly when each stripe
 * has one writer (the guarantee of a CAS-free hot path — see {@link AccessBuffer}).
 */
class AccessBufferTest {
    static final int THREADS = 4;
    static final int OFFERS_PER_THREAD = 1_000_000;

    @Test
    void deliversWhatWasOfferedOldestFirst() {
        AccessBuffer buffer = new AccessBuffer(1, 8);
        for (long k = 1; k <= 5; k++) {
            assertTrue(buffer.offer(k, 0));
        }
        List<Long> out = new ArrayList<>();
        assertEquals(5, buffer.drainTo(out::add));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), out);
        // Wrapped round the ring: still oldest first.
        for (long k = 6; k <= 13; k++) {
            assertTrue(buffer.offer(k, 0));
        }
        out.clear();
        buffer.drainTo(out::add);
        assertEquals(List.of(6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L), out);
        assertEquals(13, buffer.drainedCount());
        assertEquals(0, buffer.drainTo(k -> {
            throw new AssertionError("empty");
        }));
    }

    @Test
    void dropsAndCountsWhenAStripeIsFull() {
        AccessBuffer buffer = new AccessBuffer(2, 4);
        for (long k = 0; k < 4; k++) {
            assertTrue(buffer.offer(k, 0));
        }
        assertFalse(buffer.offer(99, 0));
        assertFalse(buffer.offer(98, 0));
        assertTrue(buffer.offer(7, 1)); // the other stripe has room
        assertEquals(2, buffer.droppedCount());
        long[] got = new long[5];
        int[] n = {0};
        assertEquals(5, buffer.drainTo(k -> got[n[0]++] = k));
        java.util.Arrays.sort(got);
        assertArrayEquals(new long[] {0, 1, 2, 3, 7}, got);
        assertTrue(buffer.offer(99, 0)); // room again
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new AccessBuffer(3, 16));
        assertThrows(IllegalArgumentException.class, () -> new AccessBuffer(4, 0));
        assertThrows(IllegalArgumentException.class, () -> new AccessBuffer(8192, 16));
        AccessBuffer buffer = new AccessBuffer();
        assertEquals(AccessBuffer.defaultStripes(), buffer.stripes());
        assertEquals(16, buffer.slotsPerStripe());
        assertThrows(IllegalArgumentException.class, () -> buffer.offer(-1));
    }

    /** One stripe per writer: exact accounting. */
    @Test
    void accountsExactlyWithOneWriterPerStripe() throws Exception {
        AccessBuffer buffer = new AccessBuffer(8, 16);
        Outcome outcome = hammer(buffer, t -> 2 * t + 1, 0);
        assertEquals(outcome.offered, outcome.delivered + buffer.droppedCount(), outcome.toString());
        assertTrue(outcome.delivered > 0 && buffer.droppedCount() > 0, "both paths exercised: " + outcome);
    }

    /**
     * Four writers on one stripe: records may be overwritten, the bound holds. Run twice: flat out
     * (the stripe is nearly always full, so almost everything is dropped) and paced (the drainer
     * keeps up, so writers often race for the same free slot).
     */
    @Test
    void neverOverDeliversWithWritersSharingAStripe() throws Exception {
        for (int pace : new int[] {0, 64}) {
            AccessBuffer buffer = new AccessBuffer(1, 16);
            Outcome outcome = hammer(buffer, t -> 0, pace);
            long lost = outcome.offered - outcome.delivered - buffer.droppedCount();
            assertTrue(lost >= 0, outcome.toString());
            System.out.printf(
                    "AccessBuffer, 4 writers on 1 stripe, pace %d: offered %,d, delivered %,d, dropped %,d,"
                            + " overwritten by races %,d%n",
                    pace, outcome.offered, outcome.delivered, buffer.droppedCount(), lost);
        }
    }

    /** Paced writers on their own stripes: exact as well, with few drops. */
    @Test
    void accountsExactlyWithPacedWriters() throws Exception {
        AccessBuffer buffer = new AccessBuffer(4, 16);
        Outcome outcome = hammer(buffer, t -> t, 64);
        assertEquals(outcome.offered, outcome.delivered + buffer.droppedCount(), outcome.toString());
    }

    /** The public, thread-hashed {@link AccessBuffer#offer(long)}: exact if the threads' stripes differ. */
    @Test
    void threadHashedStripes() throws Exception {
        AccessBuffer buffer = new AccessBuffer();
        Outcome outcome = hammer(buffer, null, 0);
        long accounted = outcome.delivered + buffer.droppedCount();
        assertTrue(accounted <= outcome.offered, outcome.toString());
        if (outcome.distinctStripes) {
            assertEquals(outcome.offered, accounted, outcome.toString());
        }
    }

    record Outcome(long offered, long delivered, boolean distinctStripes) {}

    /**
     * Four writers offer unique keys while a fifth thread drains in a loop (as the policy lock
     * holder would); then a final drain. Checks that every delivered key was offered and was
     * delivered once. {@code stripeOf} pins writer {@code t} to a stripe, or null for the public
     * thread-hashed path.
     */
    private static Outcome hammer(AccessBuffer buffer, IntUnaryOperator stripeOf, int pace) throws Exception {
        boolean[][] seen = new boolean[THREADS][OFFERS_PER_THREAD];
        long[] delivered = {0};
        AtomicReference<Throwable> failure = new AtomicReference<>();
        java.util.function.LongConsumer check = key -> {
            int thread = (int) (key >>> 40);
            int sequence = (int) (key & ((1L << 40) - 1));
            if (thread >= THREADS || sequence >= OFFERS_PER_THREAD) {
                throw new AssertionError("never offered: " + Long.toHexString(key));
            }
            if (seen[thread][sequence]) {
                throw new AssertionError("delivered twice: " + Long.toHexString(key));
            }
            seen[thread][sequence] = true;
            delivered[0]++;
        };
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread drainer = new Thread(() -> {
            try {
                start.await();
                while (writing.get()) {
                    if (buffer.drainTo(check) == 0) {
                        Thread.onSpinWait();
                    }
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        List<Thread> writers = new ArrayList<>();
        int[] stripes = new int[THREADS];
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            Thread writer = new Thread(() -> {
                try {
                    start.await();
                    long work = id + 1L;
                    for (int s = 0; s < OFFERS_PER_THREAD; s++) {
                        for (int p = 0; p < pace; p++) { // stand-in for the guest's own work
                            work ^= work << 13;
                            work ^= work >>> 7;
                            work ^= work << 17;
                        }
                        if (work == 0) {
                            throw new AssertionError(); // keeps the work from being optimized away
                        }
                        long key = (long) id << 40 | s;
                        if (stripeOf == null) {
                            buffer.offer(key);
                        } else {
                            buffer.offer(key, stripeOf.applyAsInt(id));
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            stripes[t] = stripeOf == null ? buffer.stripeOf(writer) : stripeOf.applyAsInt(t);
            writers.add(writer);
        }
        drainer.start();
        writers.forEach(Thread::start);
        start.countDown();
        for (Thread writer : writers) {
            writer.join();
        }
        writing.set(false);
        drainer.join();
        buffer.drainTo(check); // quiescent: the last records
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(delivered[0], buffer.drainedCount());
        boolean distinct = java.util.Arrays.stream(stripes).distinct().count() == THREADS;
        return new Outcome((long) THREADS * OFFERS_PER_THREAD, delivered[0], distinct);
    }
}
