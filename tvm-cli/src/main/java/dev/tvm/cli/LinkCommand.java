package dev.tvm.cli;

import dev.tvm.guest.link.LinkException;
import dev.tvm.guest.link.Linker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tvm link}: merges a compiled guest with a generated shell into one self-contained module. */
@Command(
        name = "link",
        mixinStandardHelpOptions = true,
        description = {
            "Link a compiled guest (clang wasm32 output importing tvm_shell.*, see guests/include/tvm_shell.h)",
            "with a generated N-pool shell into one module whose only imports are the guest's others",
            "(WASI, say). Exit status 2 on malformed or unsupported input, with the section and offset."
        })
final class LinkCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "GUEST.wasm", description = "The compiled guest module.")
    Path guest;

    @Mixin
    ShellOptions shell;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "FILE",
            description = "Where to write the linked module.")
    Path output;

    @Option(
            names = "--shell-module",
            defaultValue = Linker.DEFAULT_SHELL_MODULE,
            paramLabel = "NAME",
            description = "Import module the shell provides (default: ${DEFAULT-VALUE}).")
    String shellModule;

    @Option(
            names = "--export-prefix",
            defaultValue = Linker.DEFAULT_EXPORT_PREFIX,
            paramLabel = "PREFIX",
            description = "Prefix of the shell's exports in the result (default: ${DEFAULT-VALUE}).")
    String exportPrefix;

    @Option(names = "--no-shell-exports", description = "Do not export the shell's functions and memories.")
    boolean noShellExports;

    @Option(
            names = "--alias-memory",
            arity = "0..1",
            fallbackValue = "memory",
            paramLabel = "NAME",
            description = "Also export memory 0 (the guest's) as NAME (default NAME: memory).")
    String memoryAlias;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        OutputFile.check(output);
        byte[] guestBytes;
        try {
            guestBytes = Files.readAllBytes(guest);
        } catch (IOException e) {
            throw CliError.usage(
                    guest.toString(),
                    "cannot read: " + ErrorReporter.describe(e),
                    "check the path of the guest module");
        }
        Linker.Result result;
        try {
            byte[] shellBytes = shell.generate();
            result = Linker.builder()
                    .withShellModule(shellModule)
                    .withShellExportPrefix(noShellExports ? null : exportPrefix)
                    .withMemoryAlias(memoryAlias)
                    .build()
                    .link(guestBytes, shellBytes);
        } catch (LinkException e) {
            throw CliError.usage(
                    guest.toString(), e.getMessage(), "give a wasm32 object the linker supports (see tvm link --help)");
        } catch (IllegalArgumentException e) {
            throw CliError.usage("shell options", e.getMessage(), "see 'tvm link --help' for the ranges");
        }
        OutputFile.write(output, result.wasm());
        out.printf(
                "wrote %s: %d bytes, %d pool%s, %d shell import%s resolved, %d import%s left%s%n",
                output,
                result.wasm().length,
                shell.pools,
                shell.pools == 1 ? "" : "s",
                result.resolved().size(),
                result.resolved().size() == 1 ? "" : "s",
                result.remaining().size(),
                result.remaining().size() == 1 ? "" : "s",
                result.remaining().isEmpty() ? "" : " (" + String.join(", ", result.remaining()) + ")");
        result.notes().forEach(n -> out.println("note: " + n));
        return 0;
    }
}
