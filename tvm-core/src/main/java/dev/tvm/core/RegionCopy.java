package dev.tvm.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Copies between allocations, of one region or of two, without passing bytes through guest
 * memory. When both ranges are resident they are copied at once under the regions' shared locks;
 * otherwise the copy streams through a small buffer, {@value Region#STEP_BYTES} bytes at a time,
 * each step an ordinary read of the source and write of the destination, so only that much of
 * each side needs to be resident at once, whatever the length and the budget.
 */
final class RegionCopy {
    private RegionCopy() {}

    /**
     * Copies {@code length} bytes from {@code srcOffset} in {@code srcHandle}'s allocation of
     * {@code source} to {@code dstOffset} in {@code dstHandle}'s allocation of {@code target}.
     * Overlapping ranges copy as if through a temporary buffer.
     *
     * @throws TvmException if the copy cannot proceed; if bytes were already copied its message
     *     says how many and which bytes of the destination are unchanged
     */
    static void copy(
            Region source, long srcHandle, long srcOffset, Region target, long dstHandle, long dstOffset, long length) {
        if (target.spec().readOnly()) {
            throw target.readOnly();
        }
        if (!copyResident(source, srcHandle, srcOffset, target, dstHandle, dstOffset, length)) {
            copyStreaming(source, srcHandle, srcOffset, target, dstHandle, dstOffset, length);
        }
        source.metrics.recordRead(length);
        target.metrics.recordWrite(length);
    }

    /** Copies if both ranges are resident; returns false (nothing done) if not. */
    private static boolean copyResident(
            Region source, long srcHandle, long srcOffset, Region target, long dstHandle, long dstOffset, long length) {
        // Shared locks in id order (one lock within a region): two copies in opposite
        // directions cannot deadlock behind queued writers.
        Region first = source.id() < target.id() ? source : target;
        Region second = first == target ? source : target;
        long s1 = first.lock.readLock();
        try {
            long s2 = second == first ? 0 : second.lock.readLock();
            try {
                source.checkLive();
                target.checkLive();
                long from = source.locate(srcHandle, srcOffset, length);
                long to = target.locate(dstHandle, dstOffset, length);
                if ((source.pages != null && !source.pages.allResident(from, length))
                        || (target.pages != null && !target.pages.allResident(to, length))) {
                    return false;
                }
                if (target.pages != null) {
                    target.pages.markWritten(to, length);
                }
                MemorySegment.copy(source.segment, from, target.segment, to, length);
                return true;
            } finally {
                if (second != first) {
                    second.lock.unlockRead(s2);
                }
            }
        } finally {
            first.lock.unlockRead(s1);
        }
    }

    /**
     * A copy whose ranges are not all resident: through a buffer of {@value Region#STEP_BYTES}
     * bytes, each step reading from the source and writing to the target with the ordinary fault
     * path. Overlapping ranges of one allocation are copied from the end when the destination
     * lies above the source.
     */
    private static void copyStreaming(
            Region source, long srcHandle, long srcOffset, Region target, long dstHandle, long dstOffset, long length) {
        boolean backward = source == target && srcHandle == dstHandle && dstOffset > srcOffset;
        long done = 0;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment buffer = scratch.allocate(Math.min(length, Region.STEP_BYTES));
            while (done < length) {
                long n = Math.min(Region.STEP_BYTES, length - done);
                long at = backward ? length - done - n : done;
                source.transfer(srcHandle, srcOffset + at, buffer, 0, n, false);
                target.transfer(dstHandle, dstOffset + at, buffer, 0, n, true);
                done += n;
            }
        } catch (TvmException e) {
            long from = backward ? dstOffset : dstOffset + done; // what is still to copy
            long to = backward ? dstOffset + length - done : dstOffset + length;
            throw Region.partial(
                    e, "copy", done, length, "bytes [" + from + ", " + to + ") of " + HandleCodec.describe(dstHandle));
        }
    }
}
