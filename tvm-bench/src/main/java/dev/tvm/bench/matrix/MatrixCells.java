package dev.tvm.bench.matrix;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ByteBufferMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportMemory;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.RegionImports;
import dev.tvm.chicory.RegionMemories;
import dev.tvm.chicory.TenantQuota;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.GuestPages;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.ResidencyStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Builds {@link MatrixCell}s: a workload in one variant on one engine, wired the way the project
 * wires guests (see {@code bench/README.md} for what each variant is).
 *
 * <p>Every cell keeps a single {@code Memory} class per compiled module, since mixing classes makes
 * the compiled memory call sites megamorphic (FIELD-NOTES).
 */
public final class MatrixCells {
    /** The seed every matrix run uses. */
    public static final long SEED = 42;

    /**
     * If set, each closing paged cell appends a line with its budget, passes, and the faults and
     * spills of its setup and of its passes to this file.
     */
    public static final String PAGING_LOG_PROPERTY = "tvm.bench.pagingLog";

    private MatrixCells() {}

    /**
     * Opens a cell of an engine with the {@link EngineId.Harness#JMH JMH} harness; a combination
     * {@link EngineId} does not list is an {@link IllegalArgumentException}. {@code bytes} is the size {@link MatrixCell#setup} will be called with: it sizes
     * the TVM-MM region and the TVM-host resident budget (SPILL only).
     */
    public static MatrixCell open(Workload workload, Variant variant, EngineId engine, long bytes) {
        String why = engine.harness() != EngineId.Harness.JMH
                ? engine.id() + " does not run in this JVM (" + engine.harness() + " harness)"
                : engine.whyNot(variant);
        if (why == null) {
            why = variant.whyNot(workload);
        }
        if (why != null) {
            throw new IllegalArgumentException(workload.id() + "/" + variant.id() + "/" + engine.id() + ": " + why);
        }
        if (variant == Variant.JAVA_SEGMENT) {
            return JavaWorkloads.open(workload);
        }
        Engine chicory = engine == EngineId.CHICORY_COMPILER ? Engine.COMPILER : Engine.INTERPRETER;
        WasmModule module = Parser.parse(WorkloadFiles.wasm(workload, variant.fileSuffix()));
        return switch (variant) {
            case M32 -> plain(module, chicory, ByteArrayMemory::new);
            case M32_BYTE_BUFFER -> plain(module, chicory, ByteBufferMemory::new);
                // The linked shell's pool and meta memories are the guest's own: Chicory's fastest stock
                // memory, as for the M32 baseline.
            case TVM_GUEST -> plain(module, chicory, ByteArrayMemory::new);
            case TVM_HOST -> host(module, chicory, workload, bytes);
            case TVM_MM -> importedRegion(module, chicory, bytes);
            case TVM_PAGED -> paged(module, chicory, workload, variant, bytes, pagedBudget(bytes));
            case TVM_PAGED_QUARTER -> paged(module, chicory, workload, variant, bytes, quarterBudget(bytes));
            default -> throw new IllegalArgumentException(variant.id());
        };
    }

    private static Instance.Builder builder(WasmModule module, Engine engine) {
        Instance.Builder b = Instance.builder(module);
        if (engine == Engine.COMPILER) {
            b.withMachineFactory(MachineFactoryCompiler.compile(module));
        }
        return b;
    }

    private static MatrixCell plain(WasmModule module, Engine engine, Function<MemoryLimits, Memory> memories) {
        Instance instance = builder(module, engine).withMemoryFactory(memories).build();
        return new Exports(instance, () -> {});
    }

