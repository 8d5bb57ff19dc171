package dev.tvm.core;

import dev.tvm.core.alloc.Allocator;
import dev.tvm.core.events.CompactionEvent;
import dev.tvm.core.events.RegionAction;
import java.lang.foreign.MemorySegment;

/**
 * Making and freeing allocations in a region: room from its allocator, a handle from its table,
 * the reused space zeroed and the new pages made resident within the budget; and resetting and
 * compacting it (which free or move all of them at once). The region keeps
 * the state (allocator, handle table, high-water mark) and the lock; every method here runs with
 * the region's exclusive lock held (see the lock protocol in {@link Region}).
 */
final class Allocations {
    private Allocations() {}

    /**
     * Refuses a size outside 1..the allocator's largest allocation.
     *
     * @throws TvmException.InvalidArgumentException naming the size and the limit
     */
    static void checkSize(Region region, long size) {
        Allocator allocator = region.allocator;
        if (size <= 0 || size > allocator.maxAllocation()) {
            region.metrics.recordFailure(ErrorCode.INVALID_ARGUMENT);
            throw new TvmException.InvalidArgumentException("allocation of " + size + " bytes in " + region
                    + " is outside 1.." + allocator.maxAllocation() + " bytes for its "
                    + region.spec().allocator() + " allocator");
        }
    }

    /**
     * Allocates {@code size} zeroed bytes (a size {@link #checkSize} accepted) and returns the
     * handle; counts nothing.
     *
     * @throws TvmException.CapacityExceededException if the region or its handle table is full,
     *     or the budget cannot fit the new pages: nothing is allocated then
     */
    static long allocate(Region region, long size) {
        Allocator allocator = region.allocator;
        if (!region.table.hasRoom()) {
            throw TvmException.of(ErrorCode.TOO_MANY_HANDLES, region + " has no free handle slot left");
        }
        long offset = allocator.allocate(size);
        if (offset == Allocator.FAILED) {
            throw TvmException.of(
                    ErrorCode.REGION_FULL,
                    region + " cannot fit " + size + " more bytes: " + allocator.usedBytes() + " of "
                            + allocator.capacity() + " bytes in use; free, reset or compact it, or use another region");
        }
        long end = offset + allocator.footprint(size);
        long touched = region.touched();
        if (region.pages != null) {
            try {
                makeResident(region, offset, size, end);
            } catch (RuntimeException | Error e) { // an OutOfMemoryError too: the space goes back
                allocator.free(offset, size);
                throw e;
            }
        } else if (offset < touched) {
            region.segment.asSlice(offset, Math.min(size, touched - offset)).fill((byte) 0);
        }
        region.touch(end);
        return HandleCodec.handle(region.ref(), 0, 0) | region.table.issue(offset, size);
    }

    /**
     * Before an allocation at {@code [offset, end)}: zeroes the reused part below {@code touched}
     * (it may share pages with live data), step by step so that only a few of its pages need be
     * resident at once, and reserves the fresh pages above it if they are few; the fresh pages of
     * a larger allocation stay ZERO (see {@link PageMap}) until first accessed, so an allocation
     * of any size fits any budget.
     */
    private static void makeResident(Region region, long offset, long size, long end) {
        PageMap pages = region.pages;
        long touched = region.touched();
        long reusedEnd = Math.min(offset + size, touched);
        for (long at = offset; at < reusedEnd; ) {
            long n = Math.min(reusedEnd - at, Transfers.STEP_BYTES - (at & (PageMap.PAGE_SIZE - 1)));
            region.pager.faultIn(region, at, n, PageMap.pageOf(at), PageMap.pageOf(at + n - 1));
            pages.markWritten(at, n);
            region.segment.asSlice(at, n).fill((byte) 0);
            at += n;
        }
        int before = PageMap.pagesFor(touched);
        int after = PageMap.pagesFor(end);
        if (after > before && (long) (after - before) << PageMap.PAGE_SHIFT <= Transfers.STEP_BYTES) {
            int[] fresh = PageMap.range(before, after - before);
            region.pager.reserve(region, fresh, fresh.length, before, after - 1, false);
            for (int page : fresh) {
                pages.markResident(page);
            }
        }
    }

