package dev.tvm.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Multi-page accesses: read, write and fill of an allocation, and copies between allocations (of
 * one region or of two) that never pass bytes through guest memory. A range that is resident is
 * done at once under the shared lock; any other in steps of at most {@value #STEP_BYTES} bytes,
 * each faulting in only what it needs, so an access of any length needs only a few pages resident
 * at a time, whatever the budget. A failure after some steps says how far the operation got and
 * which bytes it left unchanged.
 */
final class Transfers {
    /**
     * The most bytes one step of a read, write, fill or non-resident copy faults in at once: a
     * multi-page operation of any length runs in steps of this size, so it needs only this much
     * (a few pages) resident at a time, whatever the budget.
     */
    static final long STEP_BYTES = 256 * 1024;

    private Transfers() {}

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
                long from = Access.locate(source, srcHandle, srcOffset, length);
                long to = Access.locate(target, dstHandle, dstOffset, length);
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
     * A copy whose ranges are not all resident: through a buffer of {@value #STEP_BYTES}
     * bytes, each step reading from the source and writing to the target with the ordinary fault
     * path. Overlapping ranges of one allocation are copied from the end when the destination
     * lies above the source.
     */
    private static void copyStreaming(
            Region source, long srcHandle, long srcOffset, Region target, long dstHandle, long dstOffset, long length) {
        boolean backward = source == target && srcHandle == dstHandle && dstOffset > srcOffset;
        long done = 0;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment buffer = scratch.allocate(Math.min(length, STEP_BYTES));
            while (done < length) {
                long n = Math.min(STEP_BYTES, length - done);
                long at = backward ? length - done - n : done;
                transfer(source, srcHandle, srcOffset + at, buffer, 0, n, false);
                transfer(target, dstHandle, dstOffset + at, buffer, 0, n, true);
                done += n;
            }
        } catch (TvmException e) {
            long from = backward ? dstOffset : dstOffset + done; // what is still to copy
            long to = backward ? dstOffset + length - done : dstOffset + length;
            throw partial(
                    e, "copy", done, length, "bytes [" + from + ", " + to + ") of " + HandleCodec.describe(dstHandle));
        }
    }

    /**
     * The body of {@link Region#read} ({@code store} false) and {@link Region#write} ({@code store}
     * true),
     * without metrics: {@code length} bytes between an allocation and {@code other}.
     */
    static void transfer(
            Region region,
            long handle,
            long offset,
            MemorySegment other,
            long otherOffset,
            long length,
            boolean store) {
        if (store) {
            stepped(
                    region,
                    handle,
                    offset,
                    length,
                    true,
                    "write",
                    (at, done, n) -> MemorySegment.copy(other, otherOffset + done, region.segment, at, n));
        } else {
            stepped(
                    region,
                    handle,
                    offset,
                    length,
                    false,
                    "read",
                    (at, done, n) -> MemorySegment.copy(region.segment, at, other, otherOffset + done, n));
        }
    }

    /** One step of {@link #stepped}: {@code n} bytes at {@code at} in the segment, {@code done} already done. */
    @FunctionalInterface
    interface Step {
        void apply(long at, long done, long n);
    }

    /**
     * Runs {@code step} over {@code [offset, offset + length)} of an allocation in steps of at
     * most {@value #STEP_BYTES} bytes (one step when the range is resident), under the shared
     * lock, faulting in only what each step needs; a {@code store} marks the pages written. A
     * failure after some steps says how far {@code op} got and which bytes it left unchanged.
     */
    static void stepped(Region region, long handle, long offset, long length, boolean store, String op, Step step) {
        long held = region.lock.readLock();
        long done = 0;
        try {
            region.checkLive();
            if (store) {
                region.checkWritable();
            }
            do {
                long n = stepLength(region, handle, offset + done, length - done);
                long at = store
                        ? Access.writableRange(region, held, handle, offset + done, n)
                        : Access.residentRange(region, held, handle, offset + done, n);
                step.apply(at, done, n);
                done += n;
            } while (done < length);
        } catch (TvmException e) {
            throw partial(
                    e,
                    op,
                    done,
                    length,
                    store
                            ? "bytes [" + (offset + done) + ", " + (offset + length) + ") of "
                                    + HandleCodec.describe(handle)
                            : "the last " + (length - done) + " bytes of the destination");
        } finally {
            region.lock.tryUnlockRead();
        }
    }

    /**
     * How many bytes of {@code [offset, offset + length)} the next step of a multi-page access
     * covers: all of them if they are resident (or few), else up to the end of a {@value
     * #STEP_BYTES}-byte window. Validates the whole remaining range first, so a bad range fails
     * before any byte moves. Lock held (shared).
     */
    private static long stepLength(Region region, long handle, long offset, long length) {
        long at = Access.locate(region, handle, offset, length);
        if (region.pages == null || length <= STEP_BYTES || region.pages.allResident(at, length)) {
            return length;
        }
        return STEP_BYTES - (at & (PageMap.PAGE_SIZE - 1));
    }

    /**
     * The exception for a multi-step operation that failed after {@code done} bytes: the original
     * if nothing was done yet, else one of the same code that says how far it got and what it left
     * unchanged.
     */
    private static TvmException partial(TvmException e, String op, long done, long length, String unchanged) {
        if (done == 0) {
            return e;
        }
        return TvmException.of(
                e.code(),
                "the " + op + " of " + length + " bytes stopped after " + done + " bytes (" + unchanged
                        + " are unchanged): " + e.getMessage(),
                e);
    }
}
