package dev.tvm.cli;

import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.RegionDirectory;
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
            "Without --invoke, runs the WASI command entry point _start and exits with its code."
        })
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "GUEST.wasm", description = "The module to run.")
    Path guest;

    @Parameters(
            index = "1..*",
            paramLabel = "ARGS",
            description = "Arguments: to the export given by --invoke, or the guest's argv.")
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
            description = "At guest exit, print the directory and per-region metrics (tvm-micrometer) to stderr.")
    boolean metrics;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(guest)) {
            err.println("tvm run: no such file: " + guest);
            return 2;
        }
        List<String> argv = new ArrayList<>();
        argv.add(guest.getFileName().toString());
        if (invoke == null) {
            argv.addAll(args);
        }
        WasiOptions.Builder wasi = WasiOptions.builder().inheritSystem().withArguments(argv);
        for (String dir : dirs) {
            String[] parts = dir.split("::", 2);
            wasi.withDirectory(parts.length == 2 ? parts[1] : parts[0], Path.of(parts[0]));
        }
        try (RegionDirectory directory = RegionDirectory.builder().build();
                TvmGuest instance = TvmGuest.builder(TvmGuest.parse(guest), directory)
                        .withEngine(engine)
                        .withWasi(wasi.build())
                        .build()) {
            try {
                return invoke(instance, out, err);
            } finally {
                if (metrics) {
                    // Before the directory closes: the guest's regions are still there to report.
                    MetricsReport.print(err, directory);
                }
            }
        }
    }

    /** Runs _start or the --invoke export; returns the exit code. */
    private int invoke(TvmGuest instance, PrintWriter out, PrintWriter err) {
        if (invoke == null) {
            try {
                instance.call("_start");
                return 0;
            } catch (WasiExitException exit) {
                return exit.exitCode();
            }
        }
        FunctionType type = instance.instance().exportType(invoke);
        if (type.params().size() != args.size()) {
            err.println("tvm run: export '" + invoke + "' takes "
                    + type.params().size() + " argument(s) " + type.params() + ", got " + args.size());
            return 2;
        }
        long[] values = new long[args.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = encode(type.params().get(i), args.get(i));
        }
        long[] results = instance.call(invoke, values);
        for (int i = 0; results != null && i < type.returns().size(); i++) {
            out.println(decode(type.returns().get(i), results[i]));
        }
        out.flush();
        return 0;
    }

    private static long encode(ValType type, String text) {
        if (type.equals(ValType.F32)) {
            return Float.floatToRawIntBits(Float.parseFloat(text)) & 0xFFFF_FFFFL;
        }
        if (type.equals(ValType.F64)) {
            return Double.doubleToRawLongBits(Double.parseDouble(text));
        }
        if (type.equals(ValType.I32)) {
            return Integer.parseInt(text);
        }
        return text.startsWith("0x") ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseLong(text);
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
