package dev.tvm.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    ShellOptions shell;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "FILE",
            description = "Where to write the module.")
    Path output;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        OutputFile.check(output);
        byte[] wasm;
        try {
            wasm = shell.generate();
        } catch (IllegalArgumentException e) {
            throw CliError.usage("shell options", e.getMessage(), "see 'tvm shell --help' for the ranges");
        }
        OutputFile.write(output, wasm);
        out.printf("wrote %s: %d bytes, %d pool%s%n", output, wasm.length, shell.pools, shell.pools == 1 ? "" : "s");
        return 0;
    }
}
