package dev.tvm.cli;

/**
 * The exit codes of the {@code tvm} command. A guest's WASI {@code proc_exit} code is passed through
 * unchanged, so a guest may also end with any of these numbers; the one line on stderr tells
 * which it was. Code 3 belongs to the {@code ./tvm} launcher (no JDK 25 or Maven found, or its
 * build of the CLI failed).
 */
final class Exit {
    /** Success. */
    static final int OK = 0;
    /** The command ran to the end and found a failure: {@code tvm demo} read back a wrong byte. */
    static final int FAILED = 1;
    /** Usage or bad input: an unknown option, a bad value, a file that is not a module, a missing export. */
    static final int USAGE = 2;
    /** The guest trapped (unreachable, out-of-bounds access, division by zero, a tvm trap...). */
    static final int TRAP = 4;
    /** An I/O error: a file could not be read or written, the spill disk is full. */
    static final int IO = 5;
    /** The tvm runtime or the JVM ran out of a resource: NO_MEMORY, a quota, the Java heap. */
    static final int RESOURCES = 6;
    /** A bug in tvm: please report the line and the {@code --verbose} trace. */
    static final int INTERNAL = 70;

    /** The table printed at the end of {@code tvm --help}. */
    static final String[] TABLE = {
        "Exit codes:",
        "  0   success ('run': the guest's WASI proc_exit code, passed through)",
        "  1   demo: a byte read back differs from the byte written",
        "  2   usage or bad input: an option value, a file that is not a wasm",
        "      module, a missing export or import, a bad --invoke argument",
        "  3   ./tvm launcher: no JDK 25 or Maven found, or the build failed",
        "  4   the guest trapped",
        "  5   I/O error: a file could not be read or written, spill disk full",
        "  6   out of resources: tvm NO_MEMORY or a quota, the Java heap",
        "  70  internal error: a bug, please report it with the --verbose output",
        "An error is one line on stderr:",
        "  tvm <command>: <input>: <what is wrong>; <what to do>",
        "and --verbose adds the Java stack trace."
    };

    private Exit() {}
}
