package dev.tvm.core;

import dev.tvm.core.alloc.Allocator;
import dev.tvm.core.memory.ReservedBacking;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Making and freeing allocations in a region: room from its allocator, a handle from its table,
 * the reused space zeroed and the new pages made resident within the budget. The region keeps
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
        int slot = region.slotOf(handle);
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
     * Fills the content allocation of a file-mapped region from {@code file}: mapped
     * copy-on-write and lazily where the backing can map files, else read in. Returns the bytes
     * mapped (the region's WARM prefix), or 0 if they were read.
     */
    static long mapContent(Region region, Path file, long size) throws IOException {
        PageMap pages = region.pages;
        long mapped = (size + 4095) & -4096L;
        if (region.backing instanceof ReservedBacking reserved) {
            try (ReservedBacking.ReadOnlyFile f = ReservedBacking.ReadOnlyFile.open(file)) {
                reserved.mapFile(0, mapped, f, 0); // the mapping outlives the descriptor
            }
            if (pages != null) {
                for (int p = 0; p < PageMap.pagesFor(mapped); p++) {
                    pages.markResident(p); // page cache, shared, not counted: see Region.warmBytes
                }
            }
            return mapped;
        }
        try (FileLoader loader = FileLoader.open(file)) {
            if (pages != null) {
                int n = PageMap.pagesFor(size);
                region.pager.reserve(region, PageMap.range(0, n), n, 0, n - 1, false);
                for (int p = 0; p < n; p++) {
                    pages.markResident(p);
                }
            }
            loader.load(0, region.segment.asSlice(0, size));
        }
        return 0;
    }

    /**
     * Slides the live allocations of a region whose pages are all resident towards offset 0, in
     * offset order, updating their table entries in place (handles stay valid), and tells the
     * allocator where the packed space ends. {@code before} is the high-water mark; the caller
     * releases what lies above the returned {@link CompactionResult#touchedAfter()}.
     */
    static CompactionResult slide(Region region, long before) {
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
