package dev.tvm.cli;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.TvmException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The spill directory of a command with {@code --budget} and {@code --spill-dir}. */
final class SpillDirectory {
    private SpillDirectory() {}

    /**
     * The spill directory, checked: {@code option} ({@code --spill-dir}) or the system temp
     * directory; an existing directory, or a missing one whose parent exists (then created here,
     * one level only, so a typo does not grow a tree of directories); probed for writability now,
     * so that a bad one is reported naming it.
     */
    static Path resolve(Path option) {
        Path dir = option != null ? option : tmp();
        String input = input(option);
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw CliError.usage(input, "not a directory", "give a directory for the spill file");
        }
        if (!Files.exists(dir)) {
            Path parent = dir.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw CliError.usage(
                        input,
                        "no such directory, and its parent " + parent + " does not exist either",
                        "create it first (tvm creates only the last level of a spill directory)");
            }
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                // created meanwhile: fine
            } catch (IOException e) {
                throw new CliError(
                        Exit.IO,
                        input,
                        "cannot create the directory: " + ErrorReporter.describe(e),
                        "create it yourself or give another directory",
                        e);
            }
        }
        try {
            // the directory builder would create the spill file here: say now, naming the directory, if it cannot
            Files.delete(Files.createTempFile(dir, ".tvm-probe-", ".tmp"));
        } catch (IOException e) {
            throw new CliError(
                    Exit.IO,
                    input,
                    "cannot create a file there: " + ErrorReporter.describe(e),
                    "give a directory you can write to",
                    e);
        }
        return dir;
    }

    /** How to name the spill directory in an error: the option as given, or the default. */
    static String input(Path option) {
        return option != null ? "--spill-dir " + option : "spill directory " + tmp() + " (java.io.tmpdir)";
    }

    private static Path tmp() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** Builds the directory; a spill file that cannot be made is a one-line I/O error naming the directory. */
    static RegionDirectory build(RegionDirectory.Builder builder, Path option, Path spill) {
        try {
            return builder.build();
        } catch (TvmException e) {
            if (spill == null || e.code() != ErrorCode.SPILL_IO_ERROR) {
                throw e;
            }
            throw new CliError(
                    Exit.IO,
                    input(option),
                    "cannot create the spill file: " + ErrorReporter.describe(e),
                    "give a directory you can write to (--spill-dir)",
                    e);
        }
    }
}