    /**
     * Frees the allocation of a handle and returns its size; counts nothing.
     *
     * @throws TvmException if the handle is not a live one of this region
     */
    static long free(Region region, long handle) {
        HandleTable table = region.table;
        int slot = Access.slotOf(region, handle);
        long size = table.size(slot);
        long offset = table.offset(slot);
        // The handle dies first: an Error in between leaks the space, never hands it out twice.
        table.release(slot);
        region.allocator.free(offset, size);
        return size;
    }

    /**
     * Makes the single allocation that holds an EXTERNAL or file-mapped region's content, its
     * pages left unloaded, and returns its handle. Called once, before the region is published.
     */
    static long allocateContent(Region region, long size) {
        long offset = region.allocator.allocate(size);
        region.touch(region.allocator.footprint(size));
        region.metrics.recordAllocation(size);
        return HandleCodec.handle(region.ref(), 0, 0) | region.table.issue(offset, size);
    }

    /**
     * The body of {@link Region#reset()} (the region is live and writable): frees every
     * allocation at once, releases all its memory and forgets its pages.
     */
    static void reset(Region region) {
        HandleTable table = region.table;
        long count = table.liveCount();
        long bytes = table.liveBytes();
        Tier before = region.currentTier();
        table.releaseAll();
        region.allocator.reset();
        region.pager.dropFrom(region, 0);
        region.tiering.unmap();
        region.backing.discard(0, region.touched());
        region.lowerTouched(0);
        region.metrics.recordFrees(count, bytes);
        region.metrics.recordReset();
        region.lifecycle(RegionAction.RESET, null, count);
        region.tierChanged(before);
    }

    /**
     * The body of {@link Region#compact()} (the region is live and writable): makes every page
     * HOT and resident, slides the live allocations towards offset 0 (see {@link #slide}) and
     * releases the freed tail.
     *
     * @throws TvmException.RegionPinnedException if pinned
     * @throws TvmException.UnsupportedOperationTvmException if the allocator cannot compact
     */
    static CompactionResult compact(Region region) {
        Allocator allocator = region.allocator;
        int pinned = region.pins.count();
        if (pinned > 0) {
            throw new TvmException.RegionPinnedException(
                    region + " is pinned " + pinned + " time(s); compaction would move bytes under raw addresses");
        }
        if (!allocator.canCompact()) {
            throw TvmException.of(
                    ErrorCode.UNSUPPORTED,
                    region + " uses a " + region.spec().allocator() + " allocator, which cannot be compacted");
        }
        CompactionEvent event = CompactionEvent.start();
        Tier tierBefore = region.currentTier();
        region.tiering.dewarm();
        long before = region.touched();
        region.pager.faultInAll(region);
        CompactionResult result = slide(region, before);
        long cursor = result.touchedAfter();
        region.pager.dropFrom(region, PageMap.pagesFor(cursor));
        if (before > cursor) {
            region.backing.discard(cursor, before - cursor);
        }
        region.lowerTouched(cursor);
        region.metrics.recordCompaction(result.bytesMoved());
        region.tierChanged(tierBefore);
        CompactionEvent.finish(
                event,
                region.ref(),
                region.spec().name(),
                region.table.liveCount(),
                result.allocationsMoved(),
                result.bytesMoved(),
                before,
                cursor);
        return result;
    }

    /**
     * Slides the live allocations of a region whose pages are all resident towards offset 0, in
     * offset order, updating their table entries in place (handles stay valid), and tells the
     * allocator where the packed space ends. {@code before} is the high-water mark; the caller
     * releases what lies above the returned {@link CompactionResult#touchedAfter()}.
     */
    private static CompactionResult slide(Region region, long before) {
        HandleTable table = region.table;
        long cursor = 0;
        int moved = 0;
        long bytesMoved = 0;
        for (long packed : table.liveSlotsByOffset()) {
            int slot = (int) (packed & HandleCodec.MAX_SLOT);
            long offset = packed >>> HandleCodec.SLOT_BITS;
            long size = table.size(slot);
            if (offset != cursor) {
                MemorySegment.copy(region.segment, offset, region.segment, cursor, size);
                table.move(slot, cursor);
                moved++;
                bytesMoved += size;
            }
            cursor += region.allocator.footprint(size);
        }
        region.allocator.compacted(cursor);
        if (region.pages != null && moved > 0) {
            region.pages.markAllWritten();
        }
        return new CompactionResult(region.ref(), moved, bytesMoved, before, cursor);
    }
}
