package dev.tvm.core;

import dev.tvm.core.events.HandleCheckFailureEvent;
import java.util.concurrent.locks.StampedLock;

/**
 * Single-range access to a region's bytes: checking a handle and a range inside its allocation
 * (every refusal counted and decoded in its message), the typed loads and stores, and making a
 * range resident, converting the caller's shared hold to the exclusive lock for a fault as step 3
 * of the lock protocol in {@link Region} says. Multi-page accesses build on this in {@link
 * Transfers}.
 */
final class Access {
    private Access() {}

    // The two optimistic loads are written out per width, not shared behind a size argument: a
    // shared method is compiled once, too big for C2 to inline into its callers ("already compiled
    // into a big method"), so every load paid a call and an unfolded size branch. Measured in
    // bench-results/issue-12-fault-path (HandleAccessBench).

    /**
     * A little-endian i32 load. Optimistic first: no lock write at all when nothing structural
     * happens meanwhile.
     */
    static int loadInt(Region region, long handle, long offset) {
        StampedLock lock = region.lock;
        long stamp = lock.tryOptimisticRead();
        try {
            long at = optimisticLocate(region, handle, offset, 4);
            if (at >= 0) {
                int v = region.segment.get(Region.I32, at);
                if (lock.validate(stamp)) {
                    recordOptimisticRead(region, at, 4);
                    return v;
                }
            }
        } catch (RuntimeException raced) {
            // torn by a concurrent writer (destroyed, moved, resized): take the locked path
        }
        return (int) loadLocked(region, handle, offset, 4);
    }

    /** A little-endian i64 load; see {@link #loadInt}. */
    static long loadLong(Region region, long handle, long offset) {
        StampedLock lock = region.lock;
        long stamp = lock.tryOptimisticRead();
        try {
            long at = optimisticLocate(region, handle, offset, 8);
            if (at >= 0) {
                long v = region.segment.get(Region.I64, at);
                if (lock.validate(stamp)) {
                    recordOptimisticRead(region, at, 8);
                    return v;
                }
            }
        } catch (RuntimeException raced) {
            // torn by a concurrent writer (destroyed, moved, resized): take the locked path
        }
        return loadLocked(region, handle, offset, 8);
    }

    /** The locked load of {@code size} (4 or 8) bytes, an int sign-extended: faults the page in. */
    private static long loadLocked(Region region, long handle, long offset, int size) {
        StampedLock lock = region.lock;
        long held = lock.readLock();
        try {
            region.checkLive();
            long at = residentRange(region, held, handle, offset, size);
            long v = size == 4 ? region.segment.get(Region.I32, at) : region.segment.get(Region.I64, at);
            region.metrics.recordRead(size);
            return v;
        } finally {
            lock.tryUnlockRead();
        }
    }

    /** A little-endian store of the low {@code size} (4 or 8) bytes of {@code value}. */
    static void store(Region region, long handle, long offset, int size, long value) {
        StampedLock lock = region.lock;
        long held = lock.readLock();
        try {
            region.checkLive();
            region.checkWritable();
            long at = writableRange(region, held, handle, offset, size);
            if (size == 4) {
                region.segment.set(Region.I32, at, (int) value);
            } else {
                region.segment.set(Region.I64, at, value);
            }
            region.metrics.recordWrite(size);
        } finally {
            lock.tryUnlockRead();
        }
    }

    /** Locates and faults in a range for a store, marking its pages written (CLEAN becomes DIRTY). */
    static long writableRange(Region region, long held, long handle, long offset, long length) {
        long at = residentRange(region, held, handle, offset, length);
        if (region.pages != null) {
            region.pages.markWritten(at, length);
        }
        return at;
    }

    /**
     * Checks a handle and a range inside its allocation, makes the range's pages resident and
     * returns its start in the segment. The caller holds one shared hold of the lock ({@code
     * held} is its stamp, or any stale stamp) and holds one when this returns or throws, so it
     * releases with {@code tryUnlockRead}.
     */
    static long residentRange(Region region, long held, long handle, long offset, long length) {
        long at = locate(region, handle, offset, length);
        if (region.pages == null) {
            return at;
        }
        while (!region.pages.allResident(at, length)) { // once, unless the downgrade ever failed
            at = faultHoldingRead(region, held, handle, offset, length, at);
            held = 0;
        }
        if (length > 0 && region.residency != null) {
            region.residency.recordAccess(region, PageMap.pageOf(at));
        }
        return at;
    }

    /**
     * Faults in the range located at {@code at} under the exclusive lock and returns where it is,
     * leaving one shared hold either way. The sole reader converts its hold in place, so the
     * range it located stays valid and the handle is not checked again; otherwise the shared hold
     * is dropped for the exclusive lock, and the region and handle are checked again.
     */
    private static long faultHoldingRead(Region region, long held, long handle, long offset, long length, long at) {
        long stamp = held == 0 ? 0 : region.lock.tryConvertToWriteLock(held);
        boolean recheck = stamp == 0;
        if (recheck) {
            region.lock.tryUnlockRead();
            stamp = region.lock.writeLock();
        }
        boolean downgraded = false;
        try {
            if (recheck) {
                region.checkLive();
                at = locate(region, handle, offset, length);
            }
            region.pager.faultIn(region, at, length, PageMap.pageOf(at), PageMap.pageOf(at + Math.max(0, length - 1)));
            downgraded = region.lock.tryConvertToReadLock(stamp) != 0; // always succeeds for a write stamp
        } finally {
            if (!downgraded) {
                region.lock.unlockWrite(stamp);
                region.lock.readLock();
            }
        }
        if (!downgraded) { // the range may have moved meanwhile
            region.checkLive();
            at = locate(region, handle, offset, length);
        }
        return at;
    }

