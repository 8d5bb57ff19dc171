package dev.tvm.core.residency;

import java.util.Arrays;

/**
 * The resident keys of a policy as nodes of a few intrusive, doubly linked lists, found by key
 * through an open-addressing index. Nothing here boxes: a node is an {@code int} index into
 * parallel primitive arrays, and the index maps a {@code long} key to its node with linear probing
 * and backward-shift deletion (no tombstones). Arrays grow by doubling; no other operation
 * allocates.
 *
 * <p>Nodes {@code 0 .. lists-1} are the sentinels of the lists, each list being circular through
 * its sentinel, so linking and unlinking need no null checks. Within a list, {@link #first} is the
 * oldest end (the LRU end, where victims are looked for) and {@link #addLast}/{@link #moveToLast}
 * append at the newest end.
 *
 * <p>Not thread-safe, like the policies that use it.
 */
final class NodeLists {
    /** No node. */
    static final int NIL = -1;

    private static final int MAX_SLOTS = 1 << 30;

    private final int lists;
    private final int[] sizes;

    // Nodes (sentinels first).
    private long[] keys;
    private int[] prev;
    private int[] next;
    private byte[] owner; // the list a node is on
    private byte[] flags; // one byte per node for the policy's own use (CLOCK's reference bit)
    private int top; // first never-used node index
    private int freeList = NIL; // recycled nodes, chained through next[]
    private int count;

    // Index: key -> node + 1 (0 = empty slot).
    private long[] slotKeys;
    private int[] slotNodes;
    private int slotMask;

    NodeLists(int lists, int expectedKeys) {
        if (lists < 1 || lists > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("lists: " + lists);
        }
        if (expectedKeys < 0) {
            throw new IllegalArgumentException("expectedKeys: " + expectedKeys);
        }
        this.lists = lists;
        this.sizes = new int[lists];
        int nodes = lists + Math.max(expectedKeys, 4);
        keys = new long[nodes];
        prev = new int[nodes];
        next = new int[nodes];
        owner = new byte[nodes];
        flags = new byte[nodes];
        for (int l = 0; l < lists; l++) {
            prev[l] = l;
            next[l] = l;
            owner[l] = (byte) l;
        }
        top = lists;
        int slots = ceilingPowerOfTwo(Math.max(16, 2 * Math.min(expectedKeys, MAX_SLOTS / 2)));
        slotKeys = new long[slots];
        slotNodes = new int[slots];
        slotMask = slots - 1;
    }

    // ------------------------------------------------------------------ queries

    /** Number of keys on all lists. */
    int size() {
        return count;
    }

    /** Number of keys on list {@code list}. */
    int size(int list) {
        return sizes[list];
    }

    /** The node of {@code key}, or {@link #NIL}. */
    int find(long key) {
        int i = slotOf(key);
        while (true) {
            int n = slotNodes[i];
            if (n == 0) {
                return NIL;
            }
            if (slotKeys[i] == key) {
                return n - 1;
            }
            i = (i + 1) & slotMask;
        }
    }

    long key(int node) {
        return keys[node];
    }

    /** The list {@code node} is on. */
    int listOf(int node) {
        return owner[node];
    }

    /** The oldest node of {@code list}, or {@link #NIL} if it is empty. */
    int first(int list) {
        int n = next[list];
        return n == list ? NIL : n;
    }

    /** The node after {@code node} towards the newest end of its list, or {@link #NIL} at the end. */
    int after(int node) {
        int n = next[node];
        return n < lists ? NIL : n;
    }

    boolean flag(int node) {
        return flags[node] != 0;
    }

    void setFlag(int node, boolean value) {
        flags[node] = (byte) (value ? 1 : 0);
    }

    /** The keys of {@code list}, oldest first (for tests and diagnostics; allocates). */
    long[] keysOf(int list) {
        long[] out = new long[sizes[list]];
        int i = 0;
        for (int n = first(list); n != NIL; n = after(n)) {
            out[i++] = keys[n];
        }
        return out;
    }

    // ------------------------------------------------------------------ updates

    /** Adds {@code key}, which must be absent, at the newest end of {@code list}. */
    int addLast(long key, int list) {
        int node = newNode(key, list);
        link(node, list);
        return node;
    }

