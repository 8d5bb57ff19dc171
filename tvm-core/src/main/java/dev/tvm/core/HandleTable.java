package dev.tvm.core;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The allocations of one region, indexed by slot. A handle names a slot and the generation the
 * slot had when the allocation was made; the table answers whether that allocation is still
 * live and where its bytes are. Because accesses go through the table, compaction can move bytes
 * and update {@code offsets} without invalidating any handle.
 *
 * <p>Slot life cycle, with {@code gen} in 1..{@link HandleCodec#MAX_SLOT_GEN}:
 *
 * <pre>
 *   (new) --issue--> LIVE(gen=1) --release--> FREE(gen) --issue--> LIVE(gen+1) ...
 *                                                 |
 *                                                 +-- gen == MAX --> RETIRED (never reissued)
 * </pre>
 *
 * <p>Invariants: a handle is valid iff its slot is below {@code highMark} (the number of slots ever created), the slot is LIVE
 * and its generation equals the handle's. A generation never repeats for a slot, so a stale
 * handle can never become valid again. Not thread-safe: the region's lock guards it.
 */
final class HandleTable {
    private static final int LIVE = 1;

    private long[] offsets = new long[64];
    private long[] sizes = new long[64];
    /** {@code gen << 1 | LIVE}. */
    private int[] states = new int[64];

    private int[] freeSlots = new int[64];
    private int freeCount;
    private int highMark;
    private int liveCount;
    private long liveBytes;

    int liveCount() {
        return liveCount;
    }

    long liveBytes() {
        return liveBytes;
    }

    /**
     * Whether another allocation can get a slot. Grows the arrays first if the next slot needs
     * it, so that {@link #issue} never allocates: an {@code OutOfMemoryError} here, before the
     * region's allocator was asked for anything, leaves the table and the region as they were.
     */
    boolean hasRoom() {
        if (freeCount > 0) {
            return true;
        }
        if (highMark > HandleCodec.MAX_SLOT) {
            return false;
        }
        if (highMark == offsets.length) {
            int length = Math.min(offsets.length * 2, HandleCodec.MAX_SLOT + 1);
            long[] newOffsets = Arrays.copyOf(offsets, length);
            long[] newSizes = Arrays.copyOf(sizes, length);
            int[] newStates = Arrays.copyOf(states, length);
            offsets = newOffsets;
            sizes = newSizes;
            states = newStates;
        }
        return true;
    }

    /**
     * Records a new allocation and returns {@code slot << SLOT_GEN_BITS | gen}, the low 36 bits
     * of its handle. The caller checked {@link #hasRoom()}, which made room in the arrays.
     */
    long issue(long offset, long size) {
        int slot;
        int gen;
        if (freeCount > 0) {
            slot = freeSlots[--freeCount];
            gen = (states[slot] >>> 1) + 1;
        } else {
            slot = highMark++;
            gen = 1;
        }
        offsets[slot] = offset;
        sizes[slot] = size;
        states[slot] = (gen << 1) | LIVE;
        liveCount++;
        liveBytes += size;
        return ((long) slot << HandleCodec.SLOT_GEN_BITS) | gen;
    }

    /**
     * The slot a handle names if it is valid, else the negative {@link ErrorCode} value: {@link
     * ErrorCode#FORGED_HANDLE} for slots or generations never issued, {@link
     * ErrorCode#STALE_HANDLE} for freed allocations.
     */
    int resolve(long handle) {
        int slot = HandleCodec.slot(handle);
        int gen = HandleCodec.slotGen(handle);
        if (slot >= highMark || gen == 0) {
            return ErrorCode.FORGED_HANDLE.code();
        }
        int state = states[slot];
        if (state == ((gen << 1) | LIVE)) {
            return slot;
        }
        return gen <= (state >>> 1) ? ErrorCode.STALE_HANDLE.code() : ErrorCode.FORGED_HANDLE.code();
    }

    /**
     * For optimistic readers: the segment offset of {@code [offset, offset + length)} inside a
     * valid handle's allocation, or -1 for an invalid handle, a range outside the allocation, or
     * arrays torn by a concurrent resize. Never throws; the caller validates its lock stamp.
     */
    long tryLocate(long handle, long offset, long length) {
        int slot = HandleCodec.slot(handle);
        int gen = HandleCodec.slotGen(handle);
        long[] offs = offsets;
        long[] szs = sizes;
        int[] sts = states;
        if (slot >= highMark || slot >= offs.length || slot >= szs.length || slot >= sts.length) {
            return -1;
        }
        if (gen == 0 || sts[slot] != ((gen << 1) | LIVE)) {
            return -1;
        }
        long size = szs[slot];
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            return -1;
        }
        return offs[slot] + offset;
    }

    long offset(int slot) {
        return offsets[slot];
    }

    long size(int slot) {
        return sizes[slot];
    }

    void move(int slot, long newOffset) {
        offsets[slot] = newOffset;
    }

    boolean isLive(int slot) {
        return (states[slot] & LIVE) != 0;
    }

    /**
     * Frees a live slot; its generation is kept so the next issue can advance it. The free list
     * grows before anything changes, so an {@code OutOfMemoryError} leaves the slot live.
     */
    void release(int slot) {
        int gen = states[slot] >>> 1;
        if (gen < HandleCodec.MAX_SLOT_GEN && freeCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
        }
        states[slot] = gen << 1;
        liveCount--;
        liveBytes -= sizes[slot];
        if (gen < HandleCodec.MAX_SLOT_GEN) {
            freeSlots[freeCount++] = slot;
        }
    }

    /** Frees every live slot at once (a region reset). */
    void releaseAll() {
        for (int slot = 0; slot < highMark; slot++) {
            if (isLive(slot)) {
                release(slot);
            }
        }
    }

    /** Live slots sorted by offset, packed as {@code offset << 24 | slot}. */
    long[] liveSlotsByOffset() {
        long[] packed = new long[liveCount];
        int n = 0;
        for (int slot = 0; slot < highMark; slot++) {
            if (isLive(slot)) {
                packed[n++] = (offsets[slot] << HandleCodec.SLOT_BITS) | slot;
            }
        }
        Arrays.sort(packed);
        return packed;
    }

    /**
     * The table as values (for snapshots): per slot ever created, its offset, size and {@code gen
     * << 1 | LIVE} state; and the free slots, oldest first.
     */
    record State(long[] offsets, long[] sizes, int[] states, int[] freeSlots) {}

    /** A copy of the table's state; {@link #restore} takes it back. */
    State state() {
        return new State(
                Arrays.copyOf(offsets, highMark),
                Arrays.copyOf(sizes, highMark),
                Arrays.copyOf(states, highMark),
                Arrays.copyOf(freeSlots, freeCount));
    }

    /**
     * Replaces this table's contents with {@code state}, as {@link #state()} returned it.
     *
     * @throws IllegalArgumentException naming the slot, if the state is inconsistent (a damaged
     *     snapshot): more slots than handles can name, a free slot that is live, repeated or out of range,
     *     or a live allocation outside {@code [0, capacity)}; the table is then unchanged
     */
    void restore(State state, long capacity) {
        int mark = state.offsets().length;
        if (mark > HandleCodec.MAX_SLOT + 1 || state.sizes().length != mark || state.states().length != mark) {
            throw new IllegalArgumentException("damaged metadata: handle table of " + mark + " slots");
        }
        int[] free = state.freeSlots();
        if (free.length > mark) {
            throw new IllegalArgumentException("damaged metadata: " + free.length + " free slots of " + mark);
        }
        BitSet seen = new BitSet(mark);
        for (int slot : free) {
            if (slot < 0 || slot >= mark || (state.states()[slot] & LIVE) != 0 || seen.get(slot)) {
                throw new IllegalArgumentException("damaged metadata: free slot " + slot + " of " + mark);
            }
            seen.set(slot);
        }
        int live = 0;
        long bytes = 0;
        for (int slot = 0; slot < mark; slot++) {
            long offset = state.offsets()[slot];
            long size = state.sizes()[slot];
            if ((state.states()[slot] & LIVE) != 0) {
                if (offset < 0 || size < 0 || size > capacity - offset) {
                    throw new IllegalArgumentException("damaged metadata: slot " + slot + " at " + offset + ", " + size
                            + " bytes, outside the region's " + capacity + " bytes");
                }
                live++;
                bytes += size;
            }
        }
        int length = Math.max(64, Integer.highestOneBit(Math.max(1, mark)) << 1);
        offsets = Arrays.copyOf(state.offsets(), length);
        sizes = Arrays.copyOf(state.sizes(), length);
        states = Arrays.copyOf(state.states(), length);
        freeSlots = Arrays.copyOf(free, Math.max(64, free.length));
        freeCount = free.length;
        highMark = mark;
        liveCount = live;
        liveBytes = bytes;
    }
}
