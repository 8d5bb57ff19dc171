package dev.tvm.chicory.wit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.Tenant;
import dev.tvm.chicory.TestGuests;
import dev.tvm.chicory.TvmImports;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.DirectoryStats;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionInfo;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.RegionStats;
import dev.tvm.core.ResidencyStats;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The C guest {@code guests/src/typed.c} (clang, wasm32-unknown-unknown) on both Chicory engines,
 * calling every function of {@code wit/tvm.wit} through the canonical ABI, error results
 * included, with the host checking what the guest saw against the directory.
 */
class TypedGuestTest {
    private static final String GUEST = "typed.wasm";

    /** One typed guest instance over a directory. */
    private static final class Guest implements AutoCloseable {
        final TypedImports typed;
        final Instance instance;

        Guest(Engine engine, RegionDirectory dir) {
            this(engine, TypedImports.builder(dir).build(), SegmentMemory.factory());
        }

        Guest(Engine engine, TypedImports typed, Function<MemoryLimits, Memory> memories) {
            this.typed = typed;
            WasmModule module = TestGuests.module(GUEST);
            Instance.Builder b = Instance.builder(module)
                    .withImportValues(typed.toImportValues())
                    .withMemoryFactory(memories);
            var machine = engine.machineFactory(module);
            if (machine != null) {
                b.withMachineFactory(machine);
            }
            this.instance = b.build();
        }

        long call(String export, long... args) {
            return instance.export(export).apply(args)[0];
        }

        /** Writes UTF-8 into the guest's scratch buffer; returns its byte length. */
        int putString(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            instance.memory().write((int) call("typed_buffer"), b);
            return b.length;
        }

        String bufferString(int len) {
            return new String(instance.memory().readBytes((int) call("typed_buffer"), len), StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            typed.close();
            if (instance.memory() instanceof SegmentMemory m) {
                m.close();
            }
        }
    }

    private static byte[] bytes(RegionDirectory dir, long handle, long offset, int len) {
        byte[] out = new byte[len];
        dir.read(handle, offset, MemorySegment.ofArray(out), 0, len);
        return out;
    }

    // ---------------------------------------------------------------- every function

