package dev.tvm.core;

import dev.tvm.core.events.HandleCheckFailureEvent;
import dev.tvm.core.events.RegionAction;
import dev.tvm.core.memory.Backing;
import dev.tvm.core.memory.BackingFactory;
import dev.tvm.core.memory.ReservedBacking;
import dev.tvm.core.residency.EvictionPolicy;
import dev.tvm.core.residency.TinyLfuPolicy;
import dev.tvm.core.spill.SpillChannelFactory;
import dev.tvm.core.spill.SpillFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The set of live regions and the entry point for every handle-based operation.
 *
 * <pre>{@code
 * try (RegionDirectory dir = RegionDirectory.builder().build()) {
 *     Region blobs = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA));
 *     long h = blobs.allocate(1024);
 *     dir.setLong(h, 0, 42);
 *     dir.free(h);
 *     dir.getLong(h, 0); // throws InvalidHandleException: STALE_HANDLE
 * }
 * }</pre>
 *
 * <p>Region ids are 1..65535; an id is reused after its region is destroyed, under a new
 * generation, so references and handles to the old incarnation fail with {@link
 * ErrorCode#STALE_REGION}. Thread-safe: creation and destruction serialise on the directory; handle
 * operations go straight to the region, which has its own lock (see {@link Region}).
 */
public final class RegionDirectory implements AutoCloseable {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Region[].class);

    private final BackingFactory backingFactory;
    private final Region[] regions = new Region[HandleCodec.MAX_REGION_ID + 1];
    /** Current generation per id; 0 = never used. Guarded by {@code this}. */
    private final int[] generations = new int[HandleCodec.MAX_REGION_ID + 1];
    /** Ids free for reuse, lowest first. Guarded by {@code this}. */
    private final TreeSet<Integer> freeIds = new TreeSet<>();

    private int nextFreshId = 1;
    private int liveRegions;
    private volatile boolean closed;

    private final LongAdder regionsCreated = new LongAdder();
    private final LongAdder regionsDestroyed = new LongAdder();
    private final LongAdder unresolvedFailures = new LongAdder();
    /** Counters of destroyed regions, so directory totals never go backwards. Guarded by {@code this}. */
    private RegionStats retired = RegionStats.EMPTY;

    /** Null without a resident budget. */
    private final ResidencyManager residency;

    private final Path spillPath;

    private RegionDirectory(Builder builder) {
        this.backingFactory = builder.backingFactory;
        if (builder.residentBudget > 0) {
            Path dir = builder.spillDirectory != null
                    ? builder.spillDirectory
                    : Path.of(System.getProperty("java.io.tmpdir"));
            try {
                Files.createDirectories(dir);
                this.spillPath = Files.createTempFile(dir, "tvm-spill-", ".tvms");
            } catch (IOException e) {
                // e.g. AccessDeniedException, whose message is only the path: name the kind too
                throw TvmException.of(
                        ErrorCode.SPILL_IO_ERROR,
                        "cannot create a spill file in " + dir + ": "
                                + e.getClass().getSimpleName() + ": " + e.getMessage(),
                        e);
            }
            SpillFile spill = SpillFile.create(spillPath, PageMap.PAGE_SIZE, builder.channelFactory);
            int capacityPages = (int) Math.max(1, builder.residentBudget / PageMap.PAGE_SIZE);
            this.residency = new ResidencyManager(
                    builder.residentBudget,
                    spill,
                    builder.policyFactory.apply(capacityPages),
                    this::regionById,
                    this::liveRegions);
        } else {
            this.residency = null;
            this.spillPath = null;
        }
    }

    private Region regionById(int id) {
        return id > 0 && id <= HandleCodec.MAX_REGION_ID ? (Region) SLOTS.getAcquire(regions, id) : null;
    }

    /** A builder with default settings. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a directory. */
    public static final class Builder {
        private BackingFactory backingFactory = BackingFactory.defaultFactory();
        private long residentBudget;
        private Path spillDirectory;
        private SpillChannelFactory channelFactory = SpillChannelFactory.DEFAULT;
        private IntFunction<EvictionPolicy> policyFactory = TinyLfuPolicy::new;
        private boolean verifySnapshot = true;

        private Builder() {}

        /**
         * Keeps at most {@code bytes} of region pages resident; colder pages of spillable regions
         * go to a spill file. At least 4 MiB. Default: no budget, nothing is ever spilled. When
         * every evictable page is momentarily locked by other accessors, residency may overshoot
         * the budget by a small internal margin ({@code max(256 KiB, bytes / 64)}) rather than
         * wait; {@link ResidencyStats#peakResidentBytes()} shows the most ever resident.
         */
        public Builder withResidentBudget(long bytes) {
            if (bytes < 4L << 20) {
                throw new TvmException.InvalidArgumentException("resident budget " + bytes + " is below 4 MiB");
            }
            this.residentBudget = bytes;
            return this;
        }

        /** Where the spill file goes; default {@code java.io.tmpdir}. The file is deleted on close. */
        public Builder withSpillDirectory(Path directory) {
            this.spillDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * How the spill file's channel is opened (tests inject faults here). A hook for the
         * module's own tests: its type is in a package the module does not export.
         */
        @SuppressWarnings("exports")
        public Builder withSpillChannelFactory(SpillChannelFactory factory) {
            this.channelFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** The replacement policy, given its capacity in pages; default W-TinyLFU. */
        public Builder withEvictionPolicy(IntFunction<EvictionPolicy> factory) {
            this.policyFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** Where region bytes come from; default {@link BackingFactory#defaultFactory()}. */
        public Builder withBackingFactory(BackingFactory factory) {
            this.backingFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * Whether {@link #open} reads every page of a snapshot once and checks its CRC32C before
         * mapping it (default true). Reading is sequential and leaves the pages in the OS page
         * cache, so the restart stays warm; turn it off only for snapshots you trust.
         */
        public Builder withSnapshotVerification(boolean value) {
            this.verifySnapshot = value;
            return this;
        }

        /** A new, open directory with these options. */
        public RegionDirectory build() {
            return new RegionDirectory(this);
        }

        /**
         * A directory restored from a {@link RegionDirectory#snapshot}: the same regions, with
         * the same references, handles and contents, mapped lazily from the snapshot file (tier
         * {@link Tier#WARM}). The file must stay in place while the directory is open; the
         * directory never writes to it (its mappings are copy-on-write).
         *
         * @throws TvmException.SpillException ({@link ErrorCode#SPILL_CORRUPT}) for a damaged or
         *     truncated snapshot, naming the region and page
         */
        public RegionDirectory open(Path snapshot) {
            RegionDirectory directory = new RegionDirectory(this);
            boolean ok = false;
            try {
                directory.restore(snapshot, verifySnapshot);
                ok = true;
                return directory;
            } finally {
                if (!ok) {
                    directory.close();
                }
            }
        }
    }

    // ---------------------------------------------------------------- regions

    /**
     * Creates a region.
     *
     * @throws TvmException.CapacityExceededException with {@link ErrorCode#TOO_MANY_REGIONS} when
     *     65,535 regions are live, or {@link ErrorCode#NO_MEMORY} when its memory cannot be reserved
     */
    public Region create(RegionSpec spec) {
        return createRegion(Objects.requireNonNull(spec, "spec"), null, null);
    }

    /**
     * Creates a read-only BLOB region holding the bytes of {@code file}, mapped copy-on-write
     * and paged in lazily by the OS (tier {@link Tier#WARM}): zero copy, and shared through the
     * page cache by every guest the region is granted to or imported by. {@link
     * Region#contentHandle()} names the bytes. Writes fail with {@link ErrorCode#READ_ONLY}
     * (through handles) or trap (through an imported memory).
     *
     * @throws TvmException.InvalidArgumentException if the file is empty or above 4 GiB
     * @throws TvmException.SpillException ({@link ErrorCode#SPILL_IO_ERROR}) if it cannot be read
     */
    public Region createMapped(String name, Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw TvmException.of(ErrorCode.SPILL_IO_ERROR, "cannot map " + file + ": " + e);
        }
        if (size <= 0 || size > RegionSpec.MAX_CAPACITY) {
            throw new TvmException.InvalidArgumentException(
                    file + " has " + size + " bytes; a mapped region holds 1 byte to 4 GiB");
        }
        RegionSpec spec = RegionSpec.of(RegionKind.BLOB_ARENA)
                .withName(name)
                .withCapacity(size)
                .withPolicy(new PlacementPolicy(Tier.WARM, true, false))
                .withReadOnly(true);
        return createRegion(spec, null, region -> {
            try {
                region.initMappedContent(file, size);
            } catch (IOException e) {
                throw TvmException.of(ErrorCode.SPILL_IO_ERROR, "cannot map " + file + ": " + e);
            }
        });
    }

    /**
     * Creates a region to serve as a guest's linear memory of up to {@code maxBytes} (rounded up
     * to 64 KiB pages), addressed directly by the guest's loads and stores and paged under this
     * directory's resident budget like any other region: see {@link GuestPages}. The whole region
     * is the guest's: nothing can be allocated in it, and it cannot be reset or compacted. Destroy
     * it like any region.
     *
     * @throws TvmException.InvalidArgumentException if {@code maxBytes} is not 1 byte to 4 GiB
     */
    public GuestPages createGuestMemory(String name, long maxBytes) {
        Objects.requireNonNull(name, "name");
        if (maxBytes <= 0 || maxBytes > RegionSpec.MAX_CAPACITY) {
            throw new TvmException.InvalidArgumentException(
                    "a guest memory of " + maxBytes + " bytes is impossible: regions hold 1 byte to 4 GiB");
        }
        long capacity = (maxBytes + PageMap.PAGE_SIZE - 1) & -PageMap.PAGE_SIZE;
        RegionSpec spec = RegionSpec.of(RegionKind.BLOB_ARENA).withName(name).withCapacity(capacity);
        GuestPages[] made = new GuestPages[1];
        createRegion(spec, null, region -> made[0] = region.initGuest());
        return made[0];
    }

    private Region createRegion(RegionSpec spec, ExternalLoader loader, Consumer<Region> init) {
        synchronized (this) {
            checkOpen();
            int id = takeId();
            int gen = generations[id] + 1;
            Backing backing;
            try {
                backing = backingFactory.create(spec.capacity());
            } catch (RuntimeException e) {
                releaseId(id, false);
                throw e;
            }
            generations[id] = gen;
            Region region = new Region(HandleCodec.regionRef(id, gen), spec, backing, residency, loader);
            if (loader != null) {
                region.initExternalContent();
            }
            if (init != null) {
                try {
                    init.accept(region);
                } catch (RuntimeException e) {
                    region.destroy(true);
                    releaseId(id, true);
                    throw e;
                }
            }
            region.lifecycle(RegionAction.CREATE, null, 0); // before publication: no lock needed
            SLOTS.setRelease(regions, id, region);
            liveRegions++;
            regionsCreated.increment();
            return region;
        }
    }

    /**
     * Creates a read-only {@link Tier#EXTERNAL} region whose bytes come from {@code loader} page
     * by page on first access; {@link Region#contentHandle()} names them. Under a resident budget
     * its pages are evicted without writes (the loader reloads them). The region owns the loader
     * and closes it when destroyed.
     *
     * @throws TvmException.InvalidArgumentException if the loader's size is not 1 byte to 4 GiB
     */
    public Region createExternal(String name, ExternalLoader loader) {
        Objects.requireNonNull(loader, "loader");
        long size = loader.size();
        if (size <= 0 || size > RegionSpec.MAX_CAPACITY) {
            throw new TvmException.InvalidArgumentException(
                    "external source " + loader.describe() + " has " + size + " bytes; regions hold 1 to 4 GiB");
        }
        RegionSpec spec = RegionSpec.of(RegionKind.BLOB_ARENA)
                .withName(name)
                .withCapacity(size)
                .withPolicy(new PlacementPolicy(Tier.EXTERNAL, true, true))
                .withReadOnly(true);
        return createRegion(spec, loader, null);
    }

    private int takeId() {
        if (!freeIds.isEmpty()) {
            return freeIds.pollFirst();
        }
        if (nextFreshId > HandleCodec.MAX_REGION_ID) {
            throw TvmException.of(
                    ErrorCode.TOO_MANY_REGIONS,
                    "all " + HandleCodec.MAX_REGION_ID + " region ids are live or retired; destroy regions first");
        }
        return nextFreshId++;
    }

    private void releaseId(int id, boolean used) {
        if (!used || generations[id] < HandleCodec.MAX_REGION_GEN) {
            freeIds.add(id);
        } // else: the id's generations are exhausted; it is retired so stale refs can never revive.
    }

    /**
     * The live region a reference names.
     *
     * @throws TvmException.NoSuchRegionException ({@link ErrorCode#NO_SUCH_REGION} or {@link
     *     ErrorCode#STALE_REGION})
     */
    public Region region(int ref) {
        int id = HandleCodec.regionId(ref);
        Region region = id == 0 ? null : (Region) SLOTS.getAcquire(regions, id);
        if (region != null && region.ref() == ref) {
            return region;
        }
        throw unresolved(ref, region, null, 0);
    }

    private Region regionOf(long handle) {
        int ref = HandleCodec.regionRef(handle);
        Region region = (Region) SLOTS.getAcquire(regions, HandleCodec.regionIdOf(handle));
        if (region != null && region.ref() == ref) {
            return region;
        }
        throw unresolved(ref, region, HandleCodec.describe(handle), handle);
    }

    private TvmException unresolved(int ref, Region current, String what, long handle) {
        checkOpen();
        int id = HandleCodec.regionId(ref);
        int gen = HandleCodec.regionGen(ref);
        ErrorCode code;
        String why;
        if (id == 0 || gen == 0) {
            code = what != null ? ErrorCode.FORGED_HANDLE : ErrorCode.NO_SUCH_REGION;
            why = "names no region (id or generation 0)";
        } else if (gen < generations[id] || (current == null && gen == generations[id])) {
            code = ErrorCode.STALE_REGION;
            why = "names a destroyed region";
        } else {
            code = ErrorCode.NO_SUCH_REGION;
            why = "names no live region";
        }
        unresolvedFailures.increment();
        if (current != null) {
            current.recordFailure(code);
        }
        if (what != null) {
            HandleCheckFailureEvent.emit(code, handle);
        } else {
            HandleCheckFailureEvent.emitForRegion(code, ref);
        }
        String subject = what != null ? what : HandleCodec.describeRegion(ref);
        return TvmException.of(code, subject + " " + why);
    }

    /**
     * Destroys a region and releases its memory. References and handles to it fail with {@link
     * ErrorCode#STALE_REGION} from now on.
     *
     * <p>While the region is busy (an access, a compaction, a spill), this waits for it without
     * holding the directory's lock, so creating and destroying other regions goes on meanwhile.
     *
     * @throws TvmException.RegionPinnedException if the region is pinned
     */
    public void destroy(int ref) {
        while (true) {
            Region region;
            synchronized (this) {
                region = region(ref);
                if (!region.lockedRelaxed()) {
                    region.destroy(false);
                    retire(region);
                    return;
                }
            }
            region.awaitUnlocked();
        }
    }

    private void retire(Region region) {
        int id = region.id();
        retired = retired.plus(region.stats().withoutLiveFigures());
        SLOTS.setRelease(regions, id, null);
        releaseId(id, true);
        liveRegions--;
        regionsDestroyed.increment();
    }

    /** Descriptions of all live regions, by id. */
    public List<RegionInfo> list() {
        List<RegionInfo> out = new ArrayList<>();
        for (Region r : liveRegions()) {
            try {
                out.add(r.info());
            } catch (TvmException.NoSuchRegionException destroyedMeanwhile) {
                // skipped: destroyed between the scan and the describe
            }
        }
        return out;
    }

    /** The live regions, by id. A snapshot: regions may be destroyed right after. */
    public List<Region> liveRegions() {
        return liveRegionsBelow(HandleCodec.MAX_REGION_ID + 1);
    }

    /** The live regions with an id below {@code limit}, by id. */
    private List<Region> liveRegionsBelow(int limit) {
        List<Region> out = new ArrayList<>();
        for (int id = 1; id < limit; id++) {
            Region r = (Region) SLOTS.getAcquire(regions, id);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    /** Number of live regions. */
    public synchronized int regionCount() {
        return liveRegions;
    }

    /** Totals over all regions, destroyed ones included, plus directory-level counters. */
    public DirectoryStats stats() {
        // The retired totals and the live list are taken together under the directory lock, so
        // each region is counted exactly once: in the totals if it was destroyed before, else in
        // the list (a region destroyed later keeps its counters). The regions' own stats are read
        // after the lock is released: a caller polling stats in a loop must not hold the lock
        // that creating and destroying regions need (Java monitors are not fair: it starved them).
        RegionStats sum;
        List<Region> live;
        int count;
        long created;
        long destroyed;
        synchronized (this) {
            sum = retired;
            live = liveRegionsBelow(nextFreshId);
            count = liveRegions;
            created = regionsCreated.sum();
            destroyed = regionsDestroyed.sum();
        }
        for (Region r : live) {
            sum = sum.plus(r.stats());
        }
        return new DirectoryStats(count, created, destroyed, unresolvedFailures.sum(), sum);
    }

    // ---------------------------------------------------------------- snapshots

    /** The snapshot file that WARM regions are mapped from, if this directory was restored. */
    private ReservedBacking.ReadOnlyFile mappedSnapshot;

    /**
     * Writes every region — pages, handle tables, allocator states, references and id
     * generations — to {@code file} in the snapshot format ({@link SnapshotCodec}, which draws
     * it), for a warm restart with {@link Builder#open}. Consistent: all regions are locked while
     * their state is taken, in id order. Handles taken before the snapshot are valid in the
     * restored directory.
     *
     * <p>Crash-safe: written beside {@code file} and renamed over it atomically, so a crash at
     * any point leaves {@code file} as it was (the previous snapshot, or nothing) and at most a
     * temporary {@code .FILE.*.tmp} beside it, which {@link Builder#open} never takes for a
     * snapshot and the next snapshot to the same file removes.
     *
     * @throws TvmException {@link ErrorCode#SPILL_IO_ERROR} (or the code of a failed page read,
     *     e.g. {@link ErrorCode#SPILL_CORRUPT}), saying that {@code file} is unchanged
     */
    public void snapshot(Path file) {
        synchronized (this) {
            checkOpen();
            List<Region> live = liveRegions();
            SnapshotCodec.write(file, pages -> {
                long[] stamps = new long[live.size()];
                int locked = 0;
                try {
                    for (Region r : live) {
                        stamps[locked++] = r.lockForSnapshot();
                    }
                    List<SnapshotCodec.RegionRecord> records = new ArrayList<>(live.size());
                    for (Region r : live) {
                        records.add(r.tiering.snapshot(pages));
                    }
                    return new SnapshotCodec.Contents(nextFreshId, generations.clone(), records);
                } finally {
                    for (int i = 0; i < locked; i++) {
                        live.get(i).unlockAfterEviction(stamps[i]);
                    }
                }
            });
        }
    }

    private void restore(Path file, boolean verify) {
        synchronized (this) {
            SnapshotCodec.read(file, (contents, in) -> {
                nextFreshId = contents.nextFreshId();
                System.arraycopy(contents.generations(), 0, generations, 0, generations.length);
                mappedSnapshot = ReservedBacking.isSupported() ? ReservedBacking.ReadOnlyFile.open(file) : null;
                for (SnapshotCodec.RegionRecord record : contents.regions()) {
                    Backing backing = backingFactory.create(record.spec().capacity());
                    Region region = new Region(record.ref(), record.spec(), backing, residency);
                    SLOTS.setRelease(regions, region.id(), region); // before restore: eviction may look it up
                    liveRegions++;
                    region.tiering.restore(
                            record, in, backing instanceof ReservedBacking ? mappedSnapshot : null, verify);
                    region.lifecycle(RegionAction.CREATE, null, 0); // the directory is not handed out yet
                }
                for (int id = 1; id < nextFreshId; id++) {
                    if (SLOTS.getAcquire(regions, id) == null && generations[id] < HandleCodec.MAX_REGION_GEN) {
                        freeIds.add(id);
                    }
                }
            });
        }
    }

    /** Residency figures, or null when the directory has no resident budget. */
    public ResidencyStats residencyStats() {
        return residency == null ? null : residency.stats();
    }

    /** The spill file's path, or null when the directory has no resident budget. */
    public Path spillPath() {
        return spillPath;
    }

    // ---------------------------------------------------------------- handles

    /** Frees an allocation; see {@link Region#free}. */
    public void free(long handle) {
        regionOf(handle).free(handle);
    }

    /** Where an allocation starts in its region; see {@link Region#addressOf}. */
    public long addressOf(long handle) {
        return regionOf(handle).addressOf(handle);
    }

    /** The requested size of a live allocation. */
    public long sizeOf(long handle) {
        return regionOf(handle).sizeOf(handle);
    }

    /** Copies out of an allocation; see {@link Region#read}. */
    public void read(long handle, long offset, MemorySegment dst, long dstOffset, long length) {
        regionOf(handle).read(handle, offset, dst, dstOffset, length);
    }

    /** Copies into an allocation; see {@link Region#write}. */
    public void write(long handle, long offset, MemorySegment src, long srcOffset, long length) {
        regionOf(handle).write(handle, offset, src, srcOffset, length);
    }

    /** Fills a range of an allocation. */
    public void fill(long handle, long offset, long length, byte value) {
        regionOf(handle).fill(handle, offset, length, value);
    }

    /**
     * Copies {@code length} bytes between two allocations, in the same region or in two different
     * ones, without passing through guest memory or the Java heap.
     */
    public void copy(long dstHandle, long dstOffset, long srcHandle, long srcOffset, long length) {
        Region src = regionOf(srcHandle);
        Region dst = regionOf(dstHandle);
        Transfers.copy(src, srcHandle, srcOffset, dst, dstHandle, dstOffset, length);
    }

    /** {@link Region#getInt} in the handle's region. */
    public int getInt(long handle, long offset) {
        return regionOf(handle).getInt(handle, offset);
    }

    /** {@link Region#getLong} in the handle's region. */
    public long getLong(long handle, long offset) {
        return regionOf(handle).getLong(handle, offset);
    }

    /** {@link Region#getFloat} in the handle's region. */
    public float getFloat(long handle, long offset) {
        return regionOf(handle).getFloat(handle, offset);
    }

    /** {@link Region#getDouble} in the handle's region. */
    public double getDouble(long handle, long offset) {
        return regionOf(handle).getDouble(handle, offset);
    }

    /** {@link Region#setInt} in the handle's region. */
    public void setInt(long handle, long offset, int value) {
        regionOf(handle).setInt(handle, offset, value);
    }

    /** {@link Region#setLong} in the handle's region. */
    public void setLong(long handle, long offset, long value) {
        regionOf(handle).setLong(handle, offset, value);
    }

    /** {@link Region#setFloat} in the handle's region. */
    public void setFloat(long handle, long offset, float value) {
        regionOf(handle).setFloat(handle, offset, value);
    }

    /** {@link Region#setDouble} in the handle's region. */
    public void setDouble(long handle, long offset, double value) {
        regionOf(handle).setDouble(handle, offset, value);
    }

    // ---------------------------------------------------------------- lifetime

    private void checkOpen() {
        if (closed) {
            throw TvmException.of(ErrorCode.CLOSED, "the region directory is closed");
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Destroys every region, pinned or not, and releases all memory. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            for (Region r : liveRegions()) {
                r.destroy(true);
                retire(r);
            }
            closed = true;
            if (mappedSnapshot != null) {
                mappedSnapshot.close(); // the mappings themselves went with their regions
            }
            if (residency != null) {
                residency.close();
                try {
                    Files.deleteIfExists(spillPath);
                } catch (IOException ignored) {
                    // best effort: a leftover temp file is harmless
                }
            }
        }
    }
}
