package dev.tvm.core.residency;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * A lossy, bounded, striped buffer of access records ({@code long} keys) between the hot path and
 * the {@link EvictionPolicy}, after the read buffer of Caffeine.
 *
 * <h2>Why policy work stays off the hot path</h2>
 *
 * A hit must cost the guest almost nothing, while a policy update (a list move, a sketch
 * increment) touches shared structures that need one lock. Taking that lock on every hit would
 * serialize every guest thread of every region on it — the very contention that per-region locks
 * avoid. So a hit only appends its key here, to a stripe chosen by the thread; the residency
 * manager drains the records into {@link EvictionPolicy#recordAccess} in batches, under the
 * policy lock, when it holds it anyway (a fault, an eviction) or when a stripe fills. Policies
 * only need a sample of the accesses: frequencies are estimates and recency is approximate anyway,
 * so dropping records when a stripe is full costs a little accuracy, never correctness (a dropped
 * record can never make a key resident or non-resident).
 *
 * <h2>Hot path</h2>
 *
 * {@link #offer} reads its stripe's tail and the slot it points at (opaque reads), and if the
 * slot is free stores the key into it and advances the tail: two opaque stores to the stripe's
 * own cache lines (touched by no other stripe's writers), the key store being the one that
 * publishes the record. No lock, no CAS, no fence, no allocation. If the slot is taken the stripe is full: the record is
 * dropped, counted with one atomic add, and {@code offer} returns {@code false} — a hint that the
 * manager should drain soon.
 *
 * <h2>Draining</h2>
 *
 * {@link #drainTo} visits every slot of every stripe once (oldest first within a stripe, unless a
 * writer races the drain) and takes each record with an atomic exchange, so a record is delivered at most once and a drain
 * ends even while writers keep offering. One drainer at a time: call it under the policy lock.
 *
 * <h2>What is guaranteed</h2>
 *
 * <ul>
 *   <li>Only offered keys are delivered, and never more often than they were offered (no
 *       duplicates, no invented or torn keys).
 *   <li>{@link #droppedCount()} is exact: every offer that returned {@code false} is counted.
 *   <li>{@code delivered + dropped <= offered}, where "delivered" counts the records drained so
 *       far ({@link #drainedCount()}).
 *   <li>If every stripe has at most one writing thread at a time, nothing else is lost: once the
 *       writers are quiescent and a final drain has run, {@code delivered + dropped == offered}.
 *   <li>When two threads that hash to the same stripe offer at the same instant, both may see the
 *       same free slot and one record overwrites the other, silently (that {@code offer} returns
 *       {@code true}) — the price of a CAS-free hot path, and harmless for a policy that samples
 *       accesses. The stripe count defaults to four per processor so that such collisions are
 *       rare; {@code AccessBufferTest} measures the loss with four threads forced onto one
 *       stripe.
 * </ul>
 *
 * The key {@code -1} ({@link EvictionPolicy#NO_KEY}) is reserved to mark free slots and cannot be
 * offered.
 */
public final class AccessBuffer {
    /** Slots per stripe by default (as Caffeine). */
    public static final int DEFAULT_SLOTS_PER_STRIPE = 16;

    private static final long EMPTY = EvictionPolicy.NO_KEY;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    // Layout of a stripe in data[] (longs): one cache line of header (tail, dropped), the ring,
    // then one line of padding, so stripes written by different cores share no cache line.
    private static final int TAIL = 0;
    private static final int DROPPED = 1;
    private static final int HEADER = 8;
    private static final int PADDING = 8;

    private final long[] data;
    private final int stripeMask;
    private final int slotMask;
    private final int stride;
    private long drained; // drainer only

    /** A buffer with {@link #defaultStripes()} stripes of {@value #DEFAULT_SLOTS_PER_STRIPE} slots. */
    public AccessBuffer() {
        this(defaultStripes(), DEFAULT_SLOTS_PER_STRIPE);
    }

    /**
     * @param stripes the number of stripes, a power of two (1..4096)
     * @param slotsPerStripe the records each stripe holds between drains, a power of two (1..4096)
     */
    public AccessBuffer(int stripes, int slotsPerStripe) {
        if (stripes < 1 || stripes > 4096 || Integer.bitCount(stripes) != 1) {
            throw new IllegalArgumentException("stripes must be a power of two in 1..4096: " + stripes);
        }
        if (slotsPerStripe < 1 || slotsPerStripe > 4096 || Integer.bitCount(slotsPerStripe) != 1) {
            throw new IllegalArgumentException("slotsPerStripe must be a power of two in 1..4096: " + slotsPerStripe);
        }
        this.stripeMask = stripes - 1;
        this.slotMask = slotsPerStripe - 1;
        this.stride = HEADER + slotsPerStripe + PADDING;
        this.data = new long[stripes * stride];
        for (int s = 0; s < stripes; s++) {
            int ring = s * stride + HEADER;
            Arrays.fill(data, ring, ring + slotsPerStripe, EMPTY);
        }
    }

    /** Four stripes per available processor, rounded up to a power of two, at most 256. */
    public static int defaultStripes() {
        int wanted = 4 * Runtime.getRuntime().availableProcessors();
        return Math.min(256, NodeLists.ceilingPowerOfTwo(wanted));
    }

    /**
     * Records an access to {@code key} from the calling thread, without blocking.
     *
     * @return {@code true} if the record was stored, {@code false} if the thread's stripe was full
     *     and the record was dropped (time to drain)
     * @throws IllegalArgumentException if {@code key} is {@code -1}
     */
    public boolean offer(long key) {
        return offer(key, stripeOf(Thread.currentThread()));
    }

    /** {@link #offer(long)} into a given stripe (tests pin threads to stripes with it). */
    boolean offer(long key, int stripe) {
        Keys.check(key);
        int base = (stripe & stripeMask) * stride;
        long tail = (long) LONGS.getOpaque(data, base + TAIL);
        int slot = base + HEADER + ((int) tail & slotMask);
        if ((long) LONGS.getOpaque(data, slot) != EMPTY) {
            // The record is discarded anyway; an atomic add keeps the count exact under
            // contention, so the drop count is a trustworthy pressure signal.
            LONGS.getAndAdd(data, base + DROPPED, 1L);
            return false;
        }
        LONGS.setOpaque(data, slot, key);
        LONGS.setOpaque(data, base + TAIL, tail + 1);
        return true;
    }

    /**
     * Delivers the buffered records to {@code consumer}, typically {@code
     * policy::recordAccess}, visiting each slot once. One drainer at a time (call it under the
     * policy lock); offers may run concurrently. If {@code consumer} throws, the records taken
     * before are delivered, the one it threw on is lost, and the rest stay buffered.
     *
     * @return the number of records delivered
     */
    public int drainTo(LongConsumer consumer) {
        int count = 0;
        try {
            for (int base = 0; base < data.length; base += stride) {
                long tail = (long) LONGS.getOpaque(data, base + TAIL);
                // From the tail round to just before it: oldest first, if the stripe is full.
                for (int i = 0; i <= slotMask; i++) {
                    int slot = base + HEADER + ((int) (tail + i) & slotMask);
                    if ((long) LONGS.getOpaque(data, slot) != EMPTY) {
                        long key = (long) LONGS.getAndSet(data, slot, EMPTY);
                        if (key != EMPTY) {
                            count++;
                            consumer.accept(key);
                        }
                    }
                }
            }
        } finally {
            drained += count;
        }
        return count;
    }

    /** Records dropped because a stripe was full (exact; a racy sum while writers run). */
    public long droppedCount() {
        long sum = 0;
        for (int base = 0; base < data.length; base += stride) {
            sum += (long) LONGS.getOpaque(data, base + DROPPED);
        }
        return sum;
    }

    /** Records delivered by {@link #drainTo} so far (read it where you drain). */
    public long drainedCount() {
        return drained;
    }

    /** The number of stripes. */
    public int stripes() {
        return stripeMask + 1;
    }

    /** Records each stripe holds between drains. */
    public int slotsPerStripe() {
        return slotMask + 1;
    }

    /** The stripe {@code thread} offers into: a hash of its id (platform or virtual). */
    int stripeOf(Thread thread) {
        long h = thread.threadId() * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & stripeMask;
    }
}