    @ParameterizedTest
    @EnumSource(Engine.class)
    void selftestCallsEveryFunctionOfEveryInterface(Engine engine) {
        try (RegionDirectory dir = RegionDirectory.builder().build();
                Guest g = new Guest(engine, dir)) {
            assertEquals(0, g.call("typed_selftest"), "the failing step of typed.c's selftest");

            Map<String, Long> counts = g.typed.callCounts();
            List<String> all = new ArrayList<>();
            for (WitInterface i : TypedImports.wit().interfaces().values()) {
                if (!i.name().equals("types")) {
                    i.functions().forEach(f -> all.add(i.name() + "." + f.name()));
                }
            }
            assertEquals(22, all.size());
            assertEquals(all, List.copyOf(counts.keySet()), "one host function per WIT function");
            for (String f : all) {
                assertTrue(counts.get(f) > 0, f + " was never called: " + counts);
            }
            // Error results were exercised too (the selftest expects 20-odd of them).
            assertTrue(counts.get("manager.describe") >= 6, counts.toString());
            assertTrue(g.call("typed_realloc_calls") > 0, "strings and lists came through cabi_realloc");

            // What the guest left behind, seen from the host.
            int kept = (int) g.call("typed_kept_region");
            long handle = g.call("typed_kept_handle");
            Region region = dir.region(kept);
            assertEquals("typed-kept", region.info().name());
            assertEquals(RegionKind.BLOB_ARENA, region.kind());
            assertEquals(HandleCodec.regionRef(handle), kept);
            assertEquals("kept by the typed guest", new String(bytes(dir, handle, 0, 23), StandardCharsets.UTF_8));
            assertEquals(List.of(kept), g.typed.createdRegions(), "the other regions were destroyed by the guest");
            assertEquals(1, dir.regionCount());
            assertEquals(ErrorCode.FORGED_HANDLE, g.typed.lastError(), "the selftest's last failure: free(null)");
            assertTrue(g.typed.tvm().holds(kept), "creation granted a capability in the shared table");
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void closingTheBindingDestroysTheGuestsRegions(Engine engine) {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Guest g = new Guest(engine, dir);
            assertEquals(0, g.call("typed_selftest"));
            assertEquals(1, dir.regionCount());
            g.close();
            assertEquals(0, dir.regionCount());
        }
    }

    // ---------------------------------------------------------------- results match the host

    @ParameterizedTest
    @EnumSource(Engine.class)
    void describeAndListMatchTheDirectory(Engine engine) {
        try (RegionDirectory dir = RegionDirectory.builder().build();
                Guest g = new Guest(engine, dir)) {
            String name = "réseau-ß-🙂 objects";
            int len = g.putString(name);
            long ref = g.call("typed_create_named", RegionKind.OBJECT_ARENA.code(), 1 << 20, len);
            assertTrue(ref > 0, "create-region: " + ref);
            Region region = dir.region((int) ref);
            assertEquals(name, region.info().name(), "a non-ASCII string parameter arrives intact");

            assertTrue(g.call("typed_alloc", ref, 100) > 0);
            assertEquals(8, g.call("typed_alloc_batch", ref, 48, 8));
            region.pin();

            RegionInfo info = region.info();
            RegionStats s = info.stats();
            long[] expected = {
                info.ref(),
                name.getBytes(StandardCharsets.UTF_8).length,
                info.kind().code(),
                info.allocator().code(),
                info.tier().code(),
                (info.policy().pinnable() ? 1 : 0) | (info.policy().spillable() ? 2 : 0),
                region.spec().readOnly() ? 1 : 0,
                info.pinCount(),
                info.capacity(),
                s.liveAllocations(),
                s.liveBytes(),
                s.usedBytes(),
                s.touchedBytes(),
                info.residentBytes(),
                info.spilledBytes()
            };
            for (int f = 0; f < expected.length; f++) {
                assertEquals(expected[f], g.call("typed_describe_field", ref, f), "region-info field " + f);
            }
            assertEquals(name, g.bufferString(expected[1] > 0 ? (int) expected[1] : 0), "a string result too");
            assertEquals(3, expected[5], "OBJECT_ARENA is pinnable and spillable");
            assertEquals(1, expected[7]);
            assertEquals(9, expected[9]);

            // A region created by the host is invisible until granted.
            Region foreign = dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(1 << 16));
            assertEquals(1, g.call("typed_list_count"));
            assertEquals(ref, g.call("typed_list_ref", 0));
            assertEquals(1, g.call("typed_region_count"));
            g.typed.tvm().grant(foreign.ref());
            assertEquals(2, g.call("typed_list_count"));
            assertEquals(foreign.ref(), g.call("typed_list_ref", 1), "by id");
            assertEquals(2, g.call("typed_region_count"));
            assertEquals(-1, g.call("typed_list_ref", 2));
            // the host's pin on a granted region is not the guest's to release
            foreign.pin();
            assertEquals(ErrorCode.INVALID_ARGUMENT.code(), g.call("typed_op", 3, foreign.ref()), "unpin");
            assertEquals(1, foreign.info().pinCount());
            foreign.unpin();
            region.unpin();
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void bytesAndMetricsMatchTheDirectory(Engine engine) {
        try (RegionDirectory dir = RegionDirectory.builder().build();
                Guest g = new Guest(engine, dir)) {
            long ref = g.call("typed_create_named", RegionKind.HOT_HEAP.code(), 1 << 20, 0);
            long h = g.call("typed_alloc", ref, 4096);
            long other = g.call("typed_alloc", ref, 64);
            assertTrue(h > 0 && other > 0);
            assertEquals(0, g.call("typed_write_pattern", h, 100, 3000, 11));
            byte[] written = bytes(dir, h, 100, 3000);
            long sum = 0;
            for (int i = 0; i < 3000; i++) {
                assertEquals((byte) (i * 7 + 11), written[i], "byte " + i);
                sum += (i * 7 + 11) & 0xFF;
            }
            assertEquals(sum, g.call("typed_read_sum", h, 100, 3000), "list<u8> result");
            dir.fill(h, 0, 10, (byte) 0xFF);
            assertEquals(10 * 255, g.call("typed_read_sum", h, 0, 10));
            assertEquals(0, g.call("typed_read_sum", h, 4096, 0), "an empty read at the end");

            // Error results: the raw codes.
            assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), g.call("typed_read_sum", h, 4000, 97));
            assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), g.call("typed_write_pattern", h, 4095, 2, 0));
            assertEquals(
                    ErrorCode.OUT_OF_BOUNDS.code(), g.call("typed_read_sum", other, 0, 1 << 30), "no huge host buffer");
            assertEquals(0, g.call("typed_op", 6, other), "free");
            assertEquals(ErrorCode.STALE_HANDLE.code(), g.call("typed_read_sum", other, 0, 1));
            assertEquals(ErrorCode.STALE_HANDLE.code(), g.call("typed_op", 9, other), "fill");
            assertEquals(ErrorCode.STALE_HANDLE.code(), g.call("typed_op", 10, other), "copy");
            assertEquals(ErrorCode.STALE_HANDLE.code(), g.call("typed_last_error"));

