package dev.tvm.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportMemory;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import dev.tvm.chicory.RegionImports;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A list walk and a columnar filter + sum run natively by a compiled guest ({@code
 * guests/src/regions.wat}) over regions imported as memories, against the same bytes at the same
 * addresses in Chicory's {@code ByteArrayMemory} (the fastest stock memory), in one run. One
 * {@code Memory} class per fork keeps the compiled call sites monomorphic (the fork per parameter
 * value is JMH's default).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class ImportedMemoryBench {
    private static final int NODES = 100_000;
    private static final int COLUMN = 1 << 20;

    /** {@code region}: RegionImports over tvm-core regions; {@code bytearray}: Chicory's memory. */
    @Param({"region", "bytearray"})
    public String memory;

    private RegionDirectory dir;
    private RegionImports imports;
    private ExportFunction listSum;
    private ExportFunction filterSum;
    private long headAddress;
    private long columnAddress;
    private final long threshold = 1L << 40;

    @Setup(Level.Trial)
    public void setUp() {
        dir = RegionDirectory.builder().build();
        Region heap = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(64 << 20));
        Region blob = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(64 << 20));
        Random random = new Random(3);
        heap.allocate(16); // address 0 ends a list
        List<Long> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            nodes.add(heap.allocate(16));
        }
        Collections.shuffle(nodes, random);
        for (int i = 0; i < NODES; i++) {
            dir.setLong(nodes.get(i), 0, random.nextLong() >> 8);
            dir.setInt(nodes.get(i), 8, i + 1 < NODES ? (int) dir.addressOf(nodes.get(i + 1)) : 0);
        }
        long column = blob.allocate(8L * COLUMN);
        for (int i = 0; i < COLUMN; i++) {
            dir.setLong(column, 8L * i, random.nextLong() >> 20);
        }
        headAddress = dir.addressOf(nodes.get(0));
        columnAddress = dir.addressOf(column);

        WasmModule module = Parser.parse(GuestFiles.wasm("regions.wasm"));
        HostFunction addressOf = new HostFunction(
                "tvm",
                "address_of",
                FunctionType.of(new ValType[] {ValType.I64}, new ValType[] {ValType.I64}),
                (inst, args) -> new long[] {dir.addressOf(args[0])});
        ImportValues.Builder values = ImportValues.builder().addFunction(addressOf);
        if (memory.equals("region")) {
            imports = RegionImports.builder()
                    .withRegion("heap", heap)
                    .withRegion("blob", blob)
                    .build();
            values.addMemory(imports.memories());
        } else {
            values.addMemory(new ImportMemory(RegionImports.MODULE, "heap", copy(heap)));
            values.addMemory(new ImportMemory(RegionImports.MODULE, "blob", copy(blob)));
        }
        Instance instance = Instance.builder(module)
                .withImportValues(values.build())
                .withMachineFactory(MachineFactoryCompiler.compile(module))
                .build();
        listSum = instance.export("list_sum");
        filterSum = instance.export("filter_sum");
    }

    private static Memory copy(Region region) {
        MemorySegment bytes = region.pinDirect();
        try {
            int pages = (int) (region.capacity() / Memory.PAGE_SIZE);
            Memory m = new ByteArrayMemory(new MemoryLimits(pages, pages));
            long used = region.stats().touchedBytes();
            m.write(0, bytes.asSlice(0, used).toArray(ValueLayout.JAVA_BYTE));
            return m;
        } finally {
            region.unpinDirect();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (imports != null) {
            imports.close();
        }
        dir.close();
    }

    /** Pointer chase over 100,000 nodes in random address order. */
    @Benchmark
    public long listWalk() {
        return listSum.apply(headAddress)[0];
    }

    /** Filter + sum over a 1 Mi-entry (8 MiB) i64 column. */
    @Benchmark
    public long columnarFilterSum() {
        return filterSum.apply(columnAddress, COLUMN, threshold)[0];
    }
}
