package dev.tvm.chicory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The raw ABI driven from a real guest ({@code guests/src/fastpath.wat}, whose {@code abi_*}
 * exports forward their arguments unchanged to the {@code tvm} imports), on both engines.
 */
class TvmImportsTest {
    private static final int HOT_HEAP = RegionKind.HOT_HEAP.code();
    private static final int BLOB_ARENA = RegionKind.BLOB_ARENA.code();
    private static final int OBJECT_ARENA = RegionKind.OBJECT_ARENA.code();
    private static final int PAGE_STORE = RegionKind.PAGE_STORE.code();

    private RegionDirectory dir;

    @BeforeEach
    void open() {
        dir = RegionDirectory.builder().build();
    }

    @AfterEach
    void close() {
        dir.close();
    }

    private TvmGuest guest(Engine engine) {
        return TvmGuest.builder(TestGuests.module("fastpath.wasm"), dir)
                .withEngine(engine)
                .build();
    }

    private static long call(TvmGuest g, String fn, long... args) {
        return g.call(fn, args)[0];
    }

    private static int createRegion(TvmGuest g, int kind, long capacity) {
        long ref = call(g, "abi_region_create", kind, capacity, 0);
        assertTrue(ref > 0, "region_create failed: " + ref);
        return (int) ref;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void selftestPasses(Engine engine) {
        try (TvmGuest g = guest(engine)) {
            assertEquals(0, call(g, "selftest"), "selftest step that failed");
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void storesAndLoadsEveryWidthLittleEndian(Engine engine) {
        try (TvmGuest g = guest(engine)) {
            int region = createRegion(g, HOT_HEAP, 1 << 20);
            long h = call(g, "abi_alloc", region, 64);
            assertNotEquals(0, h);
            g.call("abi_store_i32", h, 0, 0x11223344);
            g.call("abi_store_i64", h, 8, 0x0102030405060708L);
            g.call("abi_store_f32", h, 16, Float.floatToRawIntBits(1.5f));
            g.call("abi_store_f64", h, 24, Double.doubleToRawLongBits(-2.25));
            assertEquals(0x11223344, (int) call(g, "abi_load_i32", h, 0));
            assertEquals(0x0102030405060708L, call(g, "abi_load_i64", h, 8));
            assertEquals(1.5f, Float.intBitsToFloat((int) call(g, "abi_load_f32", h, 16)));
            assertEquals(-2.25, Double.longBitsToDouble(call(g, "abi_load_f64", h, 24)));
            // Host view of the same bytes: little-endian.
            assertEquals(0x44, dir.getInt(h, 0) & 0xFF);
            assertEquals(0x0807060504030201L, Long.reverseBytes(dir.getLong(h, 8)));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void freedHandleIsRefusedEverywhere(Engine engine) {
        try (TvmGuest g = guest(engine)) {
            int region = createRegion(g, HOT_HEAP, 1 << 20);
            long h = call(g, "abi_alloc", region, 16);
            assertEquals(0, call(g, "abi_free", h));
            assertEquals(ErrorCode.STALE_HANDLE.code(), call(g, "abi_read", h, 0, 0, 8));
            assertEquals(ErrorCode.STALE_HANDLE.code(), call(g, "abi_free", h));
            assertEquals(ErrorCode.STALE_HANDLE.code(), call(g, "abi_size_of", h));
            assertEquals(ErrorCode.STALE_HANDLE.code(), call(g, "abi_last_error"));
            TvmTrapException trap = assertThrows(TvmTrapException.class, () -> g.call("abi_load_i64", h, 0));
            assertEquals(ErrorCode.STALE_HANDLE, trap.code());
            assertTrue(trap.getMessage().contains("slot"), trap.getMessage());
            assertThrows(TvmTrapException.class, () -> g.call("abi_store_i32", h, 0, 1));
            // The slot is reused by the next allocation; the old handle stays dead.
            long h2 = call(g, "abi_alloc", region, 16);
            assertEquals(HandleCodec.slot(h), HandleCodec.slot(h2));
            assertEquals(ErrorCode.STALE_HANDLE.code(), call(g, "abi_read", h, 0, 0, 8));
            assertEquals(0, call(g, "abi_read", h2, 0, 0, 8));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void rangesAreCheckedAgainstTheAllocationAndTheGuestMemory(Engine engine) {
        try (TvmGuest g = guest(engine)) {
            int region = createRegion(g, BLOB_ARENA, 1 << 20);
            long a = call(g, "abi_alloc", region, 100);
            long b = call(g, "abi_alloc", region, 100); // neighbour: must stay unreachable from a
            g.call("abi_store_i64", b, 0, 0x5EC2E7L);
            assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), call(g, "abi_read", a, 96, 0, 8));
            assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), call(g, "abi_read", a, -8, 0, 8));
            assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), call(g, "abi_read", a, Long.MAX_VALUE, 0, 8));
            assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), call(g, "abi_copy", b, 0, a, 50, 51));
            assertEquals(ErrorCode.INVALID_ARGUMENT.code(), call(g, "abi_read", a, 0, 0, -1));
            long memoryBytes = (long) g.instance().memory().pages() * Memory.PAGE_SIZE;
            assertEquals(ErrorCode.GUEST_OUT_OF_BOUNDS.code(), call(g, "abi_read", a, 0, memoryBytes - 4, 8));
            assertEquals(ErrorCode.GUEST_OUT_OF_BOUNDS.code(), call(g, "abi_write", a, 0, -1, 8));
            TvmTrapException trap = assertThrows(TvmTrapException.class, () -> g.call("abi_load_i64", a, 93));
            assertEquals(ErrorCode.OUT_OF_BOUNDS, trap.code());
            assertEquals(0x5EC2E7L, call(g, "abi_load_i64", b, 0));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void tenantsCannotReachEachOthersRegions(Engine engine) {
        try (TvmGuest alice = guest(engine);
                TvmGuest mallory = guest(engine)) {
            int region = createRegion(alice, HOT_HEAP, 1 << 20);
            long secret = call(alice, "abi_alloc", region, 8);
            alice.call("abi_store_i64", secret, 0, 42);

            assertEquals(ErrorCode.ACCESS_DENIED.code(), call(mallory, "abi_read", secret, 0, 0, 8));
            assertEquals(ErrorCode.ACCESS_DENIED.code(), call(mallory, "abi_free", secret));
            assertEquals(0, call(mallory, "abi_alloc", region, 8));
            assertEquals(ErrorCode.ACCESS_DENIED.code(), call(mallory, "abi_last_error"));
            assertEquals(ErrorCode.ACCESS_DENIED.code(), call(mallory, "abi_region_destroy", region));
            assertEquals(ErrorCode.ACCESS_DENIED.code(), call(mallory, "abi_reset", region));
            TvmTrapException trap = assertThrows(TvmTrapException.class, () -> mallory.call("abi_load_i64", secret, 0));
            assertEquals(ErrorCode.ACCESS_DENIED, trap.code());
            // Guessing other handles of the region is no better.
            Random random = new Random(7);
            for (int i = 0; i < 1000; i++) {
                long forged = HandleCodec.handle(region, random.nextInt(4), 1 + random.nextInt(3));
                assertEquals(ErrorCode.ACCESS_DENIED.code(), call(mallory, "abi_read", forged, 0, 0, 8));
            }
            assertEquals(42, call(alice, "abi_load_i64", secret, 0));

            mallory.tvm().grant(region);
            assertEquals(42, call(mallory, "abi_load_i64", secret, 0));
            mallory.tvm().revoke(region);
            assertEquals(ErrorCode.ACCESS_DENIED.code(), call(mallory, "abi_read", secret, 0, 0, 8));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void forgedHandlesAndBadArgumentsNeverSucceed(Engine engine) {
        try (TvmGuest g = guest(engine)) {
            int region = createRegion(g, HOT_HEAP, 1 << 20);
            long h = call(g, "abi_alloc", region, 32);
            assertEquals(ErrorCode.FORGED_HANDLE.code(), call(g, "abi_read", 0, 0, 0, 8));
            long neverIssued = HandleCodec.handle(region, 1000, 1);
            assertEquals(ErrorCode.FORGED_HANDLE.code(), call(g, "abi_read", neverIssued, 0, 0, 8));
            long futureGen = HandleCodec.handle(region, HandleCodec.slot(h), HandleCodec.slotGen(h) + 1);
            assertEquals(ErrorCode.FORGED_HANDLE.code(), call(g, "abi_read", futureGen, 0, 0, 8));
            assertEquals(ErrorCode.INVALID_ARGUMENT.code(), call(g, "abi_region_create", 99, 0, 0));
            assertEquals(ErrorCode.INVALID_ARGUMENT.code(), call(g, "abi_region_create", HOT_HEAP, 0, 0x80));
            assertEquals(ErrorCode.INVALID_ARGUMENT.code(), call(g, "abi_region_create", HOT_HEAP, -5, 0));
            assertEquals(0, call(g, "abi_alloc", region, 0));
            assertEquals(ErrorCode.INVALID_ARGUMENT.code(), call(g, "abi_last_error"));
            assertEquals(0, call(g, "abi_alloc", region, -1));
            assertEquals(ErrorCode.NO_SUCH_REGION.code(), call(g, "abi_pin", 0));
            assertEquals(ErrorCode.INVALID_ARGUMENT.code(), call(g, "abi_alloc_batch", region, 8, -1, 0));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void batchAllocationWritesHandlesAndIsAllOrNothing(Engine engine) {
        try (TvmGuest g = guest(engine)) {
            int region = createRegion(g, OBJECT_ARENA, 1 << 20);
            assertEquals(100, call(g, "abi_alloc_batch", region, 24, 100, 1024));
            Memory memory = g.instance().memory();
            for (int i = 0; i < 100; i++) {
                long h = memory.readLong(1024 + 8 * i);
                assertEquals(24, dir.sizeOf(h));
            }
            assertEquals(100, dir.region(region).stats().liveAllocations());
            // 1 MiB of 64 KiB objects: only 16 fit, so a batch of 17 makes none.
            int pages = createRegion(g, PAGE_STORE, 1 << 20);
            assertEquals(ErrorCode.REGION_FULL.code(), call(g, "abi_alloc_batch", pages, 65536, 17, 4096));
            assertEquals(0, dir.region(pages).stats().liveAllocations());
            assertEquals(16, call(g, "abi_alloc_batch", pages, 65536, 16, 4096));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void bulkReadAndWriteRoundTripThroughGuestMemory(Engine engine) {
        try (TvmGuest g = guest(engine)) {
            roundTrip(g.instance());
        }
    }

    /** The staging path for Chicory's stock memory, which exposes no segment. */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void bulkReadAndWriteWorkWithChicorysByteArrayMemory(Engine engine) {
        try (TvmImports tvm = TvmImports.builder(dir).build()) {
            var module = TestGuests.module("fastpath.wasm");
            Instance.Builder builder = Instance.builder(module)
                    .withImportValues(tvm.toImportValues())
                    .withMemoryFactory(ByteArrayMemory::new);
            if (engine.machineFactory(module) != null) {
                builder.withMachineFactory(engine.machineFactory(module));
            }
            Instance instance = builder.build();
            roundTrip(instance);
        }
    }

    private void roundTrip(Instance instance) {
        var create = instance.export("abi_region_create");
        int region = (int) create.apply(BLOB_ARENA, 1 << 22, 0)[0];
        int size = 200_000; // spans several 64 KiB staging chunks
        long h = instance.export("abi_alloc").apply(region, size)[0];
        Memory memory = instance.memory();
        while ((long) memory.pages() * Memory.PAGE_SIZE < 2L * size + 8192) {
            memory.grow(1);
        }
        byte[] data = new byte[size];
        new Random(1).nextBytes(data);
        memory.write(4096, data);
        assertEquals(0, instance.export("abi_write").apply(h, 0, 4096, size)[0]);
        assertEquals(0, instance.export("abi_read").apply(h, 0, 4096 + size, size)[0]);
        assertArrayEquals(data, memory.readBytes(4096 + size, size));
        assertEquals(0, instance.export("abi_read").apply(h, 1000, 4096, 10)[0]);
        byte[] slice = new byte[10];
        System.arraycopy(data, 1000, slice, 0, 10);
        assertArrayEquals(slice, memory.readBytes(4096, 10));
        assertEquals(0, instance.export("abi_read").apply(h, size, 4096, 0)[0], "empty read at the end");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void copyMovesBytesBetweenRegionsWithoutTheGuest(Engine engine) {
        try (TvmGuest g = guest(engine)) {
            int r1 = createRegion(g, HOT_HEAP, 1 << 20);
            int r2 = createRegion(g, BLOB_ARENA, 1 << 20);
            long a = call(g, "abi_alloc", r1, 64);
            long b = call(g, "abi_alloc", r2, 64);
            g.call("abi_store_i64", a, 8, 77);
            assertEquals(0, call(g, "abi_copy", b, 16, a, 8, 8));
            assertEquals(77, call(g, "abi_load_i64", b, 16));
            assertEquals(0, call(g, "abi_fill", b, 0, 8, 0xAB));
            assertEquals(0xABABABABABABABABL, call(g, "abi_load_i64", b, 0));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void lifecycleThroughTheAbi(Engine engine) {
        try (TvmGuest g = guest(engine)) {
            int region = createRegion(g, HOT_HEAP, 1 << 20);
            long[] hs = new long[10];
            for (int i = 0; i < hs.length; i++) {
                hs[i] = call(g, "abi_alloc", region, 1000);
                g.call("abi_store_i64", hs[i], 0, i);
            }
            for (int i = 0; i < hs.length; i += 2) {
                call(g, "abi_free", hs[i]);
            }
            assertEquals(0, call(g, "abi_pin", region));
            assertEquals(ErrorCode.PINNED.code(), call(g, "abi_compact", region));
            assertEquals(ErrorCode.PINNED.code(), call(g, "abi_region_destroy", region));
            assertEquals(0, call(g, "abi_unpin", region));
            long reclaimed = call(g, "abi_compact", region);
            assertTrue(reclaimed >= 5 * 1000, "reclaimed " + reclaimed);
            for (int i = 1; i < hs.length; i += 2) {
                assertEquals(i, call(g, "abi_load_i64", hs[i], 0), "handle valid across compaction");
            }
            int pages = createRegion(g, PAGE_STORE, 1 << 20);
            assertEquals(ErrorCode.UNSUPPORTED.code(), call(g, "abi_pin", pages));
            assertEquals(ErrorCode.UNSUPPORTED.code(), call(g, "abi_compact", pages));
            assertEquals(0, call(g, "abi_reset", region));
            assertEquals(ErrorCode.STALE_HANDLE.code(), call(g, "abi_read", hs[1], 0, 0, 8));
            assertEquals(0, call(g, "abi_region_destroy", region));
            assertEquals(ErrorCode.STALE_REGION.code(), call(g, "abi_alloc_batch", region, 8, 1, 0));
            assertEquals(ErrorCode.STALE_REGION.code(), call(g, "abi_read", hs[1], 0, 0, 8));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void describeAndMetricsWriteTheDocumentedRecords(Engine engine) {
        try (TvmGuest g = guest(engine)) {
            int region = createRegion(g, OBJECT_ARENA, 1 << 20);
            long h = call(g, "abi_alloc", region, 100);
            call(g, "abi_write", h, 0, 0, 100);
            call(g, "abi_read", h, 0, 0, 40);
            call(g, "abi_read", h, 200, 0, 1); // refused: out of bounds
            assertEquals(0, call(g, "abi_region_describe", region, 512));
            Memory m = g.instance().memory();
            assertEquals(region, m.readInt(512));
            assertEquals(OBJECT_ARENA, m.readInt(516));
            assertEquals(3, m.readInt(520), "SLAB");
            assertEquals(0, m.readInt(524), "HOT");
            assertEquals(0, m.readInt(528), "pin count");
            assertEquals(3, m.readInt(532), "pinnable | spillable");
            assertEquals(1 << 20, m.readLong(536));
            assertEquals(1, m.readLong(544));
            assertEquals(100, m.readLong(552));
            assertEquals(128, m.readLong(560), "slab class of 100 bytes");

            assertEquals(0, call(g, "abi_metrics", region, 1024));
            assertEquals(1, m.readLong(1024), "allocations");
            assertEquals(100, m.readLong(1024 + 48), "live bytes");
            assertEquals(40, m.readLong(1024 + 72), "bytes read");
            assertEquals(100, m.readLong(1024 + 80), "bytes written");
            assertEquals(1, m.readLong(1024 + 112), "handle failures");
            assertEquals(1, m.readLong(1024 + 120), "one region");
            assertEquals(0, call(g, "abi_metrics", 0, 1024));
            assertEquals(dir.regionCount(), m.readLong(1024 + 120));
            assertEquals(ErrorCode.GUEST_OUT_OF_BOUNDS.code(), call(g, "abi_metrics", region, -64));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void closingTheGuestDestroysItsRegionsButNotGrantedOnes(Engine engine) {
        Region shared = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(1 << 20));
        int own;
        try (TvmGuest g = guest(engine)) {
            g.tvm().grant(shared.ref());
            own = createRegion(g, HOT_HEAP, 1 << 20);
            assertEquals(2, TestGuests.tenantRegions(dir));
        }
        assertEquals(1, TestGuests.tenantRegions(dir));
        assertEquals(shared.ref(), dir.list().get(0).ref());
        assertNotEquals(shared.ref(), own);
    }
}