            RegionStats s = dir.region((int) ref).stats();
            long[] counters = {
                s.allocations(), s.frees(), s.leases(), s.bytesAllocated(), s.bytesFreed(), s.liveAllocations(),
                s.liveBytes(), s.usedBytes(), s.touchedBytes(), s.bytesRead(), s.bytesWritten(), s.compactions(),
                s.bytesMoved(), s.resets(), s.totalFailures(), 1
            };
            for (int f = 0; f < counters.length; f++) {
                assertEquals(counters[f], g.call("typed_metrics_field", ref, f), "metrics field " + f);
            }
            int kinds = 0;
            for (ErrorCode c : ErrorCode.values()) {
                // The WIT error-code enum lists the cases in declaration order (WitParserTest).
                @SuppressWarnings("EnumOrdinal")
                int witCase = c.ordinal();
                long n = s.failures(c);
                kinds += n > 0 ? 1 : 0;
                assertEquals(n, g.call("typed_metrics_field", ref, 100 + witCase), "failures of " + c);
            }
            assertEquals(kinds, g.call("typed_metrics_field", ref, 16));
            assertTrue(s.failures(ErrorCode.OUT_OF_BOUNDS) >= 3 && s.failures(ErrorCode.STALE_HANDLE) >= 3);

            DirectoryStats totals = dir.stats();
            assertEquals(totals.totals().allocations(), g.call("typed_metrics_field", 0, 0));
            assertEquals(totals.totals().bytesWritten(), g.call("typed_metrics_field", 0, 10));
            assertEquals(totals.liveRegions(), g.call("typed_metrics_field", 0, 15));
            assertEquals(-1, g.call("typed_residency_field", 0), "none without a budget");
            assertEquals(ErrorCode.ACCESS_DENIED.code(), g.call("typed_metrics_field", 0x7000, 0), "generation 0");
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void residencyIsReportedUnderABudget(Engine engine) {
        try (RegionDirectory dir =
                        RegionDirectory.builder().withResidentBudget(16L << 20).build();
                Guest g = new Guest(engine, dir)) {
            ResidencyStats r = dir.residencyStats();
            assertEquals(r.budgetBytes(), g.call("typed_residency_field", 0));
            assertEquals(dir.residencyStats().spillFileBytes(), g.call("typed_residency_field", 8));
            assertEquals(0, g.call("typed_selftest"), "the selftest accepts a budget too");
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void lastErrorMessageIsTheHostsMessage(Engine engine) {
        try (RegionDirectory dir = RegionDirectory.builder().build();
                Guest g = new Guest(engine, dir)) {
            assertEquals(0, g.call("typed_last_error"), "none yet");
            assertEquals(0, g.call("typed_last_error_message"), "empty string");
            assertEquals(ErrorCode.FORGED_HANDLE.code(), g.call("typed_op", 7, 0));
            assertEquals(ErrorCode.FORGED_HANDLE.code(), g.call("typed_last_error"));
            int len = (int) g.call("typed_last_error_message");
            assertEquals(g.typed.lastErrorMessage(), g.bufferString(len));
            assertTrue(g.typed.lastErrorMessage().contains("null handle"), g.typed.lastErrorMessage());
        }
    }

    // ---------------------------------------------------------------- capabilities

    /** The raw path's function {@code name} of the same capability table, called directly. */
    private static long raw(TvmImports tvm, String name, long arg) {
        for (HostFunction f : tvm.functions()) {
            if (f.name().equals(name)) {
                return f.handle().apply(null, arg)[0];
            }
        }
        throw new AssertionError(name);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void refusalsMatchTheRawPathCodeForCode(Engine engine) {
        try (RegionDirectory dir = RegionDirectory.builder().build();
                Guest g = new Guest(engine, dir)) {
            TvmImports tvm = g.typed.tvm();
            Region own = dir.region((int) g.call("typed_create_named", RegionKind.HOT_HEAP.code(), 1 << 16, 0));
            long ownHandle = g.call("typed_alloc", own.ref(), 16);
            Region foreign = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(1 << 16));
            long foreignHandle = foreign.allocate(16);
            // A destroyed region whose id now has a newer incarnation the guest holds.
            Region old = dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(1 << 16));
            long oldHandle = old.allocate(8);
            tvm.grant(old.ref());
            int oldRef = old.ref();
            dir.destroy(oldRef);
            Region reborn = dir.create(RegionSpec.of(RegionKind.SCRATCH).withCapacity(1 << 16));
            assertEquals(HandleCodec.regionId(oldRef), reborn.id(), "the id is reused");
            tvm.grant(reborn.ref());
            long freed = g.call("typed_alloc", own.ref(), 8);
            assertEquals(0, g.call("typed_op", 6, freed));

            long[] regions = {0, own.ref(), foreign.ref(), oldRef, reborn.ref(), 0x8000_0000L, 0x7fff_ffffL};
            ErrorCode[] regionCodes = {
                ErrorCode.NO_SUCH_REGION,
                null,
                ErrorCode.ACCESS_DENIED,
                ErrorCode.STALE_REGION,
                null,
                ErrorCode.ACCESS_DENIED,
                ErrorCode.ACCESS_DENIED
            };
            for (int i = 0; i < regions.length; i++) {
                long r = regions[i];
                long typedPin = g.call("typed_op", 2, r);
                long rawPin = raw(tvm, "pin", (int) r);
                assertEquals(rawPin, typedPin, "pin of " + Long.toHexString(r));
                assertEquals(regionCodes[i] == null ? 0 : regionCodes[i].code(), typedPin, "pin of " + r);
                assertEquals(raw(tvm, "unpin", (int) r), g.call("typed_op", 3, r), "unpin");
                assertEquals(raw(tvm, "unpin", (int) r), g.call("typed_op", 3, r), "unpin of an unpinned region");
            }
            long[] handles = {0, ownHandle, foreignHandle, oldHandle, freed, ownHandle + (1L << 60)};
            ErrorCode[] handleCodes = {
                ErrorCode.FORGED_HANDLE,
                null,
                ErrorCode.ACCESS_DENIED,
                ErrorCode.STALE_REGION,
                ErrorCode.STALE_HANDLE,
                ErrorCode.ACCESS_DENIED
            };
            for (int i = 0; i < handles.length; i++) {
                long typedSize = g.call("typed_op", 7, handles[i]);
                long rawSize = raw(tvm, "size_of", handles[i]);
                assertEquals(rawSize < 0 ? rawSize : 0, typedSize, "size-of of " + HandleCodec.describe(handles[i]));
                assertEquals(handleCodes[i] == null ? 0 : handleCodes[i].code(), typedSize, "handle " + i);
            }
            // Granting makes the foreign region usable; revoking takes it away again.
            tvm.grant(foreign.ref());
            assertEquals(0, g.call("typed_op", 7, foreignHandle));
            tvm.revoke(foreign.ref());
            assertEquals(ErrorCode.ACCESS_DENIED.code(), g.call("typed_op", 0, foreign.ref()));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aSharedTableServesBothPaths(Engine engine) {
        try (RegionDirectory dir = RegionDirectory.builder().build();
                TvmImports raw = TvmImports.builder(dir).build();
                Guest g = new Guest(engine, TypedImports.builder(raw).build(), SegmentMemory.factory())) {
            long ref = g.call("typed_create_named", RegionKind.BLOB_ARENA.code(), 1 << 16, 0);
            assertTrue(raw.holds((int) ref), "created on the typed path, held on the raw one");
            assertEquals(0, raw(raw, "pin", ref));
            assertEquals(1, g.call("typed_describe_field", ref, 7), "pin count seen by the typed path");
            g.typed.close();
            assertFalse(dir.liveRegions().isEmpty(), "pinned: not destroyed, and the shared table is not closed");
            assertTrue(raw.holds((int) ref));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    @SuppressWarnings("try") // the tenant is closed early on purpose, to see what closing does
    void oneTenantGivesBothPathsOneLastErrorAndOneLifetime(Engine engine) {
        try (RegionDirectory dir = RegionDirectory.builder().build();
                Tenant tenant = Tenant.builder(dir).build()) {
            TvmImports raw = TvmImports.of(tenant);
            long ref;
            try (Guest g = new Guest(engine, TypedImports.builder(tenant).build(), SegmentMemory.factory())) {
                ref = g.call("typed_create_named", RegionKind.BLOB_ARENA.code(), 1 << 16, 0);
                assertEquals(List.of((int) ref), tenant.createdRegions(), "created on the typed path, the tenant's");
                assertEquals(ErrorCode.FORGED_HANDLE.code(), raw(raw, "size_of", HandleCodec.NULL));
                assertEquals(ErrorCode.FORGED_HANDLE.code(), g.call("typed_last_error"), "a raw failure, seen typed");
                assertEquals(ErrorCode.ACCESS_DENIED.code(), g.call("typed_op", 2, 0x7fff_ffffL), "pin");
                assertEquals(ErrorCode.ACCESS_DENIED.code(), raw(raw, "last_error", 0), "a typed failure, seen raw");
                assertEquals(ErrorCode.ACCESS_DENIED, tenant.lastFailure().code());
                assertEquals(0, raw(raw, "pin", ref));
            }
            assertTrue(tenant.holds((int) ref), "closing a binding on a shared tenant leaves the tenant");
            raw.close();
            assertEquals(1, dir.regionCount(), "so does closing the raw adapter");
            assertEquals(1, dir.region((int) ref).info().pinCount());
            tenant.close();
            assertEquals(0, dir.regionCount(), "the tenant's pin went, and its region with it");
            assertFalse(tenant.holds((int) ref));
        }
    }

    // ---------------------------------------------------------------- traps

    @ParameterizedTest
    @EnumSource(Engine.class)
    void canonicalAbiViolationsTrap(Engine engine) {
        String[] what = {
            "enum discriminant 99",
            "misaligned return area",
            "return area past the end",
            "invalid UTF-8",
            "list past the end"
        };
        for (int kind = 0; kind < what.length; kind++) {
            try (RegionDirectory dir = RegionDirectory.builder().build();
                    Guest g = new Guest(engine, dir)) {
                int k = kind;
                CanonicalAbiException trap =
                        assertThrows(CanonicalAbiException.class, () -> g.call("typed_trap", k), what[kind]);
                assertTrue(trap.getMessage().startsWith("canonical ABI trap"), trap.getMessage());
                assertEquals(0, dir.regionCount(), "nothing was created: " + what[kind]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void worksOnChicorysOwnMemoryToo(Engine engine) {
        try (RegionDirectory dir = RegionDirectory.builder().build();
                Guest g = new Guest(engine, TypedImports.builder(dir).build(), ByteArrayMemory::new)) {
            assertEquals(0, g.call("typed_selftest"));
            long handle = g.call("typed_kept_handle");
            assertArrayEquals("kept by the typed guest".getBytes(StandardCharsets.UTF_8), bytes(dir, handle, 0, 23));
        }
    }
}
