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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The raw fast path: the {@code tvm} import module for one Chicory guest instance, an adapter over
 * the guest's {@link Tenant} in a shared {@link RegionDirectory}. The ABI (names, signatures, error
 * conventions, record layouts) is specified in {@code docs/raw-abi.md}; {@link #functions()}
 * implements exactly that table.
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
 * <p>What the guest may reach, its pins, its quota and its last error are its {@link Tenant}'s
 * (its own from {@link #builder}, or one shared with the typed path from {@link #of}); every
 * function resolves its region and handle arguments through the tenant before the directory is
 * touched, and reports failures as the tenant classifies them: an error code, or a {@link
 * TvmTrapException} for loads and stores, which have no result to carry one. This class adds only
 * the ABI: argument decoding, guest-memory ranges and record layouts.
 */
public final class TvmImports implements AutoCloseable {
    /** The import module name. */
    public static final String MODULE = "tvm";

    /** Bytes of a {@code tvm_region_info} record. */
    public static final int REGION_INFO_SIZE = 64;

    /** Bytes of a {@code tvm_metrics} record. */
    public static final int METRICS_SIZE = 128;

    /** Largest {@code alloc_batch} count. */
    public static final int MAX_BATCH = Tenant.MAX_BATCH;

    /** {@code region_create} flag bits 0–2: allocator override. */
    public static final int ALLOCATOR_MASK = 0x7;

    /** {@code region_create} flag bit 3: spillable whatever the kind's default. */
    public static final int FLAG_SPILLABLE = 0x8;

    private static final int COPY_CHUNK = 64 * 1024;
    private static final AllocatorKind[] ALLOCATORS = AllocatorKind.values();

    private final Tenant tenant;
    private final boolean ownsTenant;
    private final RegionDirectory directory;
    private final Function<TvmException, long[]> trapOnError = TvmImports::trapWith;
    private byte[] scratch;

    private TvmImports(Tenant tenant, boolean ownsTenant) {
        this.tenant = tenant;
        this.ownsTenant = ownsTenant;
        this.directory = tenant.directory();
    }

    /** Starts a binding to {@code directory} with a tenant of its own. */
    public static Builder builder(RegionDirectory directory) {
        return new Builder(directory);
    }

    /**
     * The raw path of {@code tenant} (which may also serve a typed binding of the same guest).
     * Closing this binding does not close the tenant.
     */
    public static TvmImports of(Tenant tenant) {
        return new TvmImports(Objects.requireNonNull(tenant, "tenant"), false);
    }

    /** Configures a {@link TvmImports} and its own {@link Tenant}. */
    public static final class Builder {
        private final Tenant.Builder tenant;

        private Builder(RegionDirectory directory) {
            this.tenant = Tenant.builder(directory);
        }

        /** What this guest may own; default {@link TenantQuota#DEFAULT}. */
        public Builder withQuota(TenantQuota value) {
            tenant.withQuota(value);
            return this;
        }

        /**
         * Whether {@link TvmImports#close()} destroys the regions this guest created (default
         * true: a tenant's regions die with it).
         */
        public Builder withDestroyOnClose(boolean value) {
            tenant.withDestroyOnClose(value);
            return this;
        }

        /** The binding, with a new tenant that it closes when it closes. */
        public TvmImports build() {
            return new TvmImports(tenant.build(), true);
        }
    }

    /** The guest's tenant: its capabilities, regions, pins, quota and last error. */
    public Tenant tenant() {
        return tenant;
    }

    /** The directory this binding serves. */
    public RegionDirectory directory() {
        return directory;
    }

    /** What this guest may own ({@link Tenant#quota()}). */
    public TenantQuota quota() {
        return tenant.quota();
    }

    /** Lets this guest use region {@code ref} ({@link Tenant#grant}). */
    public void grant(int ref) {
        tenant.grant(ref);
    }

    /** Withdraws this guest's capability for {@code ref} ({@link Tenant#revoke}). */
    public void revoke(int ref) {
        tenant.revoke(ref);
    }

    /** Whether this guest may use region {@code ref} ({@link Tenant#holds}). */
    public boolean holds(int ref) {
        return tenant.holds(ref);
    }

    /** References of the regions this guest created ({@link Tenant#createdRegions()}). */
    public List<Integer> createdRegions() {
        return tenant.createdRegions();
    }

    /** The code of this guest's most recent failure, 0 if none ({@link Tenant#lastError()}). */
    public int lastError() {
        return tenant.lastError();
    }

    /** The failure behind {@link #lastError()}, or null ({@link Tenant#lastFailure()}). */
    public TvmException lastFailure() {
        return tenant.lastFailure();
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

    /** Region to guest, one copy when the guest memory is an unpaged {@link SegmentMemory}. */
    private void readToGuest(Memory memory, long handle, long offset, int ptr, long len) {
        if (memory instanceof SegmentMemory segmentMemory && segmentMemory.paging() == null) {
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

    /** Guest to region, one copy when the guest memory is an unpaged {@link SegmentMemory}. */
    private void writeFromGuest(Memory memory, long handle, long offset, int ptr, long len) {
        if (memory instanceof SegmentMemory segmentMemory && segmentMemory.paging() == null) {
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
        return tenant.createRegion(spec).ref();
    }

    private int regionDestroy(long refArg) {
        tenant.destroyRegion(refArg);
        return 0;
    }

    private int regionDescribe(Instance instance, long refArg, long outArg) {
        Region region = tenant.region(refArg);
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
        tenant.region(refArg);
        int count = (int) countArg;
        Tenant.checkBatchCount(count);
        Memory memory = memory(instance);
        int out = guestRange(memory, outArg, 8L * count);
        long[] handles = tenant.allocateBatch(refArg, size, count);
        for (int i = 0; i < count; i++) {
            memory.writeLong(out + 8 * i, handles[i]);
        }
        return count;
    }

    private int metrics(Instance instance, long refArg, long outArg) {
        RegionStats s;
        long regions;
        if (refArg == 0) {
            var totals = directory.stats();
            s = totals.totals();
            regions = totals.liveRegions();
        } else {
            s = tenant.region(refArg).stats();
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
        fns.add(handleFn("alloc", (inst, a) -> tenant.allocate(a[0], a[1])));
        fns.add(status(
                "alloc_batch",
                new ValType[] {I32, I64, I32, I32},
                (inst, a) -> allocBatch(inst, a[0], a[1], a[2], a[3])));
        fns.add(handleFn("lease", (inst, a) -> tenant.lease(a[0], a[1])));
        fns.add(status("free", new ValType[] {I64}, (inst, a) -> {
            tenant.checkHandle(a[0]);
            directory.free(a[0]);
            return 0;
        }));
        fns.add(value("size_of", new ValType[] {I64}, (inst, a) -> {
            tenant.checkHandle(a[0]);
            return directory.sizeOf(a[0]);
        }));
        fns.add(status("read", new ValType[] {I64, I64, I32, I32}, (inst, a) -> {
            tenant.checkHandle(a[0]);
            Memory memory = memory(inst);
            long len = length(a[3]);
            int ptr = guestRange(memory, a[2], len);
            readToGuest(memory, a[0], a[1], ptr, len);
            return 0;
        }));
        fns.add(status("write", new ValType[] {I64, I64, I32, I32}, (inst, a) -> {
            tenant.checkHandle(a[0]);
            Memory memory = memory(inst);
            long len = length(a[3]);
            int ptr = guestRange(memory, a[2], len);
            writeFromGuest(memory, a[0], a[1], ptr, len);
            return 0;
        }));
        fns.add(status("copy", new ValType[] {I64, I64, I64, I64, I64}, (inst, a) -> {
            tenant.checkHandle(a[0]);
            tenant.checkHandle(a[2]);
            directory.copy(a[0], a[1], a[2], a[3], a[4]);
            return 0;
        }));
        fns.add(status("fill", new ValType[] {I64, I64, I64, I32}, (inst, a) -> {
            tenant.checkHandle(a[0]);
            directory.fill(a[0], a[1], a[2], (byte) a[3]);
            return 0;
        }));
        fns.add(load("load_i32", I32, (inst, a) -> {
            tenant.checkHandle(a[0]);
            return directory.getInt(a[0], a[1]);
        }));
        fns.add(load("load_i64", I64, (inst, a) -> {
            tenant.checkHandle(a[0]);
            return directory.getLong(a[0], a[1]);
        }));
        fns.add(load("load_f32", F32, (inst, a) -> {
            tenant.checkHandle(a[0]);
            return directory.getInt(a[0], a[1]) & 0xFFFF_FFFFL; // raw bits, as Chicory passes f32
        }));
        fns.add(load("load_f64", F64, (inst, a) -> {
            tenant.checkHandle(a[0]);
            return directory.getLong(a[0], a[1]);
        }));
        fns.add(store("store_i32", I32, (inst, a) -> {
            tenant.checkHandle(a[0]);
            directory.setInt(a[0], a[1], (int) a[2]);
        }));
        fns.add(store("store_i64", I64, (inst, a) -> {
            tenant.checkHandle(a[0]);
            directory.setLong(a[0], a[1], a[2]);
        }));
        fns.add(store("store_f32", F32, (inst, a) -> {
            tenant.checkHandle(a[0]);
            directory.setInt(a[0], a[1], (int) a[2]);
        }));
        fns.add(store("store_f64", F64, (inst, a) -> {
            tenant.checkHandle(a[0]);
            directory.setLong(a[0], a[1], a[2]);
        }));
        fns.add(status("pin", new ValType[] {I32}, (inst, a) -> {
            tenant.pin(a[0]);
            return 0;
        }));
        fns.add(status("unpin", new ValType[] {I32}, (inst, a) -> {
            tenant.unpin(a[0]);
            return 0;
        }));
        fns.add(status("reset", new ValType[] {I32}, (inst, a) -> {
            tenant.region(a[0]).reset();
            return 0;
        }));
        fns.add(value("compact", new ValType[] {I32}, (inst, a) -> tenant.region(a[0])
                .compact()
                .bytesReclaimed()));
        fns.add(status("metrics", new ValType[] {I32, I32}, (inst, a) -> metrics(inst, a[0], a[1])));
        // No guard: reads one field, changes nothing.
        fns.add(new HostFunction(
                MODULE,
                "last_error",
                FunctionType.of(new ValType[0], new ValType[] {I32}),
                (inst, a) -> i32(tenant.lastError())));
        fns.add(value("address_of", new ValType[] {I64}, (inst, a) -> {
            tenant.checkHandle(a[0]);
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
     * Runs an import body after the tenant's stack check, with every failure recorded and
     * classified by {@link Tenant#failure} and turned into {@code onError}'s result.
     */
    private long[] run(Instance inst, long[] args, LongOp op, Function<TvmException, long[]> onError) {
        try {
            tenant.enter();
            return i64(op.apply(inst, args));
        } catch (Throwable thrown) {
            return onError.apply(tenant.failure(thrown));
        }
    }

    private HostFunction status(String name, ValType[] params, IntOp op) {
        LongOp body = op::apply;
        Function<TvmException, long[]> onError = e -> i32(e.code().code());
        return new HostFunction(
                MODULE,
                name,
                FunctionType.of(params, new ValType[] {I32}),
                (inst, args) -> run(inst, args, body, onError));
    }

    private HostFunction value(String name, ValType[] params, LongOp op) {
        Function<TvmException, long[]> onError = e -> i64(e.code().code());
        return new HostFunction(
                MODULE,
                name,
                FunctionType.of(params, new ValType[] {I64}),
                (inst, args) -> run(inst, args, op, onError));
    }

    private HostFunction handleFn(String name, LongOp op) {
        Function<TvmException, long[]> onError = e -> i64(HandleCodec.NULL);
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
    private static long[] trapWith(TvmException e) {
        throw TvmTrapException.of(e);
    }

    /** Closes the tenant if this binding created it (see {@link Tenant#close()}). */
    @Override
    public void close() {
        if (ownsTenant) {
            tenant.close();
        }
    }
}
