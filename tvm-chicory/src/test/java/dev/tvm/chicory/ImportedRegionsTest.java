package dev.tvm.chicory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportMemory;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.ResidencyStats;
import dev.tvm.core.Tier;
import dev.tvm.core.TvmException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Regions imported as guest memories ({@code guests/src/regions.wat}): native loads over region
 * bytes give the same results as over Chicory's own memory; importing pins; read-only mapped blobs
 * trap on writes and are shared by many instances without copies.
 */
class ImportedRegionsTest {
    private static final int NODES = 10_000;
    private static final int COLUMN = 1 << 20;

    @TempDir
    Path tmp;

    /** A list in "heap" and a column in "blob", built through handles; expected results alongside. */
    private record Data(long head, long column, long listSum, long filterSum, long threshold) {}

    private static Data build(RegionDirectory dir, Region heap, Region blob) {
        Random random = new Random(3);
        heap.allocate(16); // address 0 ends a list, so no node may live there
        List<Long> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            nodes.add(heap.allocate(16));
        }
        Collections.shuffle(nodes, random); // list order differs from address order
        long listSum = 0;
        for (int i = 0; i < NODES; i++) {
            long value = random.nextLong() >> 8;
            listSum += value;
            dir.setLong(nodes.get(i), 0, value);
            dir.setInt(nodes.get(i), 8, i + 1 < NODES ? (int) dir.addressOf(nodes.get(i + 1)) : 0);
        }
        long column = blob.allocate(8L * COLUMN);
        long threshold = 1L << 40;
        long filterSum = 0;
        ByteBuffer values = ByteBuffer.allocate(8 * COLUMN).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < COLUMN; i++) {
            long v = random.nextLong() >> 20;
            values.putLong(v);
            filterSum += v > threshold ? v : 0;
        }
        dir.write(column, 0, MemorySegment.ofArray(values.array()), 0, 8L * COLUMN);
        return new Data(nodes.get(0), column, listSum, filterSum, threshold);
    }

    private static long[] run(Instance instance, Data data, long headAddress, long columnAddress) {
        long list = instance.export("list_sum").apply(headAddress)[0];
        long filtered = instance.export("filter_sum").apply(columnAddress, COLUMN, data.threshold())[0];
        return new long[] {list, filtered};
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void listWalkAndColumnarScanMatchAPlainChicoryMemory(Engine engine) {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(64 << 20));
            Region blob = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(64 << 20));
            Data data = build(dir, heap, blob);
            long headAddress = dir.addressOf(data.head());
            long columnAddress = dir.addressOf(data.column());

            long[] overRegions;
            try (RegionImports imports = RegionImports.builder()
                            .withRegion("heap", heap)
                            .withRegion("blob", blob)
                            .build();
                    TvmGuest guest = TvmGuest.builder(TestGuests.module("regions.wasm"), dir)
                            .withEngine(engine)
                            .withRegionImports(imports)
                            .build()) {
                guest.tvm().grant(heap.ref());
                assertEquals(headAddress, guest.call("address", data.head())[0], "address_of from the guest");
                overRegions = run(guest.instance(), data, headAddress, columnAddress);
            }
            assertEquals(data.listSum(), overRegions[0]);
            assertEquals(data.filterSum(), overRegions[1]);

            // The same bytes at the same addresses in Chicory's own ByteArrayMemory.
            long[] overPlain = run(plainInstance(engine, heap, blob), data, headAddress, columnAddress);
            assertEquals(overRegions[0], overPlain[0]);
            assertEquals(overRegions[1], overPlain[1]);
        }
    }

    private static Instance plainInstance(Engine engine, Region heap, Region blob) {
        var module = TestGuests.module("regions.wasm");
        HostFunction addressOf = new HostFunction(
                "tvm",
                "address_of",
                FunctionType.of(new ValType[] {ValType.I64}, new ValType[] {ValType.I64}),
                (inst, args) -> new long[] {ErrorCode.UNSUPPORTED.code()});
        Instance.Builder builder = Instance.builder(module)
                .withImportValues(ImportValues.builder()
                        .addFunction(addressOf)
                        .addMemory(new ImportMemory(RegionImports.MODULE, "heap", copyOf(heap)))
                        .addMemory(new ImportMemory(RegionImports.MODULE, "blob", copyOf(blob)))
                        .build());
        var machine = engine.machineFactory(module);
        if (machine != null) {
            builder.withMachineFactory(machine);
        }
        return builder.build();
    }

    private static Memory copyOf(Region region) {
        MemorySegment bytes = region.pinDirect();
        try {
            int pages = (int) (region.capacity() / Memory.PAGE_SIZE);
            Memory memory = new ByteArrayMemory(new MemoryLimits(pages, pages));
            long used = region.stats().touchedBytes();
            memory.write(0, bytes.asSlice(0, used).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            return memory;
        } finally {
            region.unpinDirect();
        }
    }

    /**
     * Regions imported paged ({@link RegionImports.Builder#withPagedRegion}) under a budget smaller
     * than their data. Invariants: every result equals the one over Chicory's own memory; the
     * pages spill and fault back during the calls and residency never exceeds the budget; the
     * host's handle writes between calls are what the guest reads next; while imported the
     * regions cannot be compacted or destroyed.
     */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void pagedImportsStayUnderTheBudgetAndReadWhatTheHostWrote(Engine engine) {
        long budget = 6L << 20;
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(budget)
                .withSpillDirectory(tmp)
                .build()) {
            Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(64 << 20));
            Region blob = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(64 << 20));
            Data data = build(dir, heap, blob); // an 8 MiB column: more than the budget
            long headAddress = dir.addressOf(data.head());
            long columnAddress = dir.addressOf(data.column());
            try (RegionImports imports = RegionImports.builder()
                            .withPagedRegion("heap", heap)
                            .withPagedRegion("blob", blob)
                            .build();
                    TvmGuest guest = TvmGuest.builder(TestGuests.module("regions.wasm"), dir)
                            .withEngine(engine)
                            .withRegionImports(imports)
                            .build()) {
                long faultsBefore = dir.residencyStats().faults();
                for (int round = 0; round < 2; round++) {
                    assertEquals(data.listSum(), guest.call("list_sum", headAddress)[0], "round " + round);
                    assertEquals(
                            data.filterSum(),
                            guest.call("filter_sum", columnAddress, COLUMN, data.threshold())[0],
                            "round " + round);
                }
                ResidencyStats stats = dir.residencyStats();
                assertTrue(stats.faults() > faultsBefore, "the guest's scans faulted pages back: " + stats);
                assertTrue(stats.peakResidentBytes() <= budget, "never above the budget: " + stats);

                long first = dir.getLong(data.column(), 0);
                long replaced = 1L << 50;
                dir.setLong(data.column(), 0, replaced); // the host writes through a handle
                long expected = data.filterSum() - (first > data.threshold() ? first : 0) + replaced;
                assertEquals(expected, guest.call("filter_sum", columnAddress, COLUMN, data.threshold())[0]);

                assertEquals(
                        ErrorCode.PINNED,
                        assertThrows(TvmException.class, heap::compact).code());
                assertEquals(
                        ErrorCode.PINNED,
                        assertThrows(TvmException.class, () -> dir.destroy(blob.ref()))
                                .code());
            }
            heap.compact();
            dir.destroy(blob.ref());
        }
    }

    @Test
    void anImportedRegionIsPinnedUntilTheImportCloses() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(1 << 20));
            Region blob = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(1 << 20));
            long h = heap.allocate(100);
            heap.free(heap.allocate(100));
            RegionImports imports = RegionImports.builder()
                    .withRegion("heap", heap)
                    .withRegion("blob", blob)
                    .build();
            assertEquals(
                    ErrorCode.PINNED,
                    assertThrows(TvmException.class, heap::compact).code());
            assertEquals(
                    ErrorCode.PINNED,
                    assertThrows(TvmException.class, () -> dir.destroy(heap.ref()))
                            .code());
            assertThrows(TvmException.class, heap::unpin, "a direct pin is not released by unpin()");
            imports.close();
            heap.compact();
            assertEquals(0, dir.getLong(h, 0));
            dir.destroy(blob.ref());
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aColdRegionIsBroughtBackBeforeTheGuestTouchesIt(Engine engine) {
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(32L << 20)
                .withSpillDirectory(tmp)
                .build()) {
            Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(64 << 20));
            Region blob = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(64 << 20));
            Data data = build(dir, heap, blob);
            blob.spill();
            assertEquals(Tier.COLD, blob.info().tier());
            try (RegionImports imports = RegionImports.builder()
                            .withRegion("heap", heap)
                            .withRegion("blob", blob)
                            .build();
                    TvmGuest guest = TvmGuest.builder(TestGuests.module("regions.wasm"), dir)
                            .withEngine(engine)
                            .withRegionImports(imports)
                            .build()) {
                assertEquals(Tier.HOT, blob.info().tier());
                assertEquals(0, blob.info().spilledBytes());
                long[] results = run(guest.instance(), data, dir.addressOf(data.head()), dir.addressOf(data.column()));
                assertEquals(data.listSum(), results[0]);
                assertEquals(data.filterSum(), results[1]);
                assertEquals(
                        ErrorCode.PINNED,
                        assertThrows(TvmException.class, blob::spill).code());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aReadOnlyMappedBlobTrapsOnWriteAndStaysIntact(Engine engine) throws IOException {
        Path file = tmp.resolve("ro.bin");
        byte[] content = new byte[200_000];
        new Random(9).nextBytes(content);
        Files.write(file, content);
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(1 << 20));
            Region blob = dir.createMapped("ro", file);
            assertEquals(Tier.WARM, blob.info().tier());
            try (RegionImports imports = RegionImports.builder()
                            .withRegion("heap", heap)
                            .withRegion("blob", blob)
                            .build();
                    TvmGuest guest = TvmGuest.builder(TestGuests.module("regions.wasm"), dir)
                            .withEngine(engine)
                            .withRegionImports(imports)
                            .build()) {
                long first = ByteBuffer.wrap(content, 0, 8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getLong();
                assertEquals(first, guest.call("blob_sum", 0, 1)[0] - sumOfWords(content, 1, 4));
                RuntimeException trap = assertThrows(RuntimeException.class, () -> guest.call("poke_blob", 0, 42));
                assertTrue(String.valueOf(trap.getMessage()).contains("read-only"), String.valueOf(trap));
                guest.call("poke_heap", 0, 42); // the writable region next to it still works
                assertEquals(first, dir.getLong(blob.contentHandle(), 0), "the write changed nothing");
                assertEquals(
                        ErrorCode.READ_ONLY,
                        assertThrows(TvmException.class, () -> dir.setLong(blob.contentHandle(), 0, 1))
                                .code());
            }
        }
    }

    /** Sum of the little-endian i64 words [from, to) of {@code bytes}. */
    private static long sumOfWords(byte[] bytes, int from, int to) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long sum = 0;
        for (int i = from; i < to; i++) {
            sum += b.getLong(8 * i);
        }
        return sum;
    }

    /**
     * Eight compiled instances on four threads import one read-only 1 GiB blob mapped from a
     * file and each sum all of it: the process's resident memory grows by about one copy of
     * the blob (the shared page cache pages), not eight.
     */
    @Test
    void eightInstancesOnFourThreadsShareOneMappedGigabyte() throws Exception {
        long words = (1L << 30) / 8;
        Path file = tmp.resolve("weights.bin");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (long w = 0; w < words; ) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    chunk.putLong(w++);
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
            }
        }
        long expected = words * (words - 1) / 2;
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(1 << 20));
            Region blob = dir.createMapped("weights", file);
            long before = rssBytes();
            try (RegionImports imports = RegionImports.builder()
                    .withRegion("heap", heap)
                    .withRegion("blob", blob)
                    .build()) {
                ExecutorService pool = Executors.newFixedThreadPool(4);
                try {
                    List<Future<Long>> sums = new ArrayList<>();
                    for (int i = 0; i < 8; i++) {
                        sums.add(pool.submit(() -> {
                            try (TvmGuest guest = TvmGuest.builder(TestGuests.module("regions.wasm"), dir)
                                    .withRegionImports(imports)
                                    .build()) {
                                return guest.call("blob_sum", 0, (int) words)[0];
                            }
                        }));
                    }
                    for (Future<Long> sum : sums) {
                        assertEquals(expected, sum.get());
                    }
                } finally {
                    pool.shutdown();
                }
            }
            long grown = rssBytes() - before;
            System.out.printf("8 instances over a shared 1 GiB mapped blob: RSS grew by %d MiB%n", grown >> 20);
            assertTrue(grown < (1L << 30) + (512L << 20), "RSS grew by " + (grown >> 20) + " MiB for 8 instances");
        }
    }

    /**
     * Four compiled instances on four threads share paged imports of a list and a column (more
     * than the budget) while a host thread keeps the budget under pressure with handle writes to
     * a region of its own. Invariants: every one of the guests' results is the expected sum (no
     * page is read while absent or stale, whichever thread faulted or evicted it), and residency
     * never exceeds the budget by more than the slack of concurrent reservations.
     */
    @Test
    void guestsOnFourThreadsSharePagedImportsWhileTheHostPagesOtherRegions() throws Exception {
        long budget = 6L << 20;
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(budget)
                .withSpillDirectory(tmp)
                .build()) {
            Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(64 << 20));
            Region blob = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(64 << 20));
            Region hostOwn = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(64 << 20));
            long scratch = hostOwn.allocate(16L << 20);
            Data data = build(dir, heap, blob);
            long headAddress = dir.addressOf(data.head());
            long columnAddress = dir.addressOf(data.column());
            var module = TestGuests.module("regions.wasm");
            var machines = com.dylibso.chicory.compiler.MachineFactoryCompiler.compile(module);
            AtomicBoolean done = new AtomicBoolean();
            try (RegionImports imports = RegionImports.builder()
                    .withPagedRegion("heap", heap)
                    .withPagedRegion("blob", blob)
                    .build()) {
                ExecutorService pool = Executors.newFixedThreadPool(5);
                try {
                    Future<Long> host = pool.submit(() -> {
                        long writes = 0;
                        Random random = new Random(5);
                        while (!done.get()) {
                            long at = (random.nextInt(256) * 65536L) & ~7L;
                            dir.setLong(scratch, at, writes);
                            assertEquals(writes, dir.getLong(scratch, at));
                            writes++;
                        }
                        return writes;
                    });
                    List<Future<Integer>> guests = new ArrayList<>();
                    for (int g = 0; g < 4; g++) {
                        guests.add(pool.submit(() -> {
                            try (TvmGuest guest = TvmGuest.builder(module, dir)
                                    .withMachineFactory(machines)
                                    .withRegionImports(imports)
                                    .build()) {
                                for (int round = 0; round < 3; round++) {
                                    assertEquals(data.listSum(), guest.call("list_sum", headAddress)[0]);
                                    assertEquals(
                                            data.filterSum(),
                                            guest.call("filter_sum", columnAddress, COLUMN, data.threshold())[0]);
                                }
                                return 3;
                            }
                        }));
                    }
                    for (Future<Integer> g : guests) {
                        assertEquals(3, g.get());
                    }
                    done.set(true);
                    assertTrue(host.get() > 0);
                } finally {
                    done.set(true);
                    pool.shutdown();
                }
            }
            ResidencyStats stats = dir.residencyStats();
            // Concurrent reservations whose victims are all in use may overshoot by a small slack
            // (ResidencyManager.reserve), as in the other multi-threaded paging tests.
            long slack = Math.max(4L << 16, budget / 64);
            assertTrue(stats.peakResidentBytes() <= budget + slack, "within the budget and its slack: " + stats);
            assertTrue(stats.faults() > 0 && stats.spills() > 0, "it paged: " + stats);
        }
    }

    private static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
