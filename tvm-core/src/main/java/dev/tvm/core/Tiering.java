package dev.tvm.core;

import dev.tvm.core.memory.ReservedBacking;
import dev.tvm.core.spill.SpillFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A region's tier and its image: the WARM prefix mapped copy-on-write from a snapshot or a file,
 * demotion to COLD ({@link Region#spill}), promotion to HOT ({@link Region#load}), and the
 * region's record in a directory snapshot and its restore. The tiers are drawn in {@link Tier}.
 * The state here is guarded by the region's lock, and every method runs with it held exclusively
 * (or before the region is published); see the lock protocol in {@link Region}.
 */
final class Tiering {
    private final Region region;
    /** Null when the directory has no resident budget: then nothing is ever spilled. */
    private final ResidencyManager residency;
    /** The tier the region was created in: HOT, or WARM for a restored or file-mapped one. */
    private final Tier initialTier;
    /**
     * Bytes {@code [0, warmBytes)} are a copy-on-write mapping of a snapshot file (tier WARM):
     * the OS pages them in and out; they are not counted against the resident budget.
     */
    private long warmBytes;

    Tiering(Region region, ResidencyManager residency) {
        this.region = region;
        this.residency = residency;
        this.initialTier = region.spec().policy().initialTier();
    }

    /** The region's tier now. Lock held (either mode). */
    Tier current() {
        if (region.loader != null) {
            return Tier.EXTERNAL;
        }
        if (warmBytes > 0) {
            return Tier.WARM;
        }
        PageMap pages = region.pages;
        if (pages != null && pages.residentCount() == 0 && pages.spilledCount() > 0) {
            return Tier.COLD;
        }
        return initialTier;
    }

    /** The length of the WARM (file-mapped, uncounted) prefix. Lock held (either mode). */
    long warmBytes() {
        return warmBytes;
    }

    /** The body of {@link Region#spill()}: the region is live. */
    void spill() {
        RegionSpec spec = region.spec();
        if (residency == null || !spec.policy().spillable() || (spec.readOnly() && region.loader == null)) {
            throw TvmException.of(
                    ErrorCode.UNSUPPORTED,
                    region
                            + (residency == null
                                    ? " is in a directory without a resident budget"
                                    : " is not spillable"));
        }
        if (region.pins.count() > 0) {
            throw new TvmException.RegionPinnedException(region + " is pinned and cannot be spilled");
        }
        Tier before = current();
        dewarm();
        int[] resident = Pager.residentPages(region);
        residency.spillAll(region, resident, resident.length);
        residency.recordDemotion();
        region.tierChanged(before);
    }

    /** The body of {@link Region#load()}: the region is live. */
    void load() {
        PageMap pages = region.pages;
        boolean wasCold = pages != null && pages.spilledCount() > 0;
        Tier before = current();
        dewarm();
        region.pager.faultInAll(region);
        if (wasCold && residency != null) {
            residency.recordPromotion();
        }
        region.tierChanged(before);
    }

    /**
     * Turns a WARM region HOT: copies its mapped bytes into anonymous memory, counting them
     * against the budget (which may evict other pages).
     */
    void dewarm() {
        if (warmBytes == 0) {
            return;
        }
        if (residency != null) {
            residency.recordPromotion();
        }
        ReservedBacking reserved = (ReservedBacking) region.backing;
        MemorySegment segment = region.segment;
        long chunk = (long) PageMap.STAGING_PAGES << PageMap.PAGE_SHIFT;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment copy = scratch.allocate(chunk, 4096);
            // From the top down, so [0, warmBytes) stays exactly the mapped prefix if a
            // reservation fails half-way.
            while (warmBytes > 0) {
                long at = (warmBytes - 1) / chunk * chunk;
                long n = warmBytes - at;
                if (region.pages != null) {
                    int first = PageMap.pageOf(at);
                    int count = PageMap.pagesFor(n);
                    region.pager.reserve(
                            region, PageMap.range(first, count), count, 0, PageMap.pagesFor(warmBytes) - 1, false);
                }
                MemorySegment.copy(segment, at, copy, 0, n);
                reserved.remapAnonymous(at, n);
                MemorySegment.copy(copy, 0, segment, at, n);
                warmBytes = at;
            }
        }
    }

    /** Drops the WARM mapping (for a reset): its range reads zero afterwards, like the rest. */
    void unmap() {
        if (warmBytes > 0) {
            ((ReservedBacking) region.backing).remapAnonymous(0, warmBytes); // discard would revert to the file
            warmBytes = 0;
        }
    }

    /**
     * Fills the content allocation of a file-mapped region from {@code file}: mapped
     * copy-on-write and lazily where the backing can map files (tier WARM), else read in.
     */
    void mapContent(Path file, long size) throws IOException {
        long mapped = (size + 4095) & -4096L;
        if (region.backing instanceof ReservedBacking reserved) {
            try (ReservedBacking.ReadOnlyFile f = ReservedBacking.ReadOnlyFile.open(file)) {
                reserved.mapFile(0, mapped, f, 0); // the mapping outlives the descriptor
            }
            markResident(PageMap.pagesFor(mapped));
            warmBytes = mapped;
            return;
        }
        try (FileLoader loader = FileLoader.open(file)) {
            reserveResident(PageMap.pagesFor(size));
            loader.load(0, region.segment.asSlice(0, size));
        }
    }

    /**
     * The region's record for a directory snapshot, its pages written as one run by {@code
     * writer}, each copied wherever it is by the pager (see {@link Pager#copyPage}).
     */
    SnapshotCodec.RegionRecord snapshot(SnapshotCodec.PageWriter writer) throws IOException {
        long touched = region.touched();
        SnapshotCodec.PageRun run =
                writer.write(PageMap.pagesFor(touched), (page, dst) -> region.pager.copyPage(region, page, dst));
        return new SnapshotCodec.RegionRecord(
                region.ref(), region.spec(), touched, run, region.table.state(), region.allocator.state());
    }

    /**
     * Restores a snapshot's record into this new, empty region and makes its bytes available:
     * mapped copy-on-write from {@code file} (tier WARM) when the backing can map files, else read
     * in and verified (tier HOT). Called before the region is published.
     *
     * @throws IllegalArgumentException if the table or allocator state is inconsistent
     */
    void restore(
            SnapshotCodec.RegionRecord record, SpillFile snapshot, ReservedBacking.ReadOnlyFile file, boolean verify) {
        region.table.restore(record.table(), region.spec().capacity());
        region.allocator.restore(record.allocator());
        region.touch(record.touched());
        SnapshotCodec.PageRun run = record.pages();
        int n = run.count();
        if (n == 0) {
            return;
        }
        long bytes = (long) n << PageMap.PAGE_SHIFT;
        snapshot.markUsed(run.firstSlot(), n);
        if (verify && file != null) {
            // One sequential pass over the run, checking every CRC before anything is mapped.
            SnapshotCodec.verify(snapshot, run, i -> "snapshot of " + region + " page " + i);
        }
        if (region.backing instanceof ReservedBacking reserved && file != null) {
            reserved.mapFile(0, bytes, file, snapshot.slotOffset(run.firstSlot()));
            warmBytes = bytes;
            markResident(n);
        } else {
            reserveResident(n);
            snapshot.readRun(
                    run.firstSlot(), region.segment.asSlice(0, bytes), run.crcs(), 0, i -> region + " page " + i);
        }
    }

    /**
     * Marks pages {@code [0, n)} resident in the page map, nothing more: mapped pages are not
     * counted against the budget (see {@link #warmBytes}); read ones were reserved first.
     */
    private void markResident(int n) {
        if (region.pages != null) {
            for (int p = 0; p < n; p++) {
                region.pages.markResident(p);
            }
        }
    }

    /** Reserves budget for pages {@code [0, n)} and marks them resident, before they are read in. */
    private void reserveResident(int n) {
        if (region.pages != null) {
            region.pager.reserve(region, PageMap.range(0, n), n, 0, n - 1, false);
            markResident(n);
        }
    }
}
