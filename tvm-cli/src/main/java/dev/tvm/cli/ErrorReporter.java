package dev.tvm.cli;

import com.dylibso.chicory.wasm.ChicoryException;
import dev.tvm.core.TvmException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns every failure of a command into one line on stderr, {@code tvm <command>: <input>: <what
 * is wrong>; <what to do>}, and an {@link Exit} code. With {@code --verbose} anywhere before a
 * {@code --}, the Java stack trace follows the line.
 */
final class ErrorReporter implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
    static final String VERBOSE = "--verbose";

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        report(cmd, parseMessage(cmd, ex), ex, verbose(Arrays.asList(args)));
        return Exit.USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        Throwable failure = ex instanceof CommandLine.ExecutionException && ex.getCause() != null ? ex.getCause() : ex;
        List<String> args = parseResult == null ? List.of() : parseResult.originalArgs();
        if (failure instanceof CliError e) {
            report(cmd, e.getMessage(), e, verbose(args));
            return e.exitCode();
        }
        CliError e = classify(failure);
        report(cmd, e.getMessage(), failure, verbose(args));
        return e.exitCode();
    }

    /** Whether {@code --verbose} was given (before any {@code --}, after which arguments are the guest's). */
    static boolean verbose(List<String> args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals(VERBOSE)) {
                return true;
            }
        }
        return false;
    }

    private static void report(CommandLine cmd, String message, Throwable trace, boolean verbose) {
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + oneLine(message));
        if (verbose) {
            trace.printStackTrace(err);
        }
        err.flush();
    }

    private static String parseMessage(CommandLine cmd, ParameterException ex) {
        String help = "see '" + cmd.getCommandSpec().qualifiedName() + " --help'";
        ArgSpec arg = ex.getArgSpec();
        if (ex.getCause() instanceof TypeConversionException conversion && arg != null && ex.getValue() != null) {
            String name = arg instanceof OptionSpec o ? o.longestName() : arg.paramLabel();
            return name + " " + ex.getValue() + ": " + conversion.getMessage();
        }
        if (ex instanceof UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            String hint = suggestions.isEmpty() ? "" : "did you mean " + String.join(" or ", suggestions) + "? ";
            boolean looksLikeOption = unmatched.getUnmatched().stream().anyMatch(a -> a.startsWith("-"));
            if (looksLikeOption && cmd.getCommandSpec().name().equals("run")) {
                hint += "guest arguments that start with '-' go after '--' (tvm run GUEST.wasm -- -x); ";
            }
            return ex.getMessage() + "; " + hint + help;
        }
        return ex.getMessage() + "; " + help;
    }

    /** The one-line explanation and exit code of a failure no command explained itself. */
    static CliError classify(Throwable t) {
        String chain = describe(t);
        FileSystemException fs = find(t, FileSystemException.class);
        if (find(t, IOException.class) != null || find(t, UncheckedIOException.class) != null) {
            String input = fs != null && fs.getFile() != null ? fs.getFile() : "I/O";
            return new CliError(
                    Exit.IO, input, chain, "check the path, its permissions and the free space of its disk", t);
        }
        if (t instanceof TvmException e) {
            return new CliError(Exit.RESOURCES, "tvm " + e.code(), chain, "raise the budget or lower the load", t);
        }
        if (t instanceof OutOfMemoryError) {
            return new CliError(
                    Exit.RESOURCES,
                    "Java heap",
                    chain,
                    "give the JVM more heap, e.g. TVM_JAVA_OPTS=-Xmx4g ./tvm ...",
                    t);
        }
        if (Traps.isTrap(t)) {
            return new CliError(Exit.TRAP, "guest", Traps.describe(t, null), Traps.ADVICE, t);
        }
        return new CliError(
                Exit.INTERNAL,
                "internal error",
                t.getClass().getName() + ": " + chain,
                "this is a bug in tvm: please report it with the output of --verbose",
                t);
    }

    /**
     * A throwable's message followed by each cause's, {@code "...: caused by: ..."}, leaving out a
     * cause whose message the text already holds.
     */
    static String describe(Throwable t) {
        StringBuilder text = new StringBuilder(message(t));
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.add(t);
        for (Throwable c = t.getCause(); c != null && seen.add(c); c = c.getCause()) {
            String m = message(c);
            if (text.indexOf(m) < 0) {
                text.append(": caused by: ").append(m);
            }
        }
        return oneLine(text.toString());
    }

    private static String message(Throwable t) {
        if (t instanceof FileSystemException fs && fs.getReason() == null && fs.getFile() != null) {
            String what =
                    switch (t) {
                        case NoSuchFileException e -> "no such file or directory";
                        case AccessDeniedException e -> "permission denied";
                        case FileAlreadyExistsException e -> "already exists";
                        case NotDirectoryException e -> "not a directory";
                        case DirectoryNotEmptyException e -> "directory not empty";
                        default -> t.getClass().getSimpleName();
                    };
            return fs.getFile() + (fs.getOtherFile() != null ? " -> " + fs.getOtherFile() : "") + ": " + what;
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        // Plain exceptions keep their type ("IOException: No space left on device"); our own and Chicory's speak alone.
        boolean speaksAlone = t instanceof ChicoryException || t instanceof TvmException || t instanceof CliError;
        String type = t.getClass().getSimpleName();
        return speaksAlone || m.startsWith(type) ? m : type + ": " + m;
    }

    static <T extends Throwable> T find(Throwable t, Class<T> type) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