    /** TVM host path: a directory (with a budget below the working set for SPILL) and the tvm imports. */
    private static MatrixCell host(WasmModule module, Engine engine, Workload workload, long bytes) {
        Path spillDir = null;
        RegionDirectory.Builder db = RegionDirectory.builder();
        if (workload == Workload.SPILL) {
            try {
                spillDir = Files.createTempDirectory("tvm-bench-spill-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            db.withResidentBudget(spillBudget(bytes)).withSpillDirectory(spillDir);
        }
        RegionDirectory dir = db.build();
        TvmGuest guest;
        try {
            // the harness's own workloads, alone in their directory: sized by the cell, not a quota
            guest = TvmGuest.builder(module, dir)
                    .withEngine(engine)
                    .withQuota(TenantQuota.UNLIMITED)
                    .build();
        } catch (RuntimeException e) {
            dir.close();
            deleteTree(spillDir);
            throw e;
        }
        Path spill = spillDir;
        return new Exports(guest.instance(), () -> {
            guest.close();
            dir.close();
            deleteTree(spill);
        });
    }

    /** The SPILL workload's resident budget on the TVM host path: half the working set. */
    public static long spillBudget(long bytes) {
        return Math.max(bytes / 2, 4L << 20);
    }

    /** TVM-MM: memory 0 ({@code env.memory}) is a pinned HOT_HEAP region, bound as RegionImports does. */
    private static MatrixCell importedRegion(WasmModule module, Engine engine, long bytes) {
        RegionDirectory dir = RegionDirectory.builder().build();
        RegionImports imports = null;
        try {
            Region region = dir.create(RegionSpec.of(RegionKind.HOT_HEAP)
                    .withCapacity(mmCapacity(bytes))
                    .withName("memory0"));
            imports = RegionImports.builder().withRegion("memory", region).build();
            Memory memory = imports.memories()[0].memory();
            Instance instance = builder(module, engine)
                    .withImportValues(ImportValues.builder()
                            .addMemory(new ImportMemory("env", "memory", memory))
                            .build())
                    .build();
            RegionImports bound = imports;
            return new Exports(instance, () -> {
                bound.close();
                dir.close();
            });
        } catch (RuntimeException e) {
            if (imports != null) {
                imports.close();
            }
            dir.close();
            throw e;
        }
    }

    /**
     * TVM paged: the M32 module with every defined memory a paged region of a directory with
     * {@code budget} and a spill directory of its own (deleted on close). Each call enters and exits
     * the memory as {@code TvmGuest} does; with {@value #PAGING_LOG_PROPERTY} set, close appends the
     * directory's residency figures to that file.
     */
    private static MatrixCell paged(
            WasmModule module, Engine engine, Workload workload, Variant variant, long bytes, long budget) {
        Path spillDir;
        try {
            spillDir = Files.createTempDirectory("tvm-bench-paged-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RegionDirectory dir = null;
        RegionMemories memories = null;
        try {
            dir = RegionDirectory.builder()
                    .withResidentBudget(budget)
                    .withSpillDirectory(spillDir)
                    .build();
            memories = RegionMemories.factory(dir);
            Instance instance =
                    builder(module, engine).withMemoryFactory(memories).build();
            GuestPages pages = ((SegmentMemory) instance.memory()).paging();
            pages.exit(); // built: from now on the memory is in use only during calls
            return new PagedCell(
                    instance, pages, dir, memories, spillDir, workload.id() + " " + bytes + " " + variant.id());
        } catch (RuntimeException e) {
            if (memories != null) {
                memories.close();
            }
            if (dir != null) {
                dir.close();
            }
            deleteTree(spillDir);
            throw e;
        }
    }

    /** The TVM-paged resident budget: one that holds the working set and the workload's extras. */
    public static long pagedBudget(long bytes) {
        return Math.max(4L << 20, 2 * bytes + (16L << 20));
    }

    /** The TVM-paged-q resident budget: a quarter of the working set, at least the directory's 4 MiB. */
    public static long quarterBudget(long bytes) {
        return Math.max(4L << 20, bytes / 4);
    }

    /**
     * Region capacity for TVM-MM: the guest's plain allocator cannot grow an imported region, so it
     * gets 1.25x the working set (list-walk's temporary order array is the largest extra) plus room
     * for data and stack, capped at Chicory's 32767 pages.
     */
    static long mmCapacity(long bytes) {
        long want = bytes + bytes / 4 + (4L << 20);
        long capped = Math.min(want, (long) Memory.RUNTIME_MAX_PAGES * Memory.PAGE_SIZE);
        return (capped + Memory.PAGE_SIZE - 1) / Memory.PAGE_SIZE * Memory.PAGE_SIZE;
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory
        }
    }

    /** A paged cell: each call inside its memory's enter/exit; close logs the paging figures. */
    private static final class PagedCell implements MatrixCell {
        private final ExportFunction setup;
        private final ExportFunction run;
        private final GuestPages pages;
        private final RegionDirectory dir;
        private final RegionMemories memories;
        private final Path spillDir;
        private final String name;
        private ResidencyStats afterSetup;
        private long passes;

        PagedCell(
                Instance instance,
                GuestPages pages,
                RegionDirectory dir,
                RegionMemories memories,
                Path spillDir,
                String name) {
            this.setup = instance.export("bench_setup");
            this.run = instance.export("bench_run");
            this.pages = pages;
            this.dir = dir;
            this.memories = memories;
            this.spillDir = spillDir;
            this.name = name;
        }

        private long call(ExportFunction f, long... args) {
            pages.enter();
            try {
                return f.apply(args)[0];
            } finally {
                pages.exit();
            }
        }

        @Override
        public long setup(long bytes, long seed) {
            long used = call(setup, bytes, seed);
            afterSetup = dir.residencyStats();
            return used;
        }

        @Override
        public long run() {
            passes++;
            return call(run);
        }

        @Override
        public void close() {
            try {
                logPaging();
            } finally {
                try {
                    memories.close();
                } finally {
                    dir.close();
                    deleteTree(spillDir);
                }
            }
        }

        private void logPaging() {
            String file = System.getProperty(PAGING_LOG_PROPERTY);
            ResidencyStats end = dir.residencyStats();
            if (file == null || file.isBlank() || end == null || afterSetup == null) {
                return;
            }
            String line = String.format(
                    Locale.ROOT,
                    "%s budget=%d passes=%d setup: faults=%d spills=%d | passes: faults=%d bytesFaulted=%d"
                            + " spills=%d bytesSpilled=%d bytesEvictedClean=%d | peakResident=%d%n",
                    name,
                    end.budgetBytes(),
                    passes,
                    afterSetup.faults(),
                    afterSetup.spills(),
                    end.faults() - afterSetup.faults(),
                    end.bytesFaulted() - afterSetup.bytesFaulted(),
                    end.spills() - afterSetup.spills(),
                    end.bytesSpilled() - afterSetup.bytesSpilled(),
                    end.bytesEvictedClean() - afterSetup.bytesEvictedClean(),
                    end.peakResidentBytes());
            try {
                Files.writeString(Path.of(file), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A wasm instance's {@code bench_setup}/{@code bench_run}. */
    private static final class Exports implements MatrixCell {
        private final ExportFunction setup;
        private final ExportFunction run;
        private final Runnable closer;

        Exports(Instance instance, Runnable closer) {
            this.setup = instance.export("bench_setup");
            this.run = instance.export("bench_run");
            this.closer = closer;
        }

        @Override
        public long setup(long bytes, long seed) {
            return setup.apply(bytes, seed)[0];
        }

        @Override
        public long run() {
            return run.apply()[0];
        }

        @Override
        public void close() {
            closer.run();
        }
    }
}
