package dev.tvm.core.residency;

import java.util.function.LongPredicate;

/**
 * CLOCK (second chance): resident keys sit on a circle with one reference bit each; a hit sets
 * the bit; to find a victim the hand sweeps the circle, clearing set bits, and takes the first
 * evictable key whose bit is clear. A newly admitted key is placed just behind the hand, so it is
 * examined last, with its bit clear: the fault was its first reference, a later hit earns it the
 * second chance. An LRU approximation whose hits cost one store instead of a list move (what
 * operating systems use for page frames), with the same blind spots as LRU: no frequency, no
 * scan resistance.
 *
 * <p>Keys that are not evictable are passed by the hand untouched (their bit is kept).
 *
 * <p>Not thread-safe; see {@link EvictionPolicy}.
 */
public final class ClockPolicy implements EvictionPolicy {
    private static final int CIRCLE = 0;

    private final NodeLists nodes;
    private int hand = NodeLists.NIL;

    /** @param expectedKeys the expected number of resident keys (a sizing hint, not a limit) */
    public ClockPolicy(int expectedKeys) {
        nodes = new NodeLists(1, expectedKeys);
    }

    @Override
    public void recordAccess(long key) {
        int node = nodes.find(key);
        if (node != NodeLists.NIL) {
            nodes.setFlag(node, true);
        }
    }

    @Override
    public void admitted(long key) {
        Keys.check(key);
        int node = nodes.find(key);
        if (node != NodeLists.NIL) {
            nodes.setFlag(node, true);
        } else if (hand == NodeLists.NIL) {
            hand = nodes.addLast(key, CIRCLE);
        } else {
            nodes.addBefore(key, hand);
        }
    }

    @Override
    public void removed(long key) {
        int node = nodes.find(key);
        if (node != NodeLists.NIL) {
            unlink(node);
        }
    }

    @Override
    public long selectVictim(LongPredicate evictable) {
        int size = nodes.size();
        // Two turns suffice: the first clears the bit of every evictable key it does not take,
        // so the second takes the first evictable key it meets.
        int node = hand;
        for (long steps = 2L * size; steps > 0; steps--) {
            long key = nodes.key(node);
            if (evictable.test(key)) {
                if (!nodes.flag(node)) {
                    hand = node;
                    unlink(node);
                    return key;
                }
                nodes.setFlag(node, false);
            }
            node = advance(node);
        }
        hand = size == 0 ? NodeLists.NIL : node;
        return NO_KEY;
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
        return "CLOCK";
    }

    private int advance(int node) {
        int n = nodes.after(node);
        return n == NodeLists.NIL ? nodes.first(CIRCLE) : n;
    }

    private void unlink(int node) {
        if (node == hand) {
            hand = nodes.size() == 1 ? NodeLists.NIL : advance(node);
        }
        nodes.remove(node);
    }
}
