package dev.tvm.core;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** An {@link ExternalLoader} over a read-only file, read with positional reads. */
public final class FileLoader implements ExternalLoader {
    private final Path path;
    private final FileChannel channel;
    private final long size;

    private FileLoader(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    /**
     * Opens {@code path} for reading.
     *
     * @throws IOException if it cannot be opened
     */
    public static FileLoader open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        return new FileLoader(path, channel, channel.size());
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void load(long offset, MemorySegment dst) throws IOException {
        ByteBuffer buffer = dst.asByteBuffer();
        long position = offset;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new IOException(path + " ended at " + position + ", expected " + size + " bytes");
            }
            position += n;
        }
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
