package dev.tvm.core.residency;

import java.util.function.LongPredicate;

/**
 * W-TinyLFU: a small LRU admission window in front of a segmented-LRU main space, with a
 * frequency sketch deciding which of the two gets the room when a new key pushes the window's
 * oldest key out.
 *
 * <h2>Design</h2>
 *
 * After G. Einziger, R. Friedman and B. Manes, <i>TinyLFU: A Highly Efficient Cache Admission
 * Policy</i>, ACM Transactions on Storage 13(4), 2017 (doi:10.1145/3149371, arXiv:1512.00727), and
 * the way Ben Manes' Caffeine implements it ({@code BoundedLocalCache}, {@code FrequencySketch};
 * https://github.com/ben-manes/caffeine). An independent implementation over {@code long} keys.
 *
 * <ul>
 *   <li><b>Window</b> (LRU, 1% of the capacity to start with): every newly admitted key enters
 *       here, so a burst of new keys gets a short recency-based chance without disturbing main.
 *   <li><b>Main</b> (the rest), a segmented LRU: <i>probation</i> holds keys that came from the
 *       window and have not been hit since; a hit there promotes a key to <i>protected</i> (at most
 *       80% of main); protected overflow demotes its least recently used key back to probation.
 *   <li><b>Admission filter</b>: a 4-bit Count-Min {@link FrequencySketch} over all accesses,
 *       resident or not, halved every {@code 10 × capacity} increments so it forgets. When a
 *       victim is needed and the window is full, the window's LRU key (the <i>candidate</i>) and
 *       main's LRU key (the <i>victim</i>: probation first, then protected) duel: the candidate
 *       enters probation and the victim is evicted only if the candidate's estimated frequency is
 *       higher; otherwise the candidate is evicted. As in Caffeine, a warm candidate (frequency ≥
 *       6) that loses is still admitted with probability 1/128, so an attacker cannot keep hot
 *       keys out by colliding with them in the sketch (a seeded generator keeps runs
 *       reproducible).
 *   <li><b>Adaptive window</b> (by default; Caffeine's hill climbing): every {@code 10 ×
 *       capacity} accesses the window grows or shrinks by a decaying step, in whichever direction
 *       last raised the hit rate. A 1% window is right when popularity is stable (frequency wins);
 *       when new keys are hot at once and cool down with age (recency wins), a fixed 1% window
 *       loses badly to LRU, and the climber moves the window up to recover most of that. The
 *       price is some noise on stable workloads. {@code docs/eviction-policy.md} has the numbers.
 * </ul>
 *
 * Why this resists scans and loops: a one-time key has frequency ~1 and cannot displace a main
 * key that was used more than once lately, so a table scan passes through the window only; in a
 * loop larger than the cache every key ends up with the same frequency, ties go to the
 * incumbent, so main keeps its part of the loop and only the window churns, instead of LRU's 0%.
 *
 * <h2>Sizing and residency</h2>
 *
 * {@code capacity} is the number of keys the manager keeps resident (its memory budget in pages);
 * it sizes the window, protected segment and sketch. It is not enforced: the manager decides when
 * to call {@link #selectVictim}, normally just before admitting a key when the budget is full
 * (evict, then admit). While main has room, window overflow moves into probation without a duel
 * (the cache is filling up). If the manager admits more than {@code capacity} keys before
 * evicting, the excess waits in the window and later victims are settled one duel at a time.
 *
 * <p>Costs: O(1) per access and admission, O(1 + skipped keys) per victim, O(window step) once
 * per sample when adaptive; memory: about 45 bytes per resident key (node arrays and index, before
 * growth slack) plus 8 to 16 bytes per key of capacity (sketch).
 *
 * <p>Not thread-safe; see {@link EvictionPolicy}.
 */
public final class TinyLfuPolicy implements EvictionPolicy {
    /** The default share of the capacity given to the admission window. */
    public static final double DEFAULT_WINDOW_FRACTION = 0.01;

    /** The share of the main space that the protected segment may fill. */
    static final double PROTECTED_FRACTION = 0.80;

    /** Candidates at least this frequent may be admitted at random after losing (Caffeine: 6). */
    static final int HASH_FLOODING_THRESHOLD = 6;

    static final int WINDOW = 0;
    static final int PROBATION = 1;
    static final int PROTECTED = 2;

    /** Hill climbing: first step, in shares of the capacity (Caffeine: 6.25%). */
    static final double CLIMB_STEP_FRACTION = 0.0625;

    /** Hill climbing: each step is this much smaller than the last, so the window converges. */
    static final double CLIMB_STEP_DECAY = 0.98;

    /** Hill climbing: a hit-rate change this large means the workload changed: big steps again. */
    static final double CLIMB_RESTART_THRESHOLD = 0.05;

    /** Hill climbing: the window never grows beyond this share of the capacity. */
    static final double MAX_WINDOW_FRACTION = 0.80;

