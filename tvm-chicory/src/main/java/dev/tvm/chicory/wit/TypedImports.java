package dev.tvm.chicory.wit;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import dev.tvm.chicory.Tenant;
import dev.tvm.chicory.TenantQuota;
import dev.tvm.chicory.TvmImports;
import dev.tvm.chicory.TvmTrapException;
import dev.tvm.core.AllocatorKind;
import dev.tvm.core.CompactionResult;
import dev.tvm.core.DirectoryStats;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionInfo;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.RegionStats;
import dev.tvm.core.ResidencyStats;
import dev.tvm.core.Tier;
import dev.tvm.core.TvmException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The typed path: the {@code tvm:memory} interfaces of {@code wit/tvm.wit} (on the classpath as
 * {@value #WIT_RESOURCE}) for one Chicory guest instance, over a shared {@link RegionDirectory}.
 * A core-module guest imports {@code tvm:memory/manager@0.1.0}, {@code
 * tvm:memory/bytes@0.1.0} and {@code tvm:memory/diagnostics@0.1.0} with canonical-ABI
 * signatures and exports {@code memory} and {@code cabi_realloc}; see {@code docs/typed-path.md}.
 *
 * <pre>{@code
 * TypedImports typed = TypedImports.builder(dir).build();       // one per guest instance
 * Instance instance = Instance.builder(module)
 *         .withImportValues(typed.toImportValues())
 *         .build();
 * }</pre>
 *
 * <p>Each function below is a lambda from lifted Java values to Java values ({@link WitHost} does
 * the canonical ABI). Failures of functions returning {@code result<_, error-code>} become its
 * error case (the {@link ErrorCode} of the same name) and set {@link #lastError()}; the others
 * cannot fail except by a closed directory, which traps ({@link TvmTrapException}).
 *
 * <p>This class is an adapter over the guest's {@link Tenant} (its own, or one shared with the raw
 * path of the same guest via {@link #builder(Tenant)} or {@link #builder(TvmImports)}): what the
 * guest may reach, its pins, its quota and its last error are the tenant's, checked and
 * classified by the same code as on the raw path.
 */
public final class TypedImports implements AutoCloseable {
    /** Where the WIT lives on the classpath (copied from {@code wit/tvm.wit} at build time). */
    public static final String WIT_RESOURCE = "wit/tvm.wit";

    private static final class Holder {
        static final WitPackage WIT = load();

        private static WitPackage load() {
            WitPackage pkg = WitParser.parseResource(WIT_RESOURCE);
            WitInterface types = pkg.iface("types");
            checkEnum(types, "region-kind", RegionKind.class);
            checkEnum(types, "allocator", AllocatorKind.class);
            checkEnum(types, "tier", Tier.class);
            checkEnum(types, "error-code", ErrorCode.class);
            return pkg;
        }

        private static void checkEnum(WitInterface types, String name, Class<? extends Enum<?>> java) {
            List<String> wit = ((WitType.EnumType) types.type(name)).cases();
            List<String> expected = new ArrayList<>();
            for (Enum<?> c : java.getEnumConstants()) {
                expected.add(WitArgs.witName(c));
            }
            if (!wit.equals(expected)) {
                throw new IllegalStateException("enum " + name + " in " + WIT_RESOURCE + " is " + wit + " but "
                        + java.getSimpleName() + " is " + expected);
            }
        }
    }

    /** The parsed {@code tvm:memory} package. */
    public static WitPackage wit() {
        return Holder.WIT;
    }

    /** Largest {@code alloc-batch} count, as on the raw path. */
    public static final int MAX_BATCH = Tenant.MAX_BATCH;

    private final Tenant tenant;
    private final boolean ownsTenant;
    private final RegionDirectory directory;
    private final TvmImports tvm;
    private final WitHost host;

    private TypedImports(Builder b) {
        this.ownsTenant = b.tenant == null;
        this.tenant = ownsTenant ? b.ownTenant.build() : b.tenant;
        this.tvm = b.tvm != null ? b.tvm : TvmImports.of(tenant);
        this.directory = tenant.directory();
        this.host = bind(WitHost.builder(wit())).build();
    }

    /** A binding with a tenant of its own over {@code directory}. */
    public static Builder builder(RegionDirectory directory) {
        return new Builder(Tenant.builder(directory), null, null);
    }

    /**
     * A binding over {@code tenant}, for a guest that imports both paths: regions created or
     * granted on one are usable on the other, and both count against one quota. Closing this
     * binding does not close the tenant.
     */
    public static Builder builder(Tenant tenant) {
        return new Builder(null, Objects.requireNonNull(tenant, "tenant"), null);
    }

    /** A binding over {@code tvm}'s tenant (see {@link #builder(Tenant)}); {@link #tvm()} is {@code tvm}. */
    public static Builder builder(TvmImports tvm) {
        return new Builder(null, Objects.requireNonNull(tvm, "tvm").tenant(), tvm);
    }

    /** Configures a {@link TypedImports}. */
    public static final class Builder {
        private final Tenant.Builder ownTenant;
        private final Tenant tenant;
        private final TvmImports tvm;

        private Builder(Tenant.Builder ownTenant, Tenant tenant, TvmImports tvm) {
            this.ownTenant = ownTenant;
            this.tenant = tenant;
            this.tvm = tvm;
        }

        /**
         * What this guest may own; default {@link TenantQuota#DEFAULT}. Only for a binding with
         * its own tenant: one built on a shared tenant uses that tenant's quota.
         */
        public Builder withQuota(TenantQuota value) {
            ownTenantBuilder("quota").withQuota(value);
            return this;
        }

        /**
         * Whether {@link #close()} destroys the regions the guest created (default true). Only for
         * a binding with its own tenant: a shared tenant's creator decides.
         */
        public Builder withDestroyOnClose(boolean value) {
            ownTenantBuilder("destroy-on-close setting").withDestroyOnClose(value);
            return this;
        }

        private Tenant.Builder ownTenantBuilder(String what) {
            if (ownTenant == null) {
                throw new IllegalStateException("a binding built on a shared tenant uses that tenant's " + what);
            }
            return ownTenant;
        }

        /** The binding. */
        public TypedImports build() {
            return new TypedImports(this);
        }
    }

    // ---------------------------------------------------------------- public surface

    /** The host functions of the three interfaces. Each call returns new objects bound to this binding. */
    public HostFunction[] functions() {
        return host.functions();
    }

    /** {@link #functions()} as Chicory import values. */
    public ImportValues toImportValues() {
        return ImportValues.builder().addFunction(functions()).build();
    }

    /** Calls so far per function ({@code manager.alloc}, ...), failed and trapped ones included. */
    public Map<String, Long> callCounts() {
        return host.callCounts();
    }

    /** The generic binding: core signatures, counts. */
    public WitHost host() {
        return host;
    }

    /** The guest's tenant: its capabilities, regions, pins, quota and last error. */
    public Tenant tenant() {
        return tenant;
    }

    /** The raw path over the same tenant (the one this binding was built on, if any). */
    public TvmImports tvm() {
        return tvm;
    }

    /** The directory this binding serves. */
    public RegionDirectory directory() {
        return directory;
    }

    /** The guest's most recent failure on either path, or null: what {@code last-error} returns. */
    public ErrorCode lastError() {
        TvmException failure = tenant.lastFailure();
        return failure == null ? null : failure.code();
    }

    /** Its message, "" if none: what {@code last-error-message} returns. */
    public String lastErrorMessage() {
        TvmException failure = tenant.lastFailure();
        if (failure == null) {
            return "";
        }
        return failure.getMessage() == null ? failure.code().name() : failure.getMessage();
    }

    /** References of the regions the guest created on either path ({@link Tenant#createdRegions()}). */
    public List<Integer> createdRegions() {
        return tenant.createdRegions();
    }

    // ---------------------------------------------------------------- the functions

    private WitHost.Builder bind(WitHost.Builder b) {
        WitPackage pkg = wit();
        // manager
        fn(b, pkg, "manager", "create-region", a -> {
            RegionKind kind = a.enumValue(0, RegionKind.class);
            long capacity = a.integer(1);
            String name = a.string(2);
            RegionSpec spec = RegionSpec.of(kind);
            if (capacity != 0) {
                spec = spec.withCapacity(capacity);
            }
            if (!name.isEmpty()) {
                spec = spec.withName(name);
            }
            return (long) tenant.createRegion(spec).ref();
        });
        fn(b, pkg, "manager", "destroy-region", a -> {
            tenant.destroyRegion(a.integer(0));
            return null;
        });
        fn(b, pkg, "manager", "describe", a -> info(tenant.region(a.integer(0))));
        fn(b, pkg, "manager", "list-regions", a -> {
            List<Object> out = new ArrayList<>();
            for (Region r : tenant.heldRegions()) {
                try {
                    out.add(info(r));
                } catch (TvmException.NoSuchRegionException destroyedMeanwhile) {
                    // skipped, as RegionDirectory.list() does
                }
            }
            return out;
        });
        // pins are the guest's own, shared with its raw path: see Tenant.pin
        fn(b, pkg, "manager", "pin", a -> {
            tenant.pin(a.integer(0));
            return null;
        });
        fn(b, pkg, "manager", "unpin", a -> {
            tenant.unpin(a.integer(0));
            return null;
        });
        fn(b, pkg, "manager", "reset", a -> {
            tenant.region(a.integer(0)).reset();
            return null;
        });
        fn(b, pkg, "manager", "compact", a -> {
            CompactionResult c = tenant.region(a.integer(0)).compact();
            return record(
                    "region", (long) c.ref(),
                    "allocations-moved", (long) c.allocationsMoved(),
                    "bytes-moved", c.bytesMoved(),
                    "touched-before", c.touchedBefore(),
                    "touched-after", c.touchedAfter(),
                    "bytes-reclaimed", c.bytesReclaimed());
        });
        fn(b, pkg, "manager", "alloc", a -> handle(tenant.allocate(a.integer(0), a.integer(1))));
        fn(b, pkg, "manager", "alloc-batch", a -> {
            long[] handles = tenant.allocateBatch(a.integer(0), a.integer(1), a.integer(2));
            List<Object> out = new ArrayList<>(handles.length);
            for (long h : handles) {
                out.add(handle(h));
            }
            return out;
        });
        fn(b, pkg, "manager", "free", a -> {
            long h = handleArg(a, 0);
            directory.free(h);
            return null;
        });
        fn(b, pkg, "manager", "size-of", a -> directory.sizeOf(handleArg(a, 0)));
        // bytes
        fn(b, pkg, "bytes", "write", a -> {
            long h = handleArg(a, 0);
            byte[] data = a.bytes(2);
            directory.write(h, a.integer(1), MemorySegment.ofArray(data), 0, data.length);
            return null;
        });
        fn(b, pkg, "bytes", "read", a -> {
            long h = handleArg(a, 0);
            long len = a.integer(2);
            if (len > Integer.MAX_VALUE) {
                throw new TvmException.InvalidArgumentException("read length " + len + " is above 2^31 - 1");
            }
            // Never more than the allocation holds: a longer read fails the core's bounds check
            // (OUT_OF_BOUNDS, counted) before anything is copied.
            byte[] out = new byte[(int) Math.min(len, directory.sizeOf(h))];
            directory.read(h, a.integer(1), MemorySegment.ofArray(out), 0, len);
            return out;
        });
        fn(b, pkg, "bytes", "copy", a -> {
            long dst = handleArg(a, 0);
            long src = handleArg(a, 2);
            directory.copy(dst, a.integer(1), src, a.integer(3), a.integer(4));
            return null;
        });
        fn(b, pkg, "bytes", "fill", a -> {
            long h = handleArg(a, 0);
            directory.fill(h, a.integer(1), a.integer(2), (byte) a.integer(3));
            return null;
        });
        // diagnostics
        fn(
                b,
                pkg,
                "diagnostics",
                "metrics",
                a -> metrics(tenant.region(a.integer(0)).stats(), 1));
        fn(b, pkg, "diagnostics", "directory-metrics", a -> {
            DirectoryStats totals = directory.stats();
            return metrics(totals.totals(), totals.liveRegions());
        });
        fn(b, pkg, "diagnostics", "residency", a -> {
            ResidencyStats r = directory.residencyStats();
            if (r == null) {
                return Optional.empty();
            }
            return Optional.of(record(
                    "budget-bytes", r.budgetBytes(),
                    "resident-bytes", r.residentBytes(),
                    "peak-resident-bytes", r.peakResidentBytes(),
                    "faults", r.faults(),
                    "bytes-faulted", r.bytesFaulted(),
                    "spills", r.spills(),
                    "bytes-spilled", r.bytesSpilled(),
                    "spill-failures", r.spillFailures(),
                    "spill-file-bytes", r.spillFileBytes()));
        });
        fn(b, pkg, "diagnostics", "region-count", a -> {
            return (long) tenant.heldRegions().size();
        });
        fn(b, pkg, "diagnostics", "last-error", a -> {
            ErrorCode e = lastError();
            return e == null ? Optional.empty() : Optional.of(WitArgs.witName(e));
        });
        fn(b, pkg, "diagnostics", "last-error-message", a -> lastErrorMessage());
        return b;
    }

    /** The handle argument at {@code index}, after the capability check. */
    private long handleArg(WitArgs a, int index) {
        long h = (Long) a.record(index).get("raw");
        tenant.checkHandle(h);
        return h;
    }

    private static Map<String, Object> handle(long raw) {
        return record("raw", raw);
    }

    private static Map<String, Object> info(Region region) {
        RegionInfo info = region.info();
        RegionStats s = info.stats();
        Set<String> policy = new LinkedHashSet<>();
        if (info.policy().pinnable()) {
            policy.add("pinnable");
        }
        if (info.policy().spillable()) {
            policy.add("spillable");
        }
        return record(
                "region", (long) info.ref(),
                "name", info.name(),
                "kind", WitArgs.witName(info.kind()),
                "allocator", WitArgs.witName(info.allocator()),
                "tier", WitArgs.witName(info.tier()),
                "policy", policy,
                "read-only", region.spec().readOnly(),
                "pin-count", (long) info.pinCount(),
                "capacity", info.capacity(),
                "live-allocations", s.liveAllocations(),
                "live-bytes", s.liveBytes(),
                "used-bytes", s.usedBytes(),
                "touched-bytes", s.touchedBytes(),
                "resident-bytes", info.residentBytes(),
                "spilled-bytes", info.spilledBytes());
    }

    private static Map<String, Object> metrics(RegionStats s, long regions) {
        List<Object> failures = new ArrayList<>();
        for (ErrorCode code : ErrorCode.values()) {
            long n = s.failures(code);
            if (n > 0) {
                failures.add(record("code", WitArgs.witName(code), "count", n));
            }
        }
        return record(
                "allocations", s.allocations(),
                "frees", s.frees(),
                "leases", s.leases(),
                "bytes-allocated", s.bytesAllocated(),
                "bytes-freed", s.bytesFreed(),
                "live-allocations", s.liveAllocations(),
                "live-bytes", s.liveBytes(),
                "used-bytes", s.usedBytes(),
                "touched-bytes", s.touchedBytes(),
                "bytes-read", s.bytesRead(),
                "bytes-written", s.bytesWritten(),
                "compactions", s.compactions(),
                "bytes-moved", s.bytesMoved(),
                "resets", s.resets(),
                "handle-failures", s.totalFailures(),
                "live-regions", regions,
                "failures", failures);
    }

    private static Map<String, Object> record(Object... namesAndValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            out.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return out;
    }

    // ---------------------------------------------------------------- errors

    /**
     * Registers {@code body} for {@code iface.name}. For a function returning {@code result<T,
     * error-code>} the body returns the ok payload and a {@link TvmException} becomes the error
     * case; for any other function a failure traps.
     */
    private void fn(WitHost.Builder b, WitPackage pkg, String iface, String name, WitHost.Implementation body) {
        WitType result = pkg.iface(iface).function(name).result();
        boolean errorResult = result instanceof WitType.ResultType r
                && r.error() instanceof WitType.EnumType e
                && e.name().equals("error-code");
        b.implement(iface, name, args -> {
            try {
                tenant.enter();
                Object value = body.call(args);
                return errorResult ? WitResult.ok(value) : value;
            } catch (Throwable thrown) {
                TvmException e = tenant.failure(thrown);
                if (errorResult) {
                    return WitResult.error(WitArgs.witName(e.code()));
                }
                throw TvmTrapException.of(e);
            }
        });
    }

    /** Closes the tenant if this binding created it (see {@link Tenant#close()}). */
    @Override
    public void close() {
        if (ownsTenant) {
            tenant.close();
        }
    }
}
