package dev.tvm.core.spill;

import java.util.Arrays;
import java.util.Objects;

/**
 * Where a batch of pages went: page {@code i} is in slot {@code firstSlot + i} and has checksum
 * {@code crcs[i]} (CRC32C of its {@code pageSize} bytes). The caller records both in its page table
 * and passes the checksums back to {@link SpillFile#readRun}. Every slot can later be freed on its
 * own with {@code freeRun(slot(i), 1)}, or the run as a whole.
 *
 * <p>An empty run ({@link #pages()} 0, {@link #firstSlot()} -1) is what flushing an empty {@link
 * SpillQueue} returns.
 *
 * @param firstSlot the slot of page 0, or -1 for an empty run
 * @param crcs the CRC32C of each page (copied in and out)
 */
public record SpillRun(long firstSlot, int[] crcs) {
    static final SpillRun EMPTY = new SpillRun(-1, new int[0]);

    public SpillRun {
        crcs = Objects.requireNonNull(crcs, "crcs").clone();
    }

    /** A copy of the per-page checksums. */
    @Override
    public int[] crcs() {
        return crcs.clone();
    }

    /** The number of pages. */
    public int pages() {
        return crcs.length;
    }

    /** The slot of page {@code i}. */
    public long slot(int i) {
        return firstSlot + Objects.checkIndex(i, crcs.length);
    }

    /** The CRC32C of page {@code i}. */
    public int crc(int i) {
        return crcs[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpillRun r && r.firstSlot == firstSlot && Arrays.equals(r.crcs, crcs);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(firstSlot) * 31 + Arrays.hashCode(crcs);
    }

    @Override
    public String toString() {
        return "SpillRun[slots " + SlotAllocator.range(firstSlot, crcs.length) + "]";
    }
}
