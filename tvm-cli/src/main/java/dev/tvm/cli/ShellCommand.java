package dev.tvm.cli;

import dev.tvm.guest.ShellGenerator;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tvm shell}: writes a self-contained guest-side TVM shell module. */
@Command(
        name = "shell",
        mixinStandardHelpOptions = true,
        description = {
            "Write a self-contained multi-memory TVM shell: N pool memories, regions and",
            "generation-checked handles inside the module, no imports (see docs/guest-shell.md)."
        })
final class ShellCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--pools",
            defaultValue = "1",
            paramLabel = "N",
            description = "Pool memories, 1..256 (default: ${DEFAULT-VALUE}).")
    int pools;

    @Option(
            names = "--initial-pages",
            defaultValue = "1",
            paramLabel = "PAGES",
            description = "Initial 64 KiB pages per pool (default: ${DEFAULT-VALUE}).")
    int initialPages;

    @Option(
            names = "--max-pages",
            defaultValue = "16384",
            paramLabel = "PAGES",
            description = "Maximum pages per pool, up to 65536; Chicory allows 32767 (default: ${DEFAULT-VALUE}).")
    int maxPages;

    @Option(
            names = "--max-regions",
            defaultValue = "64",
            paramLabel = "N",
            description = "Regions the shell can create (default: ${DEFAULT-VALUE}).")
    int maxRegions;

    @Option(
            names = "--slots",
            defaultValue = "4096",
            paramLabel = "N",
            description = "Handle-table slots per region (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "FILE",
            description = "Where to write the module.")
    Path output;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        byte[] wasm;
        try {
            wasm = ShellGenerator.builder()
                    .withPools(pools)
                    .withInitialPages(initialPages)
                    .withMaximumPages(maxPages)
                    .withMaxRegions(maxRegions)
                    .withSlotsPerRegion(slots)
                    .build()
                    .generate();
        } catch (IllegalArgumentException e) {
            err.println("tvm shell: " + e.getMessage());
            return 2;
        }
        Files.write(output, wasm);
        out.printf("wrote %s: %d bytes, %d pool%s%n", output, wasm.length, pools, pools == 1 ? "" : "s");
        return 0;
    }
}
