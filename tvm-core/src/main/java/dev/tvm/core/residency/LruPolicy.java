package dev.tvm.core.residency;

import java.util.function.LongPredicate;

/**
 * Least recently used: one list in access order; the victim is the least recently used evictable
 * key. The baseline the other policies are measured against. It has no notion of frequency, so a
 * single scan larger than the cache flushes everything, and a loop slightly larger than the cache
 * misses on every access.
 *
 * <p>Not thread-safe; see {@link EvictionPolicy}.
 */
public final class LruPolicy implements EvictionPolicy {
    private static final int LIST = 0;

    private final NodeLists nodes;

    /** @param expectedKeys the expected number of resident keys (a sizing hint, not a limit) */
    public LruPolicy(int expectedKeys) {
        nodes = new NodeLists(1, expectedKeys);
    }

    @Override
    public void recordAccess(long key) {
        int node = nodes.find(key);
        if (node != NodeLists.NIL) {
            nodes.moveToLast(node, LIST);
        }
    }

    @Override
    public void admitted(long key) {
        Keys.check(key);
        int node = nodes.find(key);
        if (node == NodeLists.NIL) {
            nodes.addLast(key, LIST);
        } else {
            nodes.moveToLast(node, LIST);
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
        for (int node = nodes.first(LIST); node != NodeLists.NIL; node = nodes.after(node)) {
            long key = nodes.key(node);
            if (evictable.test(key)) {
                nodes.remove(node);
                return key;
            }
        }
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
        return "LRU";
    }

    /** The resident keys, least recently used first (for tests and diagnostics; allocates). */
    long[] keysInOrder() {
        return nodes.keysOf(LIST);
    }
}