    /** Adds {@code key}, which must be absent, just before {@code successor} on its list. */
    int addBefore(long key, int successor) {
        int node = newNode(key, owner[successor]);
        link(node, successor);
        return node;
    }

    /** Moves {@code node} to the newest end of {@code list} (which may be its own list). */
    void moveToLast(int node, int list) {
        unlink(node);
        owner[node] = (byte) list;
        link(node, list);
    }

    /** Removes {@code node} and its key. */
    void remove(int node) {
        unlink(node);
        unindex(keys[node]);
        flags[node] = 0;
        owner[node] = -1;
        next[node] = freeList;
        freeList = node;
        count--;
    }

    // ------------------------------------------------------------------ internals

    private int newNode(long key, int list) {
        int node;
        if (freeList != NIL) {
            node = freeList;
            freeList = next[node];
        } else {
            if (top == keys.length) {
                growNodes();
            }
            node = top++;
        }
        keys[node] = key;
        owner[node] = (byte) list;
        flags[node] = 0;
        index(key, node);
        count++;
        return node;
    }

    /** Links {@code node} just before {@code successor} (a sentinel means: at that list's end). */
    private void link(int node, int successor) {
        int p = prev[successor];
        prev[node] = p;
        next[node] = successor;
        next[p] = node;
        prev[successor] = node;
        sizes[owner[node]]++;
    }

    private void unlink(int node) {
        int p = prev[node];
        int n = next[node];
        next[p] = n;
        prev[n] = p;
        sizes[owner[node]]--;
    }

    private void growNodes() {
        int length = keys.length;
        if (length >= Integer.MAX_VALUE / 2) {
            throw new IllegalStateException("too many resident keys: " + count);
        }
        int grown = length * 2;
        keys = Arrays.copyOf(keys, grown);
        prev = Arrays.copyOf(prev, grown);
        next = Arrays.copyOf(next, grown);
        owner = Arrays.copyOf(owner, grown);
        flags = Arrays.copyOf(flags, grown);
    }

    private int slotOf(long key) {
        return (int) mix(key) & slotMask;
    }

    private void index(long key, int node) {
        if (2 * (count + 1) > slotNodes.length) {
            growIndex();
        }
        int i = slotOf(key);
        while (slotNodes[i] != 0) {
            if (slotKeys[i] == key) {
                throw new IllegalStateException("key already indexed: " + key);
            }
            i = (i + 1) & slotMask;
        }
        slotKeys[i] = key;
        slotNodes[i] = node + 1;
    }

    private void unindex(long key) {
        int i = slotOf(key);
        while (slotKeys[i] != key || slotNodes[i] == 0) {
            if (slotNodes[i] == 0) {
                throw new IllegalStateException("key not indexed: " + key);
            }
            i = (i + 1) & slotMask;
        }
        // Backward-shift deletion: pull later entries of the probe run into the hole when their
        // home slot does not lie cyclically in (hole, their slot].
        int j = i;
        while (true) {
            j = (j + 1) & slotMask;
            if (slotNodes[j] == 0) {
                break;
            }
            int home = slotOf(slotKeys[j]);
            boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) {
                slotKeys[i] = slotKeys[j];
                slotNodes[i] = slotNodes[j];
                i = j;
            }
        }
        slotNodes[i] = 0;
    }

    private void growIndex() {
        if (slotNodes.length >= MAX_SLOTS) {
            throw new IllegalStateException("too many resident keys: " + count);
        }
        long[] oldKeys = slotKeys;
        int[] oldNodes = slotNodes;
        slotKeys = new long[oldKeys.length * 2];
        slotNodes = new int[oldNodes.length * 2];
        slotMask = slotNodes.length - 1;
        for (int s = 0; s < oldNodes.length; s++) {
            if (oldNodes[s] != 0) {
                int i = slotOf(oldKeys[s]);
                while (slotNodes[i] != 0) {
                    i = (i + 1) & slotMask;
                }
                slotKeys[i] = oldKeys[s];
                slotNodes[i] = oldNodes[s];
            }
        }
    }

    /** A 64-bit finalizer (from MurmurHash3): every key bit affects the low bits used as index. */
    static long mix(long key) {
        long h = key;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    static int ceilingPowerOfTwo(int x) {
        return x <= 1 ? 1 : Integer.highestOneBit(x - 1) << 1;
    }
}