    private final NodeLists nodes;
    private final FrequencySketch sketch;
    private final int capacity;
    private final boolean adaptive;
    private int windowMax;
    private int mainMax;
    private int protectedMax;
    private long random;

    // Hill climbing (adaptive only).
    private double windowTarget;
    private double stepSize;
    private double previousHitRate;
    private int hitsInSample;
    private int missesInSample;
    private long adjustments;

    /**
     * A policy for {@code capacity} resident keys whose window starts at 1% and adapts by hill
     * climbing: {@code TinyLfuPolicy(capacity, DEFAULT_WINDOW_FRACTION, true)}.
     */
    public TinyLfuPolicy(int capacity) {
        this(capacity, DEFAULT_WINDOW_FRACTION, true);
    }

    /**
     * A policy for {@code capacity} resident keys whose window holds {@code windowFraction} of
     * them (at least one key).
     *
     * @param capacity the number of keys the manager keeps resident, at least 1
     * @param windowFraction 0..1, the window's share (its starting share, if adaptive); 0.01 suits
     *     frequency-skewed workloads, larger windows suit recency-skewed ones (new keys that are hot
     *     at once and cool down)
     * @param adaptive whether to adjust the window by hill climbing on the observed hit rate, as
     *     Caffeine does: every {@code 10 × capacity} accesses the window moves one step (6.25% of
     *     the capacity at first, shrinking by 2% per step; back to full size when the hit rate
     *     changes by 5 points) in the direction that last raised the hit rate, within 1 key ..
     *     80% of the capacity
     */
    public TinyLfuPolicy(int capacity, double windowFraction, boolean adaptive) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        if (!(windowFraction >= 0 && windowFraction <= 1)) {
            throw new IllegalArgumentException("windowFraction must be in 0..1: " + windowFraction);
        }
        this.capacity = capacity;
        this.adaptive = adaptive;
        this.nodes = new NodeLists(3, capacity);
        this.sketch = new FrequencySketch(capacity);
        this.random = 0x5DEECE66DL ^ capacity;
        this.stepSize = -CLIMB_STEP_FRACTION * capacity; // first step shrinks, as in Caffeine
        setWindowTarget(capacity * windowFraction);
    }

    @Override
    public void recordAccess(long key) {
        sketch.increment(key);
        int node = nodes.find(key);
        if (node != NodeLists.NIL) {
            onHit(node);
            if (adaptive) {
                hitsInSample++;
                climbIfSampled();
            }
        }
    }

    @Override
    public void admitted(long key) {
        Keys.check(key);
        sketch.increment(key);
        int node = nodes.find(key);
        if (node != NodeLists.NIL) {
            onHit(node);
            return;
        }
        nodes.addLast(key, WINDOW);
        if (adaptive) {
            missesInSample++;
            climbIfSampled();
        }
        // Filling up: window overflow enters main for free while main has room.
        while (nodes.size(WINDOW) > windowMax && mainSize() < mainMax) {
            nodes.moveToLast(nodes.first(WINDOW), PROBATION);
        }
    }

    @Override
    public void removed(long key) {
        int node = nodes.find(key);
        if (node != NodeLists.NIL) {
            nodes.remove(node);
        }
    }

    @Override
    public long selectVictim(LongPredicate evictable) {
        // Room in main (after removals): overflow moves in without a duel.
        while (nodes.size(WINDOW) > windowMax && mainSize() < mainMax) {
            nodes.moveToLast(nodes.first(WINDOW), PROBATION);
        }
        // The window is full (the usual case: evict-then-admit leaves it exactly at its target),
        // so the key about to be admitted pushes the window's LRU key out: it duels main's
        // victim now, and the loser makes the room. (Testing "over" instead of "full" here would
        // let the admission move the candidate into the room just made without a duel, and
        // the policy would degenerate to LRU: 0% on a loop.)
        if (nodes.size(WINDOW) >= windowMax) {
            int candidate = firstEvictable(WINDOW, evictable);
            int victim = firstEvictableInMain(evictable);
            if (candidate == NodeLists.NIL) {
                return evict(victim);
            }
            if (victim == NodeLists.NIL) {
                return evict(candidate);
            }
            if (admit(nodes.key(candidate), nodes.key(victim))) {
                nodes.moveToLast(candidate, PROBATION);
                return evict(victim);
            }
            return evict(candidate);
        }
        int victim = firstEvictableInMain(evictable);
        if (victim == NodeLists.NIL) {
            victim = firstEvictable(WINDOW, evictable);
        }
        return evict(victim);
    }

    @Override
    public int residentCount() {
        return nodes.size();
    }

    @Override
    public boolean isResident(long key) {
        return nodes.find(key) != NodeLists.NIL;
    }

    @Override
    public String name() {
        if (adaptive) {
            return "W-TinyLFU adaptive";
        }
        double percent = 100.0 * windowMax / capacity;
        String shown = percent == Math.rint(percent)
                ? Long.toString((long) percent)
                : String.format(java.util.Locale.ROOT, "%.2f", percent);
        return "W-TinyLFU " + shown + "% fixed";
    }

    /** The capacity the policy was sized for. */
    public int capacity() {
        return capacity;
    }

    /** The admission window's target size in keys. */
    public int windowCapacity() {
        return windowMax;
    }

    /** Whether the window adapts by hill climbing. */
    public boolean isAdaptive() {
        return adaptive;
    }

    /** How many times hill climbing has moved the window (diagnostics). */
    public long windowAdjustments() {
        return adjustments;
    }

    /** The protected segment's maximum size in keys. */
    public int protectedCapacity() {
        return protectedMax;
    }

    /** The sketch's estimate of {@code key}'s recent access count, 0..15 (diagnostics). */
    public int frequency(long key) {
        return sketch.frequency(key);
    }

    // ------------------------------------------------------------------ internals

    /** The segment {@code key} is in ({@link #WINDOW}, {@link #PROBATION}, {@link #PROTECTED}), or -1. */
    int segmentOf(long key) {
        int node = nodes.find(key);
        return node == NodeLists.NIL ? -1 : nodes.listOf(node);
    }

    /** The keys of a segment, least recently used first (tests; allocates). */
    long[] keysOf(int segment) {
        return nodes.keysOf(segment);
    }

    private void setWindowTarget(double target) {
        double most = Math.max(1, adaptive ? MAX_WINDOW_FRACTION * capacity : capacity);
        windowTarget = Math.max(1, Math.min(most, target));
        windowMax = (int) Math.max(1, Math.min(capacity, Math.round(windowTarget)));
        mainMax = capacity - windowMax;
        protectedMax = (int) Math.round(mainMax * PROTECTED_FRACTION);
        // A smaller main shrinks protected at once; the window and probation follow lazily (window
        // overflow moves to probation while main has room, a short window fills from admissions).
        while (nodes.size(PROTECTED) > protectedMax) {
            nodes.moveToLast(nodes.first(PROTECTED), PROBATION);
        }
    }

    /**
     * After Caffeine's {@code BoundedLocalCache.climb}: once a sample of {@code 10 × capacity}
     * accesses is complete, step the window in the direction that last improved the hit rate.
     */
    private void climbIfSampled() {
        int sample = hitsInSample + missesInSample;
        if (sample < sketch.sampleSize()) {
            return;
        }
        double hitRate = (double) hitsInSample / sample;
        double change = hitRate - previousHitRate;
        double amount = change >= 0 ? stepSize : -stepSize;
        stepSize = Math.abs(change) >= CLIMB_RESTART_THRESHOLD
                ? Math.copySign(CLIMB_STEP_FRACTION * capacity, amount)
                : CLIMB_STEP_DECAY * amount;
        previousHitRate = hitRate;
        hitsInSample = 0;
        missesInSample = 0;
        adjustments++;
        setWindowTarget(windowTarget + amount);
    }

    private int mainSize() {
        return nodes.size(PROBATION) + nodes.size(PROTECTED);
    }

    private void onHit(int node) {
        switch (nodes.listOf(node)) {
            case WINDOW -> nodes.moveToLast(node, WINDOW);
            case PROBATION -> {
                nodes.moveToLast(node, PROTECTED);
                if (nodes.size(PROTECTED) > protectedMax) {
                    nodes.moveToLast(nodes.first(PROTECTED), PROBATION);
                }
            }
            default -> nodes.moveToLast(node, PROTECTED);
        }
    }

    /** Whether the window's candidate should replace main's victim. */
    private boolean admit(long candidateKey, long victimKey) {
        int candidateFrequency = sketch.frequency(candidateKey);
        int victimFrequency = sketch.frequency(victimKey);
        if (candidateFrequency > victimFrequency) {
            return true;
        }
        if (candidateFrequency >= HASH_FLOODING_THRESHOLD) {
            return (nextRandom() & 127) == 0;
        }
        return false;
    }

    private int firstEvictableInMain(LongPredicate evictable) {
        int node = firstEvictable(PROBATION, evictable);
        return node != NodeLists.NIL ? node : firstEvictable(PROTECTED, evictable);
    }

    private int firstEvictable(int list, LongPredicate evictable) {
        for (int node = nodes.first(list); node != NodeLists.NIL; node = nodes.after(node)) {
            if (evictable.test(nodes.key(node))) {
                return node;
            }
        }
        return NodeLists.NIL;
    }

    private long evict(int node) {
        if (node == NodeLists.NIL) {
            return NO_KEY;
        }
        long key = nodes.key(node);
        nodes.remove(node);
        return key;
    }

    /** xorshift64: deterministic, so simulations and tests are reproducible. */
    private long nextRandom() {
        long x = random;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        random = x;
        return x;
    }
}
