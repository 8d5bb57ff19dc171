package dev.tvm.cli;

/**
 * A failure the CLI explains in one line: {@code <input>: <problem>; <advice>} (no advice when the
 * problem already says what to do), ending the command
 * with {@link #exitCode()}. The top command's handler prints it as {@code tvm <command>: <message>}.
 */
final class CliError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliError(int exitCode, String input, String problem, String advice) {
        this(exitCode, input, problem, advice, null);
    }

    CliError(int exitCode, String input, String problem, String advice, Throwable cause) {
        super(input + ": " + problem + (advice.isEmpty() ? "" : "; " + advice), cause);
        this.exitCode = exitCode;
    }

    /** Bad input: exit code {@link Exit#USAGE}. */
    static CliError usage(String input, String problem, String advice) {
        return new CliError(Exit.USAGE, input, problem, advice);
    }

    /** The process exit code. */
    int exitCode() {
        return exitCode;
    }
}
