package dev.tvm.core.spill;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Opens the {@link FileChannel} behind a {@link SpillFile}. The default opens the file for reading
 * and writing, creating it if needed; tests substitute a channel that injects faults (a full disk,
 * an I/O error). {@link SpillFile} calls it once when the file is created or opened, and again if
 * the channel was closed under it (a thread interrupted during I/O closes a {@code FileChannel}
 * for every thread).
 *
 * <p>The returned channel must support positional reads and writes, {@code position}, gathering
 * writes, {@code truncate}, {@code force} and {@link FileChannel#map(FileChannel.MapMode, long,
 * long, java.lang.foreign.Arena)}.
 */
@FunctionalInterface
public interface SpillChannelFactory {
    /** {@code FileChannel.open(path, CREATE, READ, WRITE)}. */
    SpillChannelFactory DEFAULT = path ->
            FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);

    /** Opens {@code path} for reading and writing. */
    FileChannel open(Path path) throws IOException;
}
