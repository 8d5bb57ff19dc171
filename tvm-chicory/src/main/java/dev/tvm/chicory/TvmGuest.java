package dev.tvm.chicory;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.RegionDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Chicory instance wired to a {@link RegionDirectory} through its own {@link TvmImports}: the
 * usual way to run a guest on the raw fast path. Its memory 0 is a {@link SegmentMemory}, so bulk
 * reads and writes copy once between a region and the guest.
 *
 * <pre>{@code
 * try (TvmGuest guest = TvmGuest.builder(Parser.parse(path), dir).withEngine(Engine.COMPILER).build()) {
 *     long[] result = guest.call("sum_list", region, n);
 * }
 * }</pre>
 *
 * Closing the guest closes its {@link TvmImports} (destroying the regions it created) and its
 * WASI context; the directory stays open.
 */
public final class TvmGuest implements AutoCloseable {
    private final Instance instance;
    private final TvmImports tvm;
    private final WasiPreview1 wasi;

    private TvmGuest(Instance instance, TvmImports tvm, WasiPreview1 wasi) {
        this.instance = instance;
        this.tvm = tvm;
        this.wasi = wasi;
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
        private WasiOptions wasiOptions;
        private boolean start = false;
        private final List<HostFunction> extra = new ArrayList<>();
        private RegionImports regions;
        private TenantQuota quota = TenantQuota.DEFAULT;

        private Builder(WasmModule module, RegionDirectory directory) {
            this.module = Objects.requireNonNull(module, "module");
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** The engine; default {@link Engine#COMPILER}, which needs Chicory's compiler on the class path. */
        public Builder withEngine(Engine value) {
            this.engine = Objects.requireNonNull(value, "engine");
            return this;
        }

        /** Provides WASI preview 1 with these options (none by default). */
        public Builder withWasi(WasiOptions options) {
            this.wasiOptions = options;
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

        /** Instantiates the guest with these options. */
        public TvmGuest build() {
            TvmImports tvm = TvmImports.builder(directory).withQuota(quota).build();
            WasiPreview1 wasi = wasiOptions == null
                    ? null
                    : WasiPreview1.builder().withOptions(wasiOptions).build();
            boolean ok = false;
            try {
                ImportValues.Builder imports = ImportValues.builder().addFunction(tvm.functions());
                if (wasi != null) {
                    imports.addFunction(wasi.toHostFunctions());
                }
                imports.addFunction(extra.toArray(new HostFunction[0]));
                if (regions != null) {
                    imports.addMemory(regions.memories());
                }
                Instance.Builder builder = Instance.builder(module)
                        .withImportValues(imports.build())
                        .withMemoryFactory(SegmentMemory.factory())
                        .withStart(start);
                var machineFactory = engine.machineFactory(module);
                if (machineFactory != null) {
                    builder.withMachineFactory(machineFactory);
                }
                TvmGuest guest = new TvmGuest(builder.build(), tvm, wasi);
                ok = true;
                return guest;
            } finally {
                if (!ok) {
                    tvm.close();
                    if (wasi != null) {
                        wasi.close();
                    }
                }
            }
        }
    }

    /** Calls an export. */
    public long[] call(String export, long... args) {
        return function(export).apply(args);
    }

    /** An export, for repeated calls without the lookup. */
    public ExportFunction function(String export) {
        return instance.export(export);
    }

    /** The Chicory instance. */
    public Instance instance() {
        return instance;
    }

    /** This guest's raw binding; its {@link TvmImports#tenant() tenant} holds capabilities and last error. */
    public TvmImports tvm() {
        return tvm;
    }

    @Override
    public void close() {
        tvm.close();
        if (instance.memory() instanceof SegmentMemory memory) {
            memory.close(); // the factory-made memory owns its reservation
        }
        if (wasi != null) {
            wasi.close();
        }
    }
}
