package dev.tvm.chicory;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.chicory.memory.MemoryLimiter;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.GuestPages;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.TvmException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A Chicory instance wired to a {@link RegionDirectory}: its own {@link TvmImports} (the raw fast
 * path), WASI preview 1 if asked, and memories that are regions of the directory. Every memory the
 * module defines (memory 0 of any ordinary guest) is a {@linkplain SegmentMemory#paged paged}
 * region made by {@link RegionMemories}: the guest addresses it directly, unmodified, while its
 * pages count against the directory's resident budget, spill when cold and fault back when
 * touched. Calls through {@link #call} and {@link #function} mark the memories as in use for their
 * duration (see {@link GuestPages}), so an idle guest's pages can be evicted for others.
 *
 * <pre>{@code
 * try (TvmGuest guest = TvmGuest.builder(Parser.parse(path), dir).withEngine(Engine.COMPILER).build()) {
 *     long[] result = guest.call("sum_list", region, n);
 * }
 * }</pre>
 *
 * Closing the guest closes its {@link TvmImports} (destroying the regions it created), destroys
 * its memories' regions and closes the WASI context it made; the directory stays open.
 */
public final class TvmGuest implements AutoCloseable {
    private final Instance instance;
    private final TvmImports tvm;
    private final WasiPreview1 wasi;
    private final WasiOptions wasiOptions;
    private final RegionMemories memories;
    /** The memories the module defines. */
    private final GuestPages[] ownPaging;
    /** Those and the paged region imports: entered around every call. */
    private final GuestPages[] paging;

    private TvmGuest(
            Instance instance,
            TvmImports tvm,
            WasiPreview1 wasi,
            WasiOptions wasiOptions,
            RegionMemories memories,
            RegionImports imports) {
        this.instance = instance;
        this.tvm = tvm;
        this.wasi = wasi;
        this.wasiOptions = wasiOptions;
        this.memories = memories;
        this.ownPaging = memories.regions().stream().map(Region::guestPages).toArray(GuestPages[]::new);
        List<GuestPages> all = new ArrayList<>(List.of(ownPaging));
        if (imports != null) {
            all.addAll(imports.paging());
        }
        this.paging = all.toArray(GuestPages[]::new);
    }

    /** Parses a module file. */
    public static WasmModule parse(Path wasm) {
        return Parser.parse(wasm);
    }

    /** Starts building a guest for {@code module} on {@code directory}. */
    public static Builder builder(WasmModule module, RegionDirectory directory) {
        return new Builder(module, directory);
    }

    /** Configures a {@link TvmGuest}. */
    public static final class Builder {
        private final WasmModule module;
        private final RegionDirectory directory;
        private Engine engine = Engine.COMPILER;
        private Function<Instance, Machine> machineFactory;
        private WasiOptions wasiOptions;
        private WasiPreview1 wasi;
        private boolean start = false;
        private final List<HostFunction> extra = new ArrayList<>();
        private ImportValues importValues;
        private RegionImports regions;
        private TenantQuota quota = TenantQuota.DEFAULT;
        private long maxMemory = Long.MAX_VALUE;
        private MemoryLimiter limiter = MemoryLimiter.UNLIMITED;

        private Builder(WasmModule module, RegionDirectory directory) {
            this.module = Objects.requireNonNull(module, "module");
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** The engine; default {@link Engine#COMPILER}, which needs Chicory's compiler on the class path. */
        public Builder withEngine(Engine value) {
            this.engine = Objects.requireNonNull(value, "engine");
            return this;
        }

        /**
         * Chicory's machine factory, as for {@code Instance.Builder.withMachineFactory}; takes
         * precedence over {@link #withEngine}. Pass one compiled factory to many builders of the
         * same module to compile it once.
         */
        public Builder withMachineFactory(Function<Instance, Machine> value) {
            this.machineFactory = Objects.requireNonNull(value, "machineFactory");
            return this;
        }

        /** Provides WASI preview 1 with these options (none by default); the guest owns the context. */
        public Builder withWasi(WasiOptions options) {
            this.wasiOptions = options;
            this.wasi = null;
            return this;
        }

        /** Provides this existing WASI context; the caller keeps it and closes it. */
        public Builder withWasi(WasiPreview1 value) {
            this.wasi = Objects.requireNonNull(value, "wasi");
            this.wasiOptions = null;
            return this;
        }

        /** What the guest may own in the directory; default {@link TenantQuota#DEFAULT}. */
        public Builder withQuota(TenantQuota value) {
            this.quota = Objects.requireNonNull(value, "quota");
            return this;
        }

        /** Whether to run the module's start function during instantiation; default false. */
        public Builder withStart(boolean value) {
            this.start = value;
            return this;
        }

        /**
         * Satisfies the guest's {@code "tvm-region"} memory imports with these regions. The
         * caller keeps ownership: close the {@link RegionImports} after the guest.
         */
        public Builder withRegionImports(RegionImports value) {
            this.regions = value;
            return this;
        }

        /** Adds further host functions (other import modules). */
        public Builder withHostFunctions(HostFunction... functions) {
            extra.addAll(List.of(functions));
            return this;
        }

        /**
         * Further imports of any kind, as for {@code Instance.Builder.withImportValues}; added to
         * the tvm imports, WASI and {@link #withHostFunctions}.
         */
        public Builder withImportValues(ImportValues value) {
            this.importValues = Objects.requireNonNull(value, "importValues");
            return this;
        }

        /**
         * The most each memory of the guest may hold, in bytes (default: what the module
         * declares, at most Chicory's 32,767 pages): a module whose initial size is larger cannot
         * be instantiated, and {@code memory.grow} past it returns −1.
         */
        public Builder withMaxMemory(long bytes) {
            if (bytes < Memory.PAGE_SIZE) {
                throw new IllegalArgumentException("a memory limit of " + bytes + " bytes is below one 64 KiB page");
            }
            this.maxMemory = bytes;
            return this;
        }

        /** Asked before every grow of the guest's memories; refusing makes {@code memory.grow} return −1. */
        public Builder withMemoryLimiter(MemoryLimiter value) {
            this.limiter = Objects.requireNonNull(value, "limiter");
            return this;
        }

        /** Instantiates the guest with these options. */
        public TvmGuest build() {
            return instantiate(RegionMemories.factory(directory, maxMemory, limiter), Instance.Builder::build);
        }

        /**
         * Resumes a hibernated guest ({@link TvmGuest#hibernate}) with these options instead of
         * instantiating afresh: the same module (checked by its SHA-256), memories, globals,
         * tables and dropped segments as when it was written; its WASI context gets the options
         * given with {@link #withWasi(WasiOptions)}, whose arguments and environment must be the
         * recorded ones. Give this builder a freshly parsed module: Chicory records a {@code
         * table.grow} in the parsed module itself.
         *
         * @throws HibernationException if the snapshot is of another module, damaged or does not fit
         */
        public TvmGuest resume(Hibernation.Snapshot snapshot) {
            Objects.requireNonNull(snapshot, "snapshot");
            try (GuestImage image = GuestImage.open(snapshot.file())) {
                return fromImage(image);
            }
        }

        /**
         * Starts the guest from {@code image} with these options, copy-on-write: its memories map
         * the image's pages instead of copying them, and its globals, tables and dropped segments
         * are the image's; the module's data segments are not applied, and what its start function
         * stores during instantiation is undone (see {@link GuestImage}). The module must be the image's (checked by its SHA-256); its WASI context
         * gets the options given with {@link #withWasi(WasiOptions)}, whose arguments and
         * environment must be the recorded ones. Give each build a freshly parsed module if the
         * guest grows tables: Chicory records a {@code table.grow} in the parsed module itself.
         *
         * @throws HibernationException if the image is of another module or does not fit
         */
        public TvmGuest fromImage(GuestImage image) {
            Objects.requireNonNull(image, "image");
            Hibernation.Snapshot snapshot = image.snapshot();
            byte[] parsed = Hibernation.parsedSha256(module);
            if (parsed == null) {
                throw InstanceImage.mismatch(
                        snapshot.file(),
                        "the builder's module was parsed without a SHA-256 digest (Chicory's DIGEST_ALGORITHM"
                                + " property), so it cannot be matched with the image",
                        "parse the module with the default digest");
            }
            snapshot.checkSameModule(parsed);
            snapshot.checkWasi(wasiOptions);
            return instantiate(RegionMemories.fromImage(directory, maxMemory, limiter, image), image::instantiate);
        }

        private TvmGuest instantiate(RegionMemories memories, Function<Instance.Builder, Instance> make) {
            TvmImports tvm = TvmImports.builder(directory).withQuota(quota).build();
            WasiPreview1 ownWasi = wasiOptions == null
                    ? null
                    : WasiPreview1.builder().withOptions(wasiOptions).build();
            WasiPreview1 anyWasi = ownWasi != null ? ownWasi : wasi;
            boolean ok = false;
            try {
                ImportValues.Builder imports = ImportValues.builder().addFunction(tvm.functions());
                if (anyWasi != null) {
                    imports.addFunction(anyWasi.toHostFunctions());
                }
                imports.addFunction(extra.toArray(new HostFunction[0]));
                if (importValues != null) {
                    imports.addFunction(importValues.functions())
                            .addGlobal(importValues.globals())
                            .addMemory(importValues.memories())
                            .addTable(importValues.tables())
                            .addTag(importValues.tags());
                }
                if (regions != null) {
                    imports.addMemory(regions.memories());
                }
                Instance.Builder builder = Instance.builder(module)
                        .withImportValues(imports.build())
                        .withMemoryFactory(memories)
                        .withStart(start);
                Function<Instance, Machine> machines =
                        machineFactory != null ? machineFactory : engine.machineFactory(module);
                if (machines != null) {
                    builder.withMachineFactory(machines);
                }
                Instance instance = make.apply(builder);
                TvmGuest guest = new TvmGuest(instance, tvm, ownWasi, wasiOptions, memories, regions);
                for (GuestPages pages : guest.ownPaging) {
                    pages.exit(); // built: from now on the memories are in use only during calls
                }
                ok = true;
                return guest;
            } finally {
                if (!ok) {
                    tvm.close();
                    memories.close();
                    if (ownWasi != null) {
                        ownWasi.close();
                    }
                }
            }
        }
    }

    /** Calls an export. */
    public long[] call(String export, long... args) {
        return function(export).apply(args);
    }

    /**
     * An export, for repeated calls without the lookup. Each call marks the guest's memories as in
     * use while it runs, so their pages are never evicted under it by other threads.
     */
    public ExportFunction function(String export) {
        ExportFunction function = instance.export(export);
        return args -> {
            enter();
            try {
                return function.apply(args);
            } finally {
                exit();
            }
        };
    }

    private void enter() {
        for (GuestPages pages : paging) {
            pages.enter();
        }
    }

    private void exit() {
        for (GuestPages pages : paging) {
            pages.exit();
        }
    }

    /**
     * The Chicory instance. Calling its exports directly, rather than through {@link #function},
     * is safe only while no other thread can evict its pages: bracket such calls with the
     * memories' {@link GuestPages#enter()}/{@link GuestPages#exit()}.
     */
    public Instance instance() {
        return instance;
    }

    /**
     * Hibernates the guest: writes its memories, globals, tables, dropped segments and WASI
     * arguments and environment to {@code snapshot} (see {@link Hibernation} for the format and
     * what is saved), for {@link Builder#resume} in this process or another. Call it between calls,
     * never from inside one. The guest stays live and usable; if writing fails (a full disk) the
     * file is left as it was.
     *
     * @param moduleLocation where the module file is, recorded for whoever resumes; or null
     * @throws HibernationException if something cannot be saved (a preopened directory, a WASI
     *     guest built without WASI options, host references in a table) or the file cannot be
     *     written
     * @throws TvmException.UnsupportedOperationTvmException if the guest owns regions through its
     *     tvm imports: host state a snapshot does not hold
     */
    public void hibernate(Path snapshot, String moduleLocation) {
        if (!tvm.tenant().createdRegions().isEmpty()) {
            throw new TvmException.UnsupportedOperationTvmException("cannot hibernate the guest: it owns "
                    + tvm.tenant().createdRegions().size() + " region(s) made through its tvm imports, which a"
                    + " snapshot does not hold; destroy them first");
        }
        Hibernation.Writer writer = Hibernation.writer(instance, null);
        if (wasiOptions != null) {
            writer.withWasi(wasiOptions);
        }
        if (moduleLocation != null) {
            writer.withModuleLocation(moduleLocation);
        }
        writer.writeTo(snapshot);
    }

    /** The regions holding the memories the guest defines, memory 0 first. */
    public List<Region> memoryRegions() {
        return memories.regions();
    }

    /** This guest's raw binding; its {@link TvmImports#tenant() tenant} holds capabilities and last error. */
    public TvmImports tvm() {
        return tvm;
    }

    @Override
    public void close() {
        try {
            tvm.close();
        } finally {
            try {
                memories.close();
            } finally {
                if (wasi != null) {
                    wasi.close();
                }
            }
        }
    }
}
