package dev.tvm.chicory;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.RegionStats;
import dev.tvm.core.TvmException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One guest's standing in a shared {@link RegionDirectory}: the security boundary between a guest
 * and the host and the other tenants. Everything a guest may do to the directory beyond a plain
 * read or write of a handle it may reach goes through here, and all the state that decides it
 * (capabilities, created regions, pins, quota counters, the last failure) lives here. The two
 * ABIs are thin adapters over one tenant: the raw {@code tvm} import module ({@link TvmImports})
 * and the typed {@code tvm:memory} interfaces ({@link dev.tvm.chicory.wit.TypedImports}); a guest
 * that imports both has one tenant, so what it creates, is granted, pins or owes on one path holds
 * on the other.
 *
 * <pre>{@code
 * try (Tenant tenant = Tenant.builder(dir).withQuota(quota).build()) {
 *     tenant.grant(shared.ref());                      // the host lends it a region
 *     ImportValues imports = ImportValues.builder()
 *             .addFunction(TvmImports.of(tenant).functions())
 *             .addFunction(TypedImports.builder(tenant).build().functions())
 *             .build();
 *     ...
 * }
 * }</pre>
 *
 * <h2>What a guest may reach</h2>
 *
 * A guest reaches a region only through a capability: one for each region it created itself
 * ({@link #createRegion}) and each the host {@linkplain #grant granted} it, recorded by region id
 * and generation, so a capability dies with its region and never carries over to a later region
 * with the same id. Every region argument goes through {@link #region(long)} and every handle
 * through {@link #checkHandle(long)} before the directory is touched; a refusal is classified the
 * same way on both paths:
 *
 * <ul>
 *   <li>a region argument of 0 is {@code NO_SUCH_REGION}; any other value that is not a positive
 *       i32 is {@code ACCESS_DENIED};
 *   <li>a region or handle the tenant holds passes to the directory, which reports dead regions
 *       and handles itself ({@code STALE_REGION}, {@code STALE_HANDLE}, ...);
 *   <li>otherwise: the null handle is {@code FORGED_HANDLE}; an earlier generation of a region id
 *       the tenant holds now is {@code STALE_REGION} (certainly destroyed); anything else is
 *       {@code ACCESS_DENIED}, whether or not that region exists.
 * </ul>
 *
 * Listing ({@link #heldRegions()}) shows only held regions. Directory-wide totals and residency
 * figures (counts, no contents) are visible to every guest.
 *
 * <h2>Pins</h2>
 *
 * A pin a guest takes ({@link #pin}) is recorded here before it is taken (and the record taken
 * back if taking it fails), and the record is removed before the pin is released ({@link
 * #unpin}). So a guest releases only pins it took itself, never the host's or another tenant's;
 * and {@link #close()} releases the ones it left, so a tenant that goes cannot keep a region
 * undestroyable and uncompactable.
 *
 * <h2>Quotas</h2>
 *
 * What the tenant owns is bounded by its {@link TenantQuota}: the regions it created (count and
 * reserved capacity) and, in them, live allocations and the bytes those hold. Regions the host
 * granted stay the host's and are not counted. The allocation counters are upper bounds: every
 * admitted allocation adds to them and nothing subtracts (frees, resets and destroys by anyone), so
 * the hot path never scans; when a request would cross a limit the tenant first recounts from the
 * regions and refuses only if the exact figure is over. Counting happens before the directory is
 * asked, so a failure between the two leaves at worst a count that is too high until the next
 * recount, never a region or allocation the tenant does not know of; a region created but not
 * recorded (an {@code Error} while recording) is destroyed again.
 *
 * <h2>Failures</h2>
 *
 * Nothing a guest passes can take the host down. An adapter calls {@link #enter()} before each
 * import body (which makes sure it has {@link StackGuard#HEADROOM} bytes of stack, else the guest
 * traps before anything changed), and hands whatever the body threw to {@link #failure(Throwable)},
 * which records it as the tenant's {@linkplain #lastFailure() last failure} and classifies it: a
 * {@link TvmException} as is, any other runtime exception as {@code INVALID_ARGUMENT}, {@code
 * OutOfMemoryError} as {@code NO_MEMORY}, any other {@code Error} a trap ({@link
 * TvmTrapException}); a {@code StackOverflowError} goes on to Chicory, which reports the trap
 * "call stack exhausted". The last failure is the guest's, whichever path it came from: what the
 * raw {@code last_error} and the typed {@code last-error} return.
 *
 * <h2>Lifecycle and threads</h2>
 *
 * {@link #close()} releases the tenant's pins, destroys the regions it created (unless built
 * {@linkplain Builder#withDestroyOnClose without}; regions pinned by others stay to the directory)
 * and drops every capability. A guest instance runs on one thread at a time; the host may {@link
 * #grant} and {@link #revoke} from any thread. Capabilities are read without a lock (acquire/release
 * elements of a copy-on-grow table); every other change is made under this object's monitor.
 */
public final class Tenant implements AutoCloseable {
    /** Largest batch {@link #allocateBatch} makes in one call. */
    public static final int MAX_BATCH = 1 << 20;

    private static final VarHandle CAPS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int INITIAL_IDS = 64;

    private final RegionDirectory directory;
    private final TenantQuota quota;
    private final boolean destroyOnClose;
    private final StackGuard guard = new StackGuard();

    /**
     * Capability table: {@code caps[id]} is the region generation this tenant may use for region
     * id {@code id}, or 0. Elements are read with acquire and written with release under {@code
     * this}; the array is replaced (copy-on-grow) under {@code this}.
     */
    private volatile int[] caps = new int[INITIAL_IDS];

    /** The live regions this tenant created, oldest first. Guarded by {@code this}. */
    private final List<Region> created = new ArrayList<>();

    /**
     * {@code createdGen[id]}: the generation of the created region with that id, or 0. Written
     * under {@code this}; read without a lock by {@link #admitAllocations}'s fast exit.
     */
    private int[] createdGen = new int[INITIAL_IDS];

    /** Sum of the created regions' capacities. Guarded by {@code this}. */
    private long reserved;

    /** Upper bounds of live allocations, and of the bytes they hold, in created regions. */
    private long handles;

    private long bytes;

    /**
     * Pins this tenant took, by region reference (a count per region, mutated in place so that
     * releasing never allocates). Guarded by {@code this}.
     */
    private final Map<Integer, int[]> pins = new HashMap<>();

    private volatile TvmException lastFailure;

    private Tenant(Builder builder) {
        this.directory = builder.directory;
        this.quota = builder.quota;
        this.destroyOnClose = builder.destroyOnClose;
    }

    /** Starts a tenant of {@code directory}. */
    public static Builder builder(RegionDirectory directory) {
        return new Builder(directory);
    }

    /** Configures a {@link Tenant}. */
    public static final class Builder {
        private final RegionDirectory directory;
        private boolean destroyOnClose = true;
        private TenantQuota quota = TenantQuota.DEFAULT;

        private Builder(RegionDirectory directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** What the tenant may own; default {@link TenantQuota#DEFAULT}. */
        public Builder withQuota(TenantQuota value) {
            this.quota = Objects.requireNonNull(value, "quota");
            return this;
        }

        /**
         * Whether {@link Tenant#close()} destroys the regions the tenant created (default true: a
         * tenant's regions die with it).
         */
        public Builder withDestroyOnClose(boolean value) {
            this.destroyOnClose = value;
            return this;
        }

        /** The tenant. */
        public Tenant build() {
            return new Tenant(this);
        }
    }

    /** The directory this tenant lives in. */
    public RegionDirectory directory() {
        return directory;
    }

    /** What this tenant may own. */
    public TenantQuota quota() {
        return quota;
    }

    // ---------------------------------------------------------------- capabilities

    /** Lets this tenant use region {@code ref} (created by the host or by another tenant). */
    public synchronized void grant(int ref) {
        directory.region(ref); // fails for dead references
        int id = HandleCodec.regionId(ref);
        int[] table = caps;
        if (id >= table.length) {
            table = Arrays.copyOf(table, Math.max(id + 1, table.length * 2));
            caps = table;
        }
        CAPS.setRelease(table, id, HandleCodec.regionGen(ref));
    }

    /** Withdraws this tenant's capability for {@code ref}. */
    public synchronized void revoke(int ref) {
        int id = HandleCodec.regionId(ref);
        int[] table = caps;
        if (id < table.length && heldGeneration(table, id) == HandleCodec.regionGen(ref)) {
            CAPS.setRelease(table, id, 0);
        }
    }

    /** Whether this tenant may use region {@code ref}. */
    public boolean holds(int ref) {
        int id = HandleCodec.regionId(ref);
        int[] table = caps;
        return id != 0
                && id < table.length
                && HandleCodec.regionGen(ref) != 0
                && heldGeneration(table, id) == HandleCodec.regionGen(ref);
    }

    private static int heldGeneration(int[] table, int id) {
        return (int) CAPS.getAcquire(table, id);
    }

    /**
     * The live region a guest's region argument names, if this tenant may use it.
     *
     * @throws TvmException classified as the class comment says
     */
    public Region region(long refArg) {
        if (refArg <= 0 || refArg > Integer.MAX_VALUE) {
            throw TvmException.of(
                    refArg == 0 ? ErrorCode.NO_SUCH_REGION : ErrorCode.ACCESS_DENIED,
                    "region argument " + refArg + " is not a region reference");
        }
        int ref = (int) refArg;
        checkCapability(ref, null);
        return directory.region(ref);
    }

    /**
     * Fails unless this tenant may use the region of {@code handle}; the directory checks the rest
     * (generation, liveness, bounds) when it is used.
     */
    public void checkHandle(long handle) {
        checkCapability(HandleCodec.regionRef(handle), handle);
    }

    private void checkCapability(int ref, Long handle) {
        if (holds(ref)) {
            return;
        }
        if (handle != null && handle == HandleCodec.NULL) {
            throw TvmException.of(ErrorCode.FORGED_HANDLE, "the null handle names no allocation");
        }
        int id = HandleCodec.regionId(ref);
        int gen = HandleCodec.regionGen(ref);
        int[] table = caps;
        int held = id != 0 && id < table.length ? heldGeneration(table, id) : 0;
        String subject = handle != null ? HandleCodec.describe(handle) : HandleCodec.describeRegion(ref);
        if (held != 0 && gen != 0 && gen < held) {
            // An earlier incarnation of a region this tenant holds now: certainly destroyed.
            throw TvmException.of(ErrorCode.STALE_REGION, subject + " names a destroyed region");
        }
        throw TvmException.of(ErrorCode.ACCESS_DENIED, subject + " names a region this guest holds no capability for");
    }

    /** The live regions this tenant may use, by id. */
    public List<Region> heldRegions() {
        List<Region> out = new ArrayList<>();
        for (Region r : directory.liveRegions()) {
            if (holds(r.ref())) {
                out.add(r);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- regions it owns

    /**
     * Creates a region owned by this tenant: counted against its quota, granted to it and
     * recorded, so that {@link #close()} destroys it. If recording fails (an {@code Error}), the
     * region is destroyed again, so no region outlives its tenant unrecorded.
     *
     * @throws TvmException.CapacityExceededException ({@code TOO_MANY_REGIONS} or {@code
     *     NO_MEMORY}) if the quota or the directory refuses
     */
    public Region createRegion(RegionSpec spec) {
        admitRegion(spec.capacity());
        Region region = directory.create(spec);
        boolean recorded = false;
        try {
            synchronized (this) {
                recordRegion(region);
                grant(region.ref());
            }
            recorded = true;
            return region;
        } finally {
            if (!recorded) {
                undoCreate(region);
            }
        }
    }

    private synchronized void undoCreate(Region region) {
        forgetRegion(region.ref());
        revoke(region.ref());
        try {
            directory.destroy(region.ref());
        } catch (TvmException goneAlready) {
            // destroyed meanwhile (the directory closed)
        }
    }

    /** Destroys a region this tenant may use (its own or a granted one) and forgets it. */
    public void destroyRegion(long refArg) {
        Region region = region(refArg);
        directory.destroy(region.ref());
        synchronized (this) {
            forgetRegion(region.ref());
        }
    }

    /** References of the regions this tenant created that it knows to be alive, oldest first. */
    public synchronized List<Integer> createdRegions() {
        List<Integer> refs = new ArrayList<>(created.size());
        for (Region r : created) {
            refs.add(r.ref());
        }
        return refs;
    }

    /** Refuses a region of {@code capacity} bytes if it would cross the region or reserved quota. */
    private synchronized void admitRegion(long capacity) {
        if (created.size() >= quota.maxRegions() || capacity > quota.maxReservedBytes() - reserved) {
            recount();
        }
        if (created.size() >= quota.maxRegions()) {
            throw TvmException.of(
                    ErrorCode.TOO_MANY_REGIONS,
                    "tenant quota: this guest owns " + created.size() + " live regions, its limit; destroy one first");
        }
        if (capacity > quota.maxReservedBytes() - reserved) {
            throw TvmException.of(
                    ErrorCode.NO_MEMORY,
                    "tenant quota: a region of " + capacity + " bytes would take this guest's reserved address space"
                            + " to " + (reserved + capacity) + " bytes, above its limit of "
                            + quota.maxReservedBytes() + "; destroy regions or ask for smaller ones");
        }
    }

    private void recordRegion(Region region) {
        int id = region.id();
        if (id >= createdGen.length) {
            createdGen = Arrays.copyOf(createdGen, Math.max(id + 1, createdGen.length * 2));
        }
        created.add(region);
        createdGen[id] = HandleCodec.regionGen(region.ref());
        reserved += region.capacity();
    }

    private void forgetRegion(int ref) {
        for (int i = 0; i < created.size(); i++) {
            if (created.get(i).ref() == ref) {
                forget(i);
                return;
            }
        }
    }

    private void forget(int index) {
        Region region = created.remove(index);
        createdGen[region.id()] = 0;
        reserved -= region.capacity();
    }

    /** Whether this tenant created region {@code ref} (and has not been told it is gone). */
    private boolean owns(int ref) {
        int id = HandleCodec.regionId(ref);
        int[] table = createdGen;
        return id < table.length && table[id] == HandleCodec.regionGen(ref) && table[id] != 0;
    }

    /** Exact figures from the created regions; drops those destroyed elsewhere. */
    private void recount() {
        long h = 0;
        long b = 0;
        for (int i = created.size() - 1; i >= 0; i--) {
            Region region = created.get(i);
            RegionStats s;
            try {
                directory.region(region.ref());
                s = region.stats();
            } catch (TvmException gone) {
                forget(i);
                continue;
            }
            h += s.liveAllocations();
            b += s.usedBytes();
        }
        handles = h;
        bytes = b;
    }

    // ---------------------------------------------------------------- allocations

    /** Allocates {@code size} bytes in a region this tenant may use, within its quota. */
    public long allocate(long refArg, long size) {
        Region region = region(refArg);
        admitAllocations(region, size, 1);
        return region.allocate(size);
    }

    /** Takes a lease of {@code size} bytes in a region this tenant may use, within its quota. */
    public long lease(long refArg, long size) {
        Region region = region(refArg);
        admitAllocations(region, size, 1);
        return region.lease(size);
    }

    /**
     * Makes {@code count} allocations of {@code size} bytes in a region this tenant may use,
     * within its quota, all or nothing.
     *
     * @throws TvmException.InvalidArgumentException if {@code count} is outside {@code
     *     0..}{@value #MAX_BATCH}
     */
    public long[] allocateBatch(long refArg, long size, long count) {
        Region region = region(refArg);
        checkBatchCount(count);
        long[] handles = new long[(int) count];
        admitAllocations(region, size, count);
        region.allocateBatch(size, (int) count, handles, 0);
        return handles;
    }

    /** Fails unless {@code count} is a batch size {@link #allocateBatch} accepts. */
    public static void checkBatchCount(long count) {
        if (count < 0 || count > MAX_BATCH) {
            throw new TvmException.InvalidArgumentException("batch count " + count + " is outside 0.." + MAX_BATCH);
        }
    }

    /**
     * Refuses {@code count} allocations of {@code size} bytes in {@code region} if they would cross
     * the handle or resident quota; counts them otherwise. Regions the tenant did not create, and
     * sizes the region will refuse anyway, are not counted.
     */
    private void admitAllocations(Region region, long size, long count) {
        if (!owns(region.ref()) || size <= 0 || size > region.capacity() || count <= 0) {
            return;
        }
        synchronized (this) {
            long addBytes = size * count; // size <= 4 GiB, count <= 2^20: no overflow
            if (count > quota.maxHandles() - handles || addBytes > quota.maxResidentBytes() - bytes) {
                recount();
            }
            if (count > quota.maxHandles() - handles) {
                throw TvmException.of(
                        ErrorCode.TOO_MANY_HANDLES,
                        "tenant quota: this guest holds " + handles + " live allocations in its regions and may hold "
                                + quota.maxHandles() + "; free some first");
            }
            if (addBytes > quota.maxResidentBytes() - bytes) {
                throw TvmException.of(
                        ErrorCode.NO_MEMORY,
                        "tenant quota: " + addBytes + " more bytes would take this guest's allocations to "
                                + (bytes + addBytes) + " bytes, above its limit of " + quota.maxResidentBytes()
                                + "; free or reset first");
            }
            handles += count;
            bytes += addBytes;
        }
    }

    // ---------------------------------------------------------------- pins

    /**
     * Pins a region this tenant may use, on its behalf: only {@link #unpin} of this tenant
     * releases the pin, and {@link #close()} releases what is left.
     */
    public synchronized void pin(long refArg) {
        Region region = region(refArg);
        // Recorded first: if taking the pin fails, the count is taken back (without allocating);
        // a pin can never be held without its entry here.
        int[] held = pins.computeIfAbsent(region.ref(), r -> new int[1]);
        held[0]++;
        boolean pinned = false;
        try {
            region.pin();
            pinned = true;
        } finally {
            if (!pinned) {
                unrecordPin(region.ref(), held);
            }
        }
    }

    /**
     * Releases one pin this tenant took on a region.
     *
     * @throws TvmException.InvalidArgumentException if it holds no pin on it (another tenant's or
     *     the host's pins are not its to release)
     */
    public synchronized void unpin(long refArg) {
        Region region = region(refArg);
        int[] held = pins.get(region.ref());
        if (held == null) {
            throw new TvmException.InvalidArgumentException(region + " holds no pin taken by this guest");
        }
        // The record first: a failure after this line can at worst leave one of the tenant's own
        // pins held (released again when it closes), never release a pin that is not its own.
        unrecordPin(region.ref(), held);
        region.unpin();
    }

    private void unrecordPin(int ref, int[] held) {
        if (--held[0] == 0) {
            pins.remove(ref);
        }
    }

    // ---------------------------------------------------------------- failures

    /**
     * Called by an adapter before an import body: returns if the body has {@link
     * StackGuard#HEADROOM} bytes of stack.
     *
     * @throws StackOverflowError if it has not; nothing was changed (Chicory traps the guest)
     */
    public void enter() {
        guard.check();
    }

    /**
     * Records what an import body threw as this tenant's last failure and returns it as the
     * failure the guest sees: a {@link TvmException} as is, any other runtime exception as {@code
     * INVALID_ARGUMENT} (a host bug or an argument the checks missed, kept as the cause), {@code
     * OutOfMemoryError} as {@code NO_MEMORY} (the call failed and changed nothing the guest can
     * observe).
     *
     * @throws StackOverflowError {@code thrown} itself, unrecorded: Chicory reports it as the trap
     *     "call stack exhausted"
     * @throws TvmTrapException for any other {@code Error}, recorded, the error kept as the cause
     */
    public TvmException failure(Throwable thrown) {
        TvmException failure;
        switch (thrown) {
            case TvmException e -> failure = e;
            case OutOfMemoryError e -> failure =
                    wrap(TvmException.of(ErrorCode.NO_MEMORY, "the host ran out of memory: " + e.getMessage()), e);
            case StackOverflowError e -> throw e;
            case Error e -> {
                TvmException hostError =
                        wrap(new TvmException.InvalidArgumentException("host error in the call: " + e), e);
                lastFailure = hostError;
                throw TvmTrapException.of(hostError);
            }
            default -> failure =
                    wrap(new TvmException.InvalidArgumentException("host rejected the call: " + thrown), thrown);
        }
        lastFailure = failure;
        return failure;
    }

    private static TvmException wrap(TvmException wrapper, Throwable cause) {
        wrapper.initCause(cause);
        return wrapper;
    }

    /**
     * The code of this tenant's most recent failure on either path, 0 if none: what {@code
     * last_error} returns.
     */
    public int lastError() {
        TvmException failure = lastFailure;
        return failure == null ? 0 : failure.code().code();
    }

    /**
     * The failure behind {@link #lastError()}, with its message and cause (which file, how many
     * bytes, what the file system said), or null if none. For hosts that report a guest's error to
     * a person.
     */
    public TvmException lastFailure() {
        return lastFailure;
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Releases the pins this tenant still holds, destroys the regions it created (if so
     * configured; regions pinned by another holder stay to the directory) and drops every
     * capability.
     */
    @Override
    public synchronized void close() {
        for (Map.Entry<Integer, int[]> held : pins.entrySet()) {
            try {
                Region region = directory.region(held.getKey());
                for (int i = 0; i < held.getValue()[0]; i++) {
                    region.unpin();
                }
            } catch (TvmException destroyedMeanwhile) {
                // the region went with its pins
            }
        }
        pins.clear();
        if (destroyOnClose && !directory.isClosed()) {
            for (Region region : created) {
                try {
                    directory.destroy(region.ref());
                } catch (TvmException alreadyGoneOrPinned) {
                    // destroyed elsewhere, or pinned by another holder: leave it to the directory
                }
            }
        }
        created.clear();
        createdGen = new int[INITIAL_IDS];
        reserved = 0;
        handles = 0;
        bytes = 0;
        caps = new int[INITIAL_IDS];
    }
}
