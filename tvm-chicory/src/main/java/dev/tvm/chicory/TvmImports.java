package dev.tvm.chicory;

import static com.dylibso.chicory.wasm.types.ValType.F32;
import static com.dylibso.chicory.wasm.types.ValType.F64;
import static com.dylibso.chicory.wasm.types.ValType.I32;
import static com.dylibso.chicory.wasm.types.ValType.I64;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.AllocatorKind;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionInfo;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.RegionStats;
import dev.tvm.core.TvmException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The raw fast path: the {@code tvm} import module for one Chicory guest instance, backed by a
 * shared {@link RegionDirectory}. The ABI (names, signatures, error conventions, record layouts)
 * is specified in {@code docs/raw-abi.md}; {@link #functions()} implements exactly that table.
 *
 * <pre>{@code
 * RegionDirectory dir = RegionDirectory.builder().build();   // shared by every guest
 * TvmImports tvm = TvmImports.builder(dir).build();          // one per guest instance
 * Instance instance = Instance.builder(module)
 *         .withImportValues(tvm.toImportValues())
 *         .withMachineFactory(MachineFactoryCompiler::compile)
 *         .build();
 * }</pre>
 *
 * <h2>Isolation</h2>
 *
 * Each {@code TvmImports} holds a capability table: the regions its guest created and those the
 * host {@linkplain #grant granted}. Every function checks the table before it touches the
 * directory, so a guest can never reach another tenant's region, even with a correct handle.
 * Nothing a guest passes can crash the host: every failure becomes an error code or a {@link
 * TvmTrapException}.
 *
 * <h2>Quotas and host errors</h2>
 *
 * What the guest owns is bounded by its {@link TenantQuota} ({@link TenantQuota#DEFAULT} unless
 * the builder says otherwise), shared with a {@link dev.tvm.chicory.wit.TypedImports} built on
 * this binding. Every import first makes sure it has {@link StackGuard#HEADROOM} bytes of stack
 * (else the guest traps before anything changed) and turns an {@code Error} inside it into a
 * failure: {@code OutOfMemoryError} into {@code NO_MEMORY}, any other into a trap. State changes
 * are ordered so that a failure between two steps cannot split them: a pin is recorded before it
 * is taken and released from the ledger before the region, quotas are counted before the
 * directory is asked.
 *
 * <h2>Threads</h2>
 *
 * A guest instance runs on one thread at a time, which owns {@link #lastError()}; the host may
 * {@link #grant} or {@link #revoke} from any thread.
 */
public final class TvmImports implements AutoCloseable {
    /** The import module name. */
    public static final String MODULE = "tvm";

    /** Bytes of a {@code tvm_region_info} record. */
    public static final int REGION_INFO_SIZE = 64;

    /** Bytes of a {@code tvm_metrics} record. */
    public static final int METRICS_SIZE = 128;

    /** Largest {@code alloc_batch} count. */
    public static final int MAX_BATCH = 1 << 20;

    /** {@code region_create} flag bits 0–2: allocator override. */
    public static final int ALLOCATOR_MASK = 0x7;

    /** {@code region_create} flag bit 3: spillable whatever the kind's default. */
    public static final int FLAG_SPILLABLE = 0x8;

    private static final int COPY_CHUNK = 64 * 1024;
    private static final VarHandle CAPS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final AllocatorKind[] ALLOCATORS = AllocatorKind.values();

    private final RegionDirectory directory;
    private final boolean destroyOnClose;
    private final TenantLedger ledger;
    private final StackGuard guard = new StackGuard();
    private final Function<TvmException, long[]> trapOnError = this::trapWith;

    /**
     * Capability table: {@code caps[id]} is the region generation this guest may use for region
     * id {@code id}, or 0. Elements are read with acquire and written with release under {@code
     * this}; the array is replaced (copy-on-grow) under {@code this}.
     */
    private volatile int[] caps = new int[64];

    private final List<Integer> created = new ArrayList<>();

    /**
     * Pins this guest took, by region reference (a count per region, mutated in place so that
     * releasing never allocates). Guarded by {@code this}. A guest may release only these (not
     * the host's or another tenant's), and they are released when it closes, so a tenant that
     * leaves cannot keep a region undestroyable and uncompactable.
     */
    private final Map<Integer, int[]> pins = new HashMap<>();

    private int lastError;
    private TvmException lastFailure;
    private byte[] scratch;

    private TvmImports(Builder builder) {
        this.directory = builder.directory;
        this.destroyOnClose = builder.destroyOnClose;
        this.ledger = new TenantLedger(builder.directory, builder.quota);
    }

    /** Starts a binding to {@code directory}. */
    public static Builder builder(RegionDirectory directory) {
        return new Builder(directory);
    }

    /** Configures a {@link TvmImports}. */
    public static final class Builder {
        private final RegionDirectory directory;
        private boolean destroyOnClose = true;
        private TenantQuota quota = TenantQuota.DEFAULT;

        private Builder(RegionDirectory directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** What this guest may own; default {@link TenantQuota#DEFAULT}. */
        public Builder withQuota(TenantQuota value) {
            this.quota = Objects.requireNonNull(value, "quota");
            return this;
        }

        /**
         * Whether {@link TvmImports#close()} destroys the regions this guest created (default
         * true: a tenant's regions die with it).
         */
        public Builder withDestroyOnClose(boolean value) {
            this.destroyOnClose = value;
            return this;
        }

        public TvmImports build() {
            return new TvmImports(this);
        }
    }

    /** The directory this binding serves. */
    public RegionDirectory directory() {
        return directory;
    }

    /** What this guest may own. */
    public TenantQuota quota() {
        return ledger.quota();
    }

    /** The stack guard of this binding's imports (a typed binding on it uses the same). */
    public StackGuard stackGuard() {
        return guard;
    }

    // ---------------------------------------------------------------- capabilities

    /** Lets this guest use region {@code ref} (created by the host or by another guest). */
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

    /** Withdraws this guest's capability for {@code ref}. */
    public synchronized void revoke(int ref) {
        int id = HandleCodec.regionId(ref);
        int[] table = caps;
        if (id < table.length && (int) CAPS.getAcquire(table, id) == HandleCodec.regionGen(ref)) {
            CAPS.setRelease(table, id, 0);
        }
    }

    /** Whether this guest may use region {@code ref}. */
    public boolean holds(int ref) {
        int id = HandleCodec.regionId(ref);
        int[] table = caps;
        return id != 0
                && id < table.length
                && HandleCodec.regionGen(ref) != 0
                && (int) CAPS.getAcquire(table, id) == HandleCodec.regionGen(ref);
    }

    /** References of the regions this guest created and has not destroyed. */
    public synchronized List<Integer> createdRegions() {
        return List.copyOf(created);
    }

    /**
     * The code of this guest's most recent failure, 0 if none. What {@code last_error} returns.
     */
    public int lastError() {
        return lastError;
    }

    /**
     * The failure behind {@link #lastError()}, with its message and cause (which file, how many
     * bytes, what the file system said), or null if none. For hosts that report a guest's error
     * code to a person.
     */
    public TvmException lastFailure() {
        return lastFailure;
    }

    private Region region(long refArg) {
        if (refArg <= 0 || refArg > Integer.MAX_VALUE) {
            throw TvmException.of(
                    refArg == 0 ? ErrorCode.NO_SUCH_REGION : ErrorCode.ACCESS_DENIED,
                    "region argument " + refArg + " is not a region reference");
        }
        int ref = (int) refArg;
        checkCapability(ref, null);
        return directory.region(ref);
    }

    private void checkHandle(long handle) {
        checkCapability(HandleCodec.regionRef(handle), handle);
    }

    private void checkCapability(int ref, Long handle) {
        if (holds(ref)) {
            return;
        }
        int id = HandleCodec.regionId(ref);
        int gen = HandleCodec.regionGen(ref);
        int[] table = caps;
        int held = id != 0 && id < table.length ? (int) CAPS.getAcquire(table, id) : 0;
        String subject = handle != null ? HandleCodec.describe(handle) : HandleCodec.describeRegion(ref);
        if (handle != null && handle == HandleCodec.NULL) {
            throw TvmException.of(ErrorCode.FORGED_HANDLE, "the null handle names no allocation");
        }
        if (held != 0 && gen != 0 && gen < held) {
            // An earlier incarnation of a region this guest holds now: certainly destroyed.
            throw TvmException.of(ErrorCode.STALE_REGION, subject + " names a destroyed region");
        }
        throw TvmException.of(ErrorCode.ACCESS_DENIED, subject + " names a region this guest holds no capability for");
    }

    // ---------------------------------------------------------------- error plumbing

    private int fail(TvmException e) {
        lastFailure = e;
        lastError = e.code().code();
        return lastError;
    }

    private TvmTrapException trap(TvmException e) {
        lastFailure = e;
        lastError = e.code().code();
        return new TvmTrapException(e.code(), e.getMessage(), e);
    }

    private static long[] i32(int v) {
        return new long[] {v};
    }

    private static long[] i64(long v) {
        return new long[] {v};
    }

    // ---------------------------------------------------------------- guest memory

    private static Memory memory(Instance instance) {
        Memory m = instance.memory();
        if (m == null) {
            throw TvmException.of(ErrorCode.GUEST_OUT_OF_BOUNDS, "the guest has no memory 0");
        }
        return m;
    }

    /** Checks {@code [ptr, ptr + len)} against the guest's memory and returns ptr as an int. */
    private static int guestRange(Memory memory, long ptrArg, long len) {
        long ptr = ptrArg & 0xFFFF_FFFFL;
        long size = (long) memory.pages() * Memory.PAGE_SIZE;
        if (len < 0 || ptr > size || len > size - ptr) {
            throw TvmException.of(
                    ErrorCode.GUEST_OUT_OF_BOUNDS,
                    "guest range [" + ptr + ", " + ptr + " + " + len + ") is outside the guest's " + size
                            + "-byte memory");
        }
        return (int) ptr;
    }

    private static long length(long lenArg) {
        int len = (int) lenArg;
        if (len < 0) {
            throw new TvmException.InvalidArgumentException("length " + len + " is negative");
        }
        return len;
    }

    private byte[] scratch() {
        if (scratch == null) {
            scratch = new byte[COPY_CHUNK];
        }
        return scratch;
    }

    /** Region to guest, one copy when the guest memory is a {@link SegmentMemory}. */
    private void readToGuest(Memory memory, long handle, long offset, int ptr, long len) {
        if (memory instanceof SegmentMemory segmentMemory) {
            directory.read(handle, offset, segmentMemory.segment(), ptr, len);
            return;
        }
        // Chicory's stock memories expose no segment: stage through a reused chunk buffer.
        byte[] buffer = scratch();
        MemorySegment staging = MemorySegment.ofArray(buffer);
        long done = 0;
        if (len == 0) {
            directory.read(handle, offset, staging, 0, 0);
        }
        while (done < len) {
            int n = (int) Math.min(COPY_CHUNK, len - done);
            directory.read(handle, offset + done, staging, 0, n);
            memory.write(ptr + (int) done, buffer, 0, n);
            done += n;
        }
    }

    /** Guest to region, one copy when the guest memory is a {@link SegmentMemory}. */
    private void writeFromGuest(Memory memory, long handle, long offset, int ptr, long len) {
        if (memory instanceof SegmentMemory segmentMemory) {
            directory.write(handle, offset, segmentMemory.segment(), ptr, len);
            return;
        }
        if (len == 0) {
            directory.write(handle, offset, MemorySegment.ofArray(scratch()), 0, 0);
        }
        long done = 0;
        while (done < len) {
            int n = (int) Math.min(COPY_CHUNK, len - done);
            byte[] chunk = memory.readBytes(ptr + (int) done, n);
            directory.write(handle, offset + done, MemorySegment.ofArray(chunk), 0, n);
            done += n;
        }
    }

    // ---------------------------------------------------------------- the ABI

    private int regionCreate(long kindArg, long capacityArg, long flagsArg) {
        RegionKind kind = RegionKind.fromCode(kindArg);
        int flags = (int) flagsArg;
        if (kind == null) {
            throw new TvmException.InvalidArgumentException("unknown region kind " + (int) kindArg);
        }
        if ((flags & ~(ALLOCATOR_MASK | FLAG_SPILLABLE)) != 0 || (flags & ALLOCATOR_MASK) > ALLOCATORS.length) {
            throw new TvmException.InvalidArgumentException("invalid region flags 0x" + Integer.toHexString(flags));
        }
        RegionSpec spec = RegionSpec.of(kind);
        if (capacityArg != 0) {
            spec = spec.withCapacity(capacityArg);
        }
        if ((flags & ALLOCATOR_MASK) != 0) {
            spec = spec.withAllocator(ALLOCATORS[(flags & ALLOCATOR_MASK) - 1]);
        }
        if ((flags & FLAG_SPILLABLE) != 0) {
            spec = spec.withPolicy(spec.policy().withSpillable(true));
        }
        return createRegion(spec, created).ref();
    }

    /**
     * Creates a region owned by this guest: counted against its {@link TenantQuota}, granted to
     * it, and recorded in {@code createdBy} (the creating binding's list of regions to destroy
     * when it closes). If recording fails (an {@code Error}), the region is destroyed again, so no
     * region outlives its tenant unrecorded. For the typed path; the raw path uses it too.
     *
     * @throws TvmException.CapacityExceededException ({@code TOO_MANY_REGIONS} or {@code
     *     NO_MEMORY}) if the quota or the directory refuses
     */
    public Region createRegion(RegionSpec spec, List<Integer> createdBy) {
        ledger.admitRegion(spec.capacity());
        Region region = directory.create(spec);
        boolean recorded = false;
        try {
            synchronized (this) {
                createdBy.add(region.ref());
                ledger.recordRegion(region);
                grant(region.ref());
            }
            recorded = true;
            return region;
        } finally {
            if (!recorded) {
                undoCreate(region, createdBy);
            }
        }
    }

    private synchronized void undoCreate(Region region, List<Integer> createdBy) {
        createdBy.remove(Integer.valueOf(region.ref()));
        ledger.forgetRegion(region.ref());
        revoke(region.ref());
        try {
            directory.destroy(region.ref());
        } catch (TvmException goneAlready) {
            // destroyed meanwhile (the directory closed)
        }
    }

    /**
     * Destroys a region this guest may use and forgets it in {@code createdBy} and the quota.
     * For the typed path; the raw path uses it too.
     */
    public void destroyRegion(Region region, List<Integer> createdBy) {
        directory.destroy(region.ref());
        synchronized (this) {
            createdBy.remove(Integer.valueOf(region.ref()));
            ledger.forgetRegion(region.ref());
        }
    }

    /** Allocates in a region this guest may use, within its quota. For the typed path. */
    public long allocate(Region region, long size) {
        ledger.admitAllocations(region, size, 1);
        return region.allocate(size);
    }

    /** Takes a lease in a region this guest may use, within its quota. For the typed path. */
    public long lease(Region region, long size) {
        ledger.admitAllocations(region, size, 1);
        return region.lease(size);
    }

    /**
     * Makes {@code count} allocations in a region this guest may use, within its quota, all or
     * nothing. For the typed path.
     */
    public long[] allocateBatch(Region region, long size, int count) {
        if (count < 0 || count > MAX_BATCH) {
            throw new TvmException.InvalidArgumentException("batch count " + count + " is outside 0.." + MAX_BATCH);
        }
        long[] handles = new long[count];
        ledger.admitAllocations(region, size, count);
        region.allocateBatch(size, count, handles, 0);
        return handles;
    }

    private int regionDestroy(long refArg) {
        destroyRegion(region(refArg), created);
        return 0;
    }

    private int regionDescribe(Instance instance, long refArg, long outArg) {
        Region region = region(refArg);
        Memory memory = memory(instance);
        int out = guestRange(memory, outArg, REGION_INFO_SIZE);
        RegionInfo info = region.info();
        RegionStats s = info.stats();
        memory.writeI32(out, info.ref());
        memory.writeI32(out + 4, info.kind().code());
        memory.writeI32(out + 8, info.allocator().code() + 1);
        memory.writeI32(out + 12, info.tier().code());
        memory.writeI32(out + 16, info.pinCount());
        memory.writeI32(
                out + 20, (info.policy().pinnable() ? 1 : 0) | (info.policy().spillable() ? 2 : 0));
        memory.writeLong(out + 24, info.capacity());
        memory.writeLong(out + 32, s.liveAllocations());
        memory.writeLong(out + 40, s.liveBytes());
        memory.writeLong(out + 48, s.usedBytes());
        memory.writeLong(out + 56, s.touchedBytes());
        return 0;
    }

    private int allocBatch(Instance instance, long refArg, long size, long countArg, long outArg) {
        Region region = region(refArg);
        int count = (int) countArg;
        if (count < 0 || count > MAX_BATCH) {
            throw new TvmException.InvalidArgumentException("batch count " + count + " is outside 0.." + MAX_BATCH);
        }
        Memory memory = memory(instance);
        int out = guestRange(memory, outArg, 8L * count);
        long[] handles = allocateBatch(region, size, count);
        for (int i = 0; i < count; i++) {
            memory.writeLong(out + 8 * i, handles[i]);
        }
        return count;
    }

    /**
     * Pins region {@code ref} (as the guest passed it) on behalf of this guest, which must hold a
     * capability for it. The pin
     * is this guest's: only {@link #unpin} of this binding releases it, and {@link #close} releases
     * what is left. The raw and typed paths of one guest share these pins.
     *
     * @return 0
     */
    public synchronized int pin(long ref) {
        Region region = region(ref);
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
        return 0;
    }

    private void unrecordPin(int ref, int[] held) {
        if (--held[0] == 0) {
            pins.remove(ref);
        }
    }

    /**
     * Releases one pin this guest took on region {@code ref}.
     *
     * @return 0
     * @throws TvmException.InvalidArgumentException if this guest holds no pin on it (another
     *     tenant's or the host's pins are not its to release)
     */
    public synchronized int unpin(long ref) {
        Region region = region(ref);
        int[] held = pins.get(region.ref());
        if (held == null) {
            throw new TvmException.InvalidArgumentException(region + " holds no pin taken by this guest");
        }
        // The ledger first: a failure after this line can at worst leave one of the guest's own
        // pins held (released again when it closes), never release a pin that is not its own.
        unrecordPin(region.ref(), held);
        region.unpin();
        return 0;
    }

    private int metrics(Instance instance, long refArg, long outArg) {
        RegionStats s;
        long regions;
        if (refArg == 0) {
            var totals = directory.stats();
            s = totals.totals();
            regions = totals.liveRegions();
        } else {
            s = region(refArg).stats();
            regions = 1;
        }
        Memory memory = memory(instance);
        int out = guestRange(memory, outArg, METRICS_SIZE);
        long[] fields = {
            s.allocations(),
            s.frees(),
            s.leases(),
            s.bytesAllocated(),
            s.bytesFreed(),
            s.liveAllocations(),
            s.liveBytes(),
            s.usedBytes(),
            s.touchedBytes(),
            s.bytesRead(),
            s.bytesWritten(),
            s.compactions(),
            s.bytesMoved(),
            s.resets(),
            s.totalFailures(),
            regions
        };
        for (int i = 0; i < fields.length; i++) {
            memory.writeLong(out + 8 * i, fields[i]);
        }
        return 0;
    }

    /**
     * The host functions of the {@code tvm} module, in the order of {@code docs/raw-abi.md}.
     * Each call returns new objects bound to this binding.
     */
    public HostFunction[] functions() {
        List<HostFunction> fns = new ArrayList<>();
        fns.add(status("region_create", new ValType[] {I32, I64, I32}, (inst, a) -> regionCreate(a[0], a[1], a[2])));
        fns.add(status("region_destroy", new ValType[] {I32}, (inst, a) -> regionDestroy(a[0])));
        fns.add(status("region_describe", new ValType[] {I32, I32}, (inst, a) -> regionDescribe(inst, a[0], a[1])));
        fns.add(handleFn("alloc", (inst, a) -> allocate(region(a[0]), a[1])));
        fns.add(status(
                "alloc_batch",
                new ValType[] {I32, I64, I32, I32},
                (inst, a) -> allocBatch(inst, a[0], a[1], a[2], a[3])));
        fns.add(handleFn("lease", (inst, a) -> lease(region(a[0]), a[1])));
        fns.add(status("free", new ValType[] {I64}, (inst, a) -> {
            checkHandle(a[0]);
            directory.free(a[0]);
            return 0;
        }));
        fns.add(value("size_of", new ValType[] {I64}, (inst, a) -> {
            checkHandle(a[0]);
            return directory.sizeOf(a[0]);
        }));
        fns.add(status("read", new ValType[] {I64, I64, I32, I32}, (inst, a) -> {
            checkHandle(a[0]);
            Memory memory = memory(inst);
            long len = length(a[3]);
            int ptr = guestRange(memory, a[2], len);
            readToGuest(memory, a[0], a[1], ptr, len);
            return 0;
        }));
        fns.add(status("write", new ValType[] {I64, I64, I32, I32}, (inst, a) -> {
            checkHandle(a[0]);
            Memory memory = memory(inst);
            long len = length(a[3]);
            int ptr = guestRange(memory, a[2], len);
            writeFromGuest(memory, a[0], a[1], ptr, len);
            return 0;
        }));
        fns.add(status("copy", new ValType[] {I64, I64, I64, I64, I64}, (inst, a) -> {
            checkHandle(a[0]);
            checkHandle(a[2]);
            directory.copy(a[0], a[1], a[2], a[3], a[4]);
            return 0;
        }));
        fns.add(status("fill", new ValType[] {I64, I64, I64, I32}, (inst, a) -> {
            checkHandle(a[0]);
            directory.fill(a[0], a[1], a[2], (byte) a[3]);
            return 0;
        }));
        fns.add(load("load_i32", I32, (inst, a) -> {
            checkHandle(a[0]);
            return directory.getInt(a[0], a[1]);
        }));
        fns.add(load("load_i64", I64, (inst, a) -> {
            checkHandle(a[0]);
            return directory.getLong(a[0], a[1]);
        }));
        fns.add(load("load_f32", F32, (inst, a) -> {
            checkHandle(a[0]);
            return directory.getInt(a[0], a[1]) & 0xFFFF_FFFFL; // raw bits, as Chicory passes f32
        }));
        fns.add(load("load_f64", F64, (inst, a) -> {
            checkHandle(a[0]);
            return directory.getLong(a[0], a[1]);
        }));
        fns.add(store("store_i32", I32, (inst, a) -> {
            checkHandle(a[0]);
            directory.setInt(a[0], a[1], (int) a[2]);
        }));
        fns.add(store("store_i64", I64, (inst, a) -> {
            checkHandle(a[0]);
            directory.setLong(a[0], a[1], a[2]);
        }));
        fns.add(store("store_f32", F32, (inst, a) -> {
            checkHandle(a[0]);
            directory.setInt(a[0], a[1], (int) a[2]);
        }));
        fns.add(store("store_f64", F64, (inst, a) -> {
            checkHandle(a[0]);
            directory.setLong(a[0], a[1], a[2]);
        }));
        fns.add(status("pin", new ValType[] {I32}, (inst, a) -> pin(a[0])));
        fns.add(status("unpin", new ValType[] {I32}, (inst, a) -> unpin(a[0])));
        fns.add(status("reset", new ValType[] {I32}, (inst, a) -> {
            region(a[0]).reset();
            return 0;
        }));
        fns.add(value("compact", new ValType[] {I32}, (inst, a) -> region(a[0])
                .compact()
                .bytesReclaimed()));
        fns.add(status("metrics", new ValType[] {I32, I32}, (inst, a) -> metrics(inst, a[0], a[1])));
        // No guard: reads one field, changes nothing.
        fns.add(new HostFunction(
                MODULE,
                "last_error",
                FunctionType.of(new ValType[0], new ValType[] {I32}),
                (inst, a) -> i32(lastError)));
        fns.add(value("address_of", new ValType[] {I64}, (inst, a) -> {
            checkHandle(a[0]);
            return directory.addressOf(a[0]);
        }));
        return fns.toArray(new HostFunction[0]);
    }

    /** {@link #functions()} as Chicory import values. */
    public ImportValues toImportValues() {
        return ImportValues.builder().addFunction(functions()).build();
    }

    @FunctionalInterface
    private interface IntOp {
        int apply(Instance instance, long[] args);
    }

    @FunctionalInterface
    private interface LongOp {
        long apply(Instance instance, long[] args);
    }

    @FunctionalInterface
    private interface VoidOp {
        void apply(Instance instance, long[] args);
    }

    /**
     * Runs an import body: after the stack check, with every failure turned into {@code onError}'s
     * result ({@code TvmException}s, other runtime exceptions as {@code INVALID_ARGUMENT}, {@code
     * OutOfMemoryError} as {@code NO_MEMORY}). A {@code StackOverflowError} is rethrown: Chicory
     * reports it to the caller as the trap "call stack exhausted". Any other {@code Error} traps.
     */
    private long[] run(Instance inst, long[] args, LongOp op, Function<TvmException, long[]> onError) {
        try {
            guard.check();
            return i64(op.apply(inst, args));
        } catch (TvmException e) {
            return onError.apply(e);
        } catch (RuntimeException e) {
            return onError.apply(BindingSupport.internal(e));
        } catch (OutOfMemoryError e) {
            return onError.apply(BindingSupport.outOfMemory(e));
        } catch (StackOverflowError e) {
            throw e;
        } catch (Error e) {
            throw trap(BindingSupport.hostError(e));
        }
    }

    private HostFunction status(String name, ValType[] params, IntOp op) {
        LongOp body = op::apply;
        Function<TvmException, long[]> onError = e -> i32(fail(e));
        return new HostFunction(
                MODULE,
                name,
                FunctionType.of(params, new ValType[] {I32}),
                (inst, args) -> run(inst, args, body, onError));
    }

    private HostFunction value(String name, ValType[] params, LongOp op) {
        Function<TvmException, long[]> onError = e -> i64(fail(e));
        return new HostFunction(
                MODULE,
                name,
                FunctionType.of(params, new ValType[] {I64}),
                (inst, args) -> run(inst, args, op, onError));
    }

    private HostFunction handleFn(String name, LongOp op) {
        Function<TvmException, long[]> onError = e -> {
            fail(e);
            return i64(HandleCodec.NULL);
        };
        return new HostFunction(
                MODULE,
                name,
                FunctionType.of(new ValType[] {I32, I64}, new ValType[] {I64}),
                (inst, args) -> run(inst, args, op, onError));
    }

    private HostFunction load(String name, ValType result, LongOp op) {
        return new HostFunction(
                MODULE,
                name,
                FunctionType.of(new ValType[] {I64, I64}, new ValType[] {result}),
                (inst, args) -> run(inst, args, op, trapOnError));
    }

    private HostFunction store(String name, ValType value, VoidOp op) {
        LongOp body = (inst, args) -> {
            op.apply(inst, args);
            return 0;
        };
        return new HostFunction(
                MODULE, name, FunctionType.of(new ValType[] {I64, I64, value}, new ValType[0]), (inst, args) -> {
                    run(inst, args, body, trapOnError);
                    return null;
                });
    }

    /** Loads and stores have no result to carry a code: every failure traps. */
    private long[] trapWith(TvmException e) {
        throw trap(e);
    }

    /**
     * Releases the pins this guest still holds, destroys the regions it created (if so
     * configured) and drops all capabilities.
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
        if (destroyOnClose) {
            BindingSupport.destroyCreated(directory, created);
        }
        created.clear();
        ledger.clear();
        caps = new int[64];
    }
}
