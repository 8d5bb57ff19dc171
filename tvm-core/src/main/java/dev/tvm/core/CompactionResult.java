package dev.tvm.core;

/**
 * What a compaction did. Handles stay valid across compaction, so there is no remap table.
 *
 * @param ref the region compacted
 * @param allocationsMoved allocations whose bytes moved
 * @param bytesMoved bytes copied
 * @param touchedBefore high-water mark before (bytes in use or in holes)
 * @param touchedAfter high-water mark after: exactly the footprint of the live allocations
 */
public record CompactionResult(int ref, int allocationsMoved, long bytesMoved, long touchedBefore, long touchedAfter) {
    /** Bytes of holes closed and released. */
    public long bytesReclaimed() {
        return touchedBefore - touchedAfter;
    }
}
