package dev.tvm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writing a command's output file with one-line errors naming the {@code -o} path. */
final class OutputFile {
    private OutputFile() {}

    /** Refuses an output path whose directory is missing or that names a directory. */
    static void check(Path output) {
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw CliError.usage(
                    "-o " + output,
                    "directory " + parent + " does not exist",
                    "create it first, or write the file somewhere else");
        }
        if (Files.isDirectory(output)) {
            throw CliError.usage("-o " + output, "is a directory", "give a file name");
        }
    }

    /** Writes {@code bytes} to {@code output}, after {@link #check}. */
    static void write(Path output, byte[] bytes) {
        check(output);
        try {
            Files.write(output, bytes);
        } catch (IOException e) {
            throw new CliError(
                    Exit.IO,
                    "-o " + output,
                    "cannot write: " + ErrorReporter.describe(e),
                    "check its permissions and the free space of its disk",
                    e);
        }
    }
}
