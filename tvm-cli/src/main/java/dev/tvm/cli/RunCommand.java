package dev.tvm.cli;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.Hibernation;
import dev.tvm.chicory.HibernationException;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.chicory.TvmImports;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.TvmException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tvm run}: runs a guest with the tvm imports and WASI preview 1. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run a WebAssembly guest with the tvm raw fast-path imports and WASI preview 1.",
            "Without --invoke, runs the WASI command entry point _start and exits with its code.",
            "Guest arguments that start with '-' go after '--', which ends tvm's options:",
            "  tvm run app.wasm -- --flag value       tvm run lib.wasm --invoke add -- -2 5"
        })
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "GUEST.wasm", description = "The module to run.")
    Path guest;

    @Parameters(
            index = "1..*",
            paramLabel = "ARGS",
            description = "Arguments: to the export given by --invoke, or the guest's argv (after '--' if they"
                    + " start with '-').")
    List<String> args = new ArrayList<>();

    @Option(names = "--invoke", paramLabel = "NAME", description = "Call this export instead of _start.")
    String invoke;

    @Option(
            names = "--engine",
            defaultValue = "compiler",
            description = "Chicory engine: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Engine engine;

    @Option(
            names = "--dir",
            paramLabel = "HOST[::GUEST]",
            description = "Preopen a host directory for WASI (guest path defaults to the host path).")
    List<String> dirs = new ArrayList<>();

    @Option(
            names = "--metrics",
            description = {
                "At guest exit, print the directory and per-region metrics (tvm-micrometer) to stderr;",
                "the guest's own memories are regions named wasm-memory-N."
            })
    boolean metrics;

    @Option(
            names = "--budget",
            defaultValue = "none",
            paramLabel = "SIZE",
            converter = Sizes.BudgetConverter.class,
            description = {
                "Resident budget, at least 4m: at most this much of the guest's memory (and its regions)",
                "stays in RAM; colder pages spill to disk and come back when touched (default: none)."
            })
    Long budget;

    @Option(
            names = "--spill-dir",
            paramLabel = "DIR",
            description = {
                "Where the spill file goes with --budget (default: the system temp directory). A missing",
                "directory is created if its parent exists."
            })
    Path spillDir;

    @Option(
            names = "--hibernate-to",
            paramLabel = "SNAPSHOT",
            description = {
                "After the guest returns, write it to this snapshot file (memories, globals, tables, WASI",
                "arguments and environment), to be continued later with --resume, here or elsewhere."
            })
    Path hibernateTo;

    @Option(
            names = "--resume",
            paramLabel = "SNAPSHOT",
            description = {
                "Continue the guest from a snapshot written by --hibernate-to, instead of instantiating it",
                "afresh; GUEST.wasm must be the same module (checked by its SHA-256)."
            })
    Path resume;

    @Option(
            names = "--max-memory",
            paramLabel = "SIZE",
            converter = Sizes.Converter.class,
            description = {
                "The most each of the guest's memories may hold, at least 64k (default: what it declares, at",
                "most 2 GiB - 64 KiB): memory.grow past it returns -1 to the guest."
            })
    Long maxMemory;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.exists(guest)) {
            throw CliError.usage(guest.toString(), "no such file", "check the path of the guest module");
        }
        if (!Files.isRegularFile(guest)) {
            throw CliError.usage(guest.toString(), "not a regular file", "give the path of a .wasm file");
        }
        WasmModule module = WasmFiles.parse(guest);
        Hibernation.Snapshot snapshot = resume == null ? null : openSnapshot();
        List<String> argv = new ArrayList<>();
        argv.add(guest.getFileName().toString());
        if (invoke == null) {
            argv.addAll(args);
        }
        WasiOptions.Builder wasi = snapshot != null && snapshot.wasi().isPresent()
                ? snapshot.wasi().get().toOptions().inheritSystem() // the arguments it was started with
                : WasiOptions.builder().inheritSystem().withArguments(argv);
        for (String dir : dirs) {
            String[] parts = dir.split("::", 2);
            if (!Files.isDirectory(Path.of(parts[0]))) {
                throw CliError.usage(
                        "--dir " + dir, "no such directory: " + parts[0], "give an existing host directory");
            }
            wasi.withDirectory(parts.length == 2 ? parts[1] : parts[0], Path.of(parts[0]));
        }
        WasiOptions wasiOptions = wasi.build();
        if (maxMemory != null && maxMemory < Memory.PAGE_SIZE) {
            throw CliError.usage(
                    "--max-memory " + Sizes.format(maxMemory), "below one 64 KiB page", "give at least 64k");
        }
        Path spill = budget == null ? null : SpillDirectory.resolve(spillDir);
        RegionDirectory.Builder builder = RegionDirectory.builder();
        if (budget != null) {
            builder.withResidentBudget(budget).withSpillDirectory(spill);
        }
        try (RegionDirectory directory = SpillDirectory.build(builder, spillDir, spill);
                TvmGuest instance = instantiate(module, directory, wasiOptions, snapshot)) {
            try {
                int exit = invoke(module, instance, out, snapshot == null);
                if (hibernateTo != null && exit == Exit.OK) {
                    hibernate(instance);
                }
                return exit;
            } finally {
                if (metrics) {
                    // Before the directory closes: the guest's regions are still there to report.
                    MetricsReport.print(err, directory);
                }
            }
        }
    }

    private Hibernation.Snapshot openSnapshot() {
        try {
            return Hibernation.open(resume);
        } catch (HibernationException e) {
            throw snapshotError("--resume " + resume, e);
        }
    }

    private void hibernate(TvmGuest instance) {
        try {
            instance.hibernate(hibernateTo, guest.toAbsolutePath().toString());
        } catch (HibernationException e) {
            throw snapshotError("--hibernate-to " + hibernateTo, e);
        } catch (TvmException e) {
            throw new CliError(
                    Exit.USAGE,
                    "--hibernate-to " + hibernateTo,
                    ErrorReporter.describe(e),
                    "hibernate a guest that keeps its state in its own memory",
                    e);
        }
    }

    /** A snapshot that cannot be written, read or used: one line naming it. */
    private static CliError snapshotError(String input, HibernationException e) {
        return switch (e.reason()) {
            case IO_ERROR -> new CliError(
                    Exit.IO, input, ErrorReporter.describe(e), "check the path, its permissions and free space", e);
            case FOREIGN_MODULE, MISMATCH -> new CliError(
                    Exit.USAGE, input, ErrorReporter.describe(e), "resume it with the module it was written from", e);
            case REFUSED -> new CliError(
                    Exit.USAGE, input, ErrorReporter.describe(e), "run the guest without what cannot be saved", e);
            default -> new CliError(
                    Exit.USAGE, input, ErrorReporter.describe(e), "the file is damaged: hibernate the guest again", e);
        };
    }

    private TvmGuest instantiate(
            WasmModule module, RegionDirectory directory, WasiOptions wasiOptions, Hibernation.Snapshot snapshot) {
        try {
            TvmGuest.Builder builder =
                    TvmGuest.builder(module, directory).withEngine(engine).withWasi(wasiOptions);
            if (maxMemory != null) {
                builder.withMaxMemory(maxMemory);
            }
            return snapshot == null ? builder.build() : builder.resume(snapshot);
        } catch (HibernationException e) {
            throw snapshotError("--resume " + resume, e);
        } catch (UnlinkableException e) {
            List<String> missing = WasmFiles.unresolvedImports(module, provided(directory, wasiOptions));
            throw new CliError(
                    Exit.USAGE,
                    guest.toString(),
                    missing.isEmpty()
                            ? "cannot be linked: " + ErrorReporter.describe(e)
                            : "needs imports nobody provides: " + WasmFiles.list(missing),
                    "tvm run provides only the tvm raw imports (module 'tvm') and WASI preview 1"
                            + " ('wasi_snapshot_preview1')",
                    e);
        } catch (UninstantiableException e) {
            throw new CliError(
                    Exit.USAGE,
                    guest.toString(),
                    "cannot be instantiated: " + ErrorReporter.describe(e),
                    maxMemory != null && String.valueOf(e.getMessage()).contains("exceeds the limit")
                            ? "raise --max-memory"
                            : "the module's own segments or limits do not fit; rebuild it",
                    e);
        } catch (RuntimeException | StackOverflowError e) {
            if (e instanceof ChicoryException || raisedBy(e, "com.dylibso.chicory.wasm.")) {
                throw WasmFiles.invalid(guest, null, e); // Chicory validates when it instantiates
            }
            throw e;
        }
    }

    /** The import functions {@code tvm run} gives a guest. */
    private static List<HostFunction> provided(RegionDirectory directory, WasiOptions wasiOptions) {
        List<HostFunction> all = new ArrayList<>();
        try (TvmImports tvm = TvmImports.builder(directory).build();
                WasiPreview1 wasi =
                        WasiPreview1.builder().withOptions(wasiOptions).build()) {
            all.addAll(List.of(tvm.functions()));
            all.addAll(List.of(wasi.toHostFunctions()));
        }
        return all;
    }

    private static boolean raisedBy(Throwable t, String packagePrefix) {
        StackTraceElement[] stack = t.getStackTrace();
        return stack.length > 0 && stack[0].getClassName().startsWith(packagePrefix);
    }

    /** Runs _start or the --invoke export; returns the exit code. */
    private int invoke(WasmModule module, TvmGuest instance, PrintWriter out, boolean fresh) {
        List<String> exported = WasmFiles.exportedFunctions(module);
        String name = invoke == null ? "_start" : invoke;
        if (!exported.contains(name)) {
            throw CliError.usage(
                    guest.toString(),
                    invoke == null
                            ? "exports no _start, so it is not a WASI command"
                            : "exports no function '" + invoke + "'",
                    "call one of its exported functions with --invoke NAME: " + WasmFiles.list(exported));
        }
        FunctionType type = instance.instance().exportType(name);
        if (invoke != null && type.params().size() != args.size()) {
            throw CliError.usage(
                    "--invoke " + invoke,
                    "the export takes " + type.params().size() + " argument(s) " + type.params() + ", got "
                            + args.size(),
                    "give one value per parameter after the module path");
        }
        long[] values = new long[invoke == null ? 0 : args.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = encode(type.params().get(i), i);
        }
        long[] results;
        try {
            if (invoke != null && fresh && exported.contains("_initialize")) {
                instance.call("_initialize"); // a WASI reactor: set up its runtime before any export
            }
            results = instance.call(name, values);
        } catch (WasiExitException exit) {
            return exit.exitCode();
        } catch (RuntimeException | StackOverflowError e) {
            TvmException paging = ErrorReporter.find(e, TvmException.class);
            if (paging != null
                    && (paging.code() == ErrorCode.NO_MEMORY
                            || paging.code() == ErrorCode.SPILL_IO_ERROR
                            || paging.code() == ErrorCode.SPILL_CORRUPT)) {
                throw pagingFailure(paging, e);
            }
            if (Traps.isTrap(e)) {
                throw new CliError(Exit.TRAP, guest.toString(), Traps.describe(e, module), Traps.ADVICE, e);
            }
            throw e;
        }
        for (int i = 0; results != null && i < type.returns().size(); i++) {
            out.println(decode(type.returns().get(i), results[i]));
        }
        out.flush();
        return Exit.OK;
    }

    /** A failure of the directory under a running guest: no room under the budget, or the spill file failed. */
    private CliError pagingFailure(TvmException cause, Throwable e) {
        ErrorCode code = cause.code();
        if (code == ErrorCode.SPILL_IO_ERROR || code == ErrorCode.SPILL_CORRUPT) {
            return new CliError(
                    Exit.IO,
                    SpillDirectory.input(spillDir),
                    "the guest's memory could not be paged: " + ErrorReporter.describe(cause),
                    code == ErrorCode.SPILL_CORRUPT
                            ? "the spill file was changed on disk; run the guest again"
                            : "free space on that disk or point --spill-dir at one with more room",
                    e);
        }
        return new CliError(
                Exit.RESOURCES,
                budget == null ? guest.toString() : "--budget " + Sizes.format(budget),
                ErrorReporter.describe(cause),
                "raise --budget",
                e);
    }

    /** Argument {@code i} as the raw bits of a value of {@code type}. */
    private long encode(ValType type, int i) {
        String text = args.get(i);
        String input = "--invoke " + invoke + " argument " + (i + 1) + " '" + text + "'";
        try {
            if (type.equals(ValType.F32)) {
                return Float.floatToRawIntBits(Float.parseFloat(text)) & 0xFFFF_FFFFL;
            }
            if (type.equals(ValType.F64)) {
                return Double.doubleToRawLongBits(Double.parseDouble(text));
            }
            if (type.equals(ValType.I32)) {
                long v = parseInteger(text);
                if (v < Integer.MIN_VALUE || v > 0xFFFF_FFFFL) {
                    throw new NumberFormatException("out of range");
                }
                return (int) v;
            }
            if (type.equals(ValType.I64)) {
                return parseInteger(text);
            }
        } catch (NumberFormatException e) {
            throw CliError.usage(
                    input,
                    "not " + (type.equals(ValType.I32) ? "an " : "a ")
                            + type.toString().toLowerCase(java.util.Locale.ROOT),
                    type.equals(ValType.F32) || type.equals(ValType.F64)
                            ? "write a number such as 1.5, -2e10, NaN or Infinity"
                            : "write a decimal integer (" + (type.equals(ValType.I32) ? "32" : "64")
                                    + "-bit, signed or unsigned) or 0x followed by hex digits; negative ones after '--'");
        }
        throw CliError.usage(
                input,
                "parameter type " + type + " cannot be given on the command line",
                "call an export that takes i32, i64, f32 or f64");
    }

    /** A decimal (signed, or unsigned up to 2^64-1) or 0x-hex integer. */
    private static long parseInteger(String text) {
        if (text.startsWith("0x") || text.startsWith("0X")) {
            return Long.parseUnsignedLong(text.substring(2), 16);
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return Long.parseUnsignedLong(text);
        }
    }

    private static String decode(ValType type, long raw) {
        if (type.equals(ValType.F32)) {
            return Float.toString(Float.intBitsToFloat((int) raw));
        }
        if (type.equals(ValType.F64)) {
            return Double.toString(Double.longBitsToDouble(raw));
        }
        if (type.equals(ValType.I32)) {
            return Integer.toString((int) raw);
        }
        return Long.toString(raw);
    }
}