    /**
     * The fault of a direct (guest) access to {@code [at, at + length)} of a guest memory region:
     * makes the range resident under the exclusive lock, DIRTY too if {@code write}, so that its
     * pages' rights in the access table allow the access (see {@link GuestPages}).
     */
    static void faultDirect(Region region, long at, long length, boolean write) {
        if (length <= 0) {
            return;
        }
        GuestPages guest = region.guest;
        boolean counted = guest.faultStarts(); // so another occupant's fault may evict this memory's pages meanwhile
        long stamp = region.lock.writeLock();
        try {
            region.checkLive();
            if (at < 0 || at > region.capacity() - length) {
                throw new TvmException.OutOfBoundsException("guest access [" + at + ", " + at + " + " + length
                        + ") is outside the " + region.capacity() + "-byte " + region);
            }
            if (write) {
                region.checkWritable();
            }
            guest.highWater = Math.max(guest.highWater, at + length);
            if (!guest.ownsRegion()) {
                region.touch(at + length); // an imported region: the guest may store beyond its allocations
            }
            if (region.pages == null) {
                region.guest.grantUnpaged(at, length);
                return;
            }
            int first = PageMap.pageOf(at);
            int last = PageMap.pageOf(at + length - 1);
            if (write) {
                region.pager.faultIn(region, at, length, first, last);
            } else {
                // A load: never-written pages are granted as they are (zeros, no budget, never
                // spilled); only spilled ones are read back.
                for (int p = first; p <= last; p++) {
                    if (region.pages.isResident(p)) {
                        continue;
                    }
                    if (region.pages.slot(p) < 0) {
                        region.guest.grantZeroRead(p);
                    } else {
                        region.pager.faultIn(region, (long) p << PageMap.PAGE_SHIFT, PageMap.PAGE_SIZE, first, last);
                    }
                }
            }
            if (write) {
                region.pages.markWritten(at, length);
            }
            if (region.residency != null) {
                region.residency.recordAccess(region, first);
            }
        } finally {
            guest.faultDone(counted); // before the lock goes: no eviction of this memory can run until then
            region.lock.unlockWrite(stamp);
        }
    }

    /**
     * The lock-free half of a load: where {@code [offset, offset + length)} of a valid handle's
     * allocation is, if it is resident, else -1 (any doubt, including state torn by a concurrent
     * writer, sends the caller to the locked path, which validates and reports properly). Reads
     * plain fields that only change under the exclusive lock; the caller validates its optimistic
     * stamp after using the result, so a torn read is never acted on. Records nothing.
     */
    private static long optimisticLocate(Region region, long handle, long offset, long length) {
        if (region.isDestroyedLocked() || HandleCodec.regionRef(handle) != region.ref()) {
            return -1;
        }
        long at = region.table.tryLocate(handle, offset, length);
        if (at < 0 || (region.pages != null && !region.pages.allResident(at, length))) {
            return -1;
        }
        return at;
    }

    private static void recordOptimisticRead(Region region, long at, long length) {
        region.metrics.recordRead(length);
        if (region.residency != null) {
            region.residency.recordAccess(region, PageMap.pageOf(at));
        }
    }

    /**
     * Checks a handle and a range inside its allocation; returns the range's start in the
     * region's segment. Caller holds the lock. Every refusal is counted and decoded in the
     * message.
     */
    static long locate(Region region, long handle, long offset, long length) {
        int slot = slotOf(region, handle);
        long size = region.table.size(slot);
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            region.metrics.recordFailure(ErrorCode.OUT_OF_BOUNDS);
            HandleCheckFailureEvent.emit(ErrorCode.OUT_OF_BOUNDS, handle);
            throw new TvmException.OutOfBoundsException("access [" + offset + ", " + offset + " + " + length
                    + ") is outside the " + size + "-byte allocation of " + HandleCodec.describe(handle));
        }
        return region.table.offset(slot) + offset;
    }

    /**
     * Checks that {@code handle} is a live handle of {@code region} and returns its table slot.
     * Caller holds the lock. Every refusal is counted and decoded in the message.
     */
    static int slotOf(Region region, long handle) {
        if (HandleCodec.regionRef(handle) != region.ref()) {
            ErrorCode code = HandleCodec.regionId(HandleCodec.regionRef(handle)) == region.id()
                    ? (HandleCodec.regionGenOf(handle) < HandleCodec.regionGen(region.ref())
                            ? ErrorCode.STALE_REGION
                            : ErrorCode.NO_SUCH_REGION)
                    : ErrorCode.INVALID_ARGUMENT;
            region.metrics.recordFailure(code);
            HandleCheckFailureEvent.emit(code, handle);
            throw TvmException.of(code, HandleCodec.describe(handle) + " does not belong to " + region);
        }
        int slot = region.table.resolve(handle);
        if (slot < 0) {
            ErrorCode code = ErrorCode.fromCode(slot);
            region.metrics.recordFailure(code);
            HandleCheckFailureEvent.emit(code, handle);
            throw TvmException.of(
                    code,
                    HandleCodec.describe(handle)
                            + (code == ErrorCode.STALE_HANDLE
                                    ? " was freed (use after free)"
                                    : " was never issued (forged handle)"));
        }
        return slot;
    }
}
