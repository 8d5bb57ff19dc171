package dev.tvm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tvm} command line. */
@Command(
        name = "tvm",
        mixinStandardHelpOptions = true,
        version = "tvm 0.1.0",
        description = "Tiered virtual memory for WebAssembly guests on Chicory.",
        subcommands = {
            RunCommand.class,
            DemoCommand.class,
            ShellCommand.class,
            LinkCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        })
public final class TvmCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Runs the command line and returns its exit code (for tests and {@link #main}). */
    public static int execute(String... args) {
        return new CommandLine(new TvmCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }
}
