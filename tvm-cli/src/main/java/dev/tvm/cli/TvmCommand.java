package dev.tvm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code tvm} command line. */
@Command(
        name = "tvm",
        mixinStandardHelpOptions = true,
        versionProvider = TvmCommand.Version.class,
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

    /** Read by {@link ErrorReporter} from the arguments; declared here for help and parsing. */
    @Option(
            names = ErrorReporter.VERBOSE,
            scope = ScopeType.INHERIT,
            description = "On an error, print the Java stack trace after the one-line message.")
    boolean verbose;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The configured command line: one-line errors, exit codes, case-insensitive enums. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new TvmCommand()).setCaseInsensitiveEnumValuesAllowed(true);
        ErrorReporter reporter = new ErrorReporter();
        cli.setParameterExceptionHandler(reporter);
        cli.setExecutionExceptionHandler(reporter);
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        // Errors (a guest's StackOverflowError, OutOfMemoryError) pass by picocli's handler: route them to it.
        cli.setExecutionStrategy(parseResult -> {
            try {
                return runLast.execute(parseResult);
            } catch (Error e) {
                CommandLine.ParseResult last = parseResult;
                while (last.subcommand() != null) {
                    last = last.subcommand();
                }
                throw new CommandLine.ExecutionException(last.commandSpec().commandLine(), e.toString(), e);
            }
        });
        cli.getCommandSpec().usageMessage().footer(Exit.TABLE);
        return cli;
    }

    /** Runs the command line and returns its exit code (for tests and {@link #main}). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** The project version, from a resource Maven fills in at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tvm " + projectVersion()};
        }

        static String projectVersion() {
            Properties p = new Properties();
            try (InputStream in = TvmCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // fall through to "unknown"
            }
            String v = p.getProperty("version", "");
            return v.isEmpty() || v.startsWith("${") ? "(unknown version)" : v;
        }
    }
}
