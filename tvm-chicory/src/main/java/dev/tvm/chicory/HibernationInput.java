package dev.tvm.chicory;

import dev.tvm.chicory.HibernationException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads the sections {@link HibernationOutput} writes, checking each one's CRC32C at its end. Every
 * malformed input becomes a {@link HibernationException} naming the file: {@link Reason#TRUNCATED}
 * when it ends early, {@link Reason#CORRUPT} otherwise.
 */
final class HibernationInput {
    private final Path file;
    private final ReadableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(HibernationOutput.BUFFER_BYTES);
    private final CRC32C crc = new CRC32C();
    /** Where the consumed bytes of the open section not yet in {@link #crc} start in {@link #buffer}. */
    private int crcFrom;
    /** Bytes consumed before the buffer's start, for messages. */
    private long consumedBefore;

    HibernationInput(Path file, ReadableByteChannel channel) {
        this(file, channel, 0);
    }

    /** Reads from {@code channel}, which is at file offset {@code start}. */
    HibernationInput(Path file, ReadableByteChannel channel, long start) {
        this.file = file;
        this.channel = channel;
        this.consumedBefore = start;
        buffer.limit(0);
    }

    /** Reads bytes outside any section up to file offset {@code end}, all of which must be zero. */
    void expectZerosUpTo(long end) throws IOException {
        while (position() < end) {
            if (getByte() != 0) {
                throw corrupt("padding byte " + (position() - 1) + " is not zero");
            }
        }
        crcFrom = buffer.position(); // padding is in no section's checksum
        crc.reset();
    }

    /** Opens a section, which must be of {@code kind}. */
    void beginSection(int kind, String name) throws IOException {
        int found = getInt();
        if (found != kind) {
            throw corrupt("expected the " + name + " section (kind " + Hibernation.kindName(kind) + ") at byte "
                    + (position() - 4) + " but found kind " + Hibernation.kindName(found));
        }
    }

    /** Closes the open section, checking its CRC32C. */
    void endSection(String name) throws IOException {
        absorb();
        int expected = (int) crc.getValue();
        crc.reset();
        int stored = getInt();
        crcFrom = buffer.position();
        if (stored != expected) {
            throw corrupt("the " + name + " section's CRC32C is " + Integer.toHexString(expected) + " but "
                    + Integer.toHexString(stored) + " is stored (a damaged byte)");
        }
    }

    /** Fails unless the file ends here. */
    void expectEnd() throws IOException {
        if (buffer.hasRemaining() || fill() > 0) {
            throw corrupt("bytes follow the end section at byte " + position());
        }
    }

    int getByte() throws IOException {
        need(1);
        return buffer.get() & 0xFF;
    }

    int getInt() throws IOException {
        need(Integer.BYTES);
        return buffer.getInt();
    }

    long getLong() throws IOException {
        need(Long.BYTES);
        return buffer.getLong();
    }

    /** A u32 count, at most {@code max}. */
    int getCount(long max, String what) throws IOException {
        long n = Integer.toUnsignedLong(getInt());
        if (n > max) {
            throw corrupt(what + " is " + n + ", more than the " + max + " possible");
        }
        return (int) n;
    }

    /** A string {@link HibernationOutput#putString} wrote. */
    String getString(String what) throws IOException {
        // 16 MiB: far above any argument or variable, and small enough to allocate before reading.
        int length = getCount(1 << 24, "the byte count of " + what);
        byte[] bytes = new byte[length];
        getBytes(bytes, 0, length);
        // Decoded leniently: a damaged byte shows as the section's checksum failing right after.
        return new String(bytes, StandardCharsets.UTF_8);
    }

    void getBytes(byte[] dst, int offset, int length) throws IOException {
        while (length > 0) {
            if (!buffer.hasRemaining()) {
                need(1);
            }
            int n = Math.min(length, buffer.remaining());
            buffer.get(dst, offset, n);
            offset += n;
            length -= n;
        }
    }

    /** Bytes consumed from the file so far. */
    long position() {
        return consumedBefore + buffer.position();
    }

    HibernationException corrupt(String what) {
        return new HibernationException(
                Reason.CORRUPT,
                file + ": corrupt hibernation snapshot: " + what + "; take the snapshot again (hibernate the"
                        + " instance anew) or restore the file from a copy");
    }

    private void need(int bytes) throws IOException {
        while (buffer.remaining() < bytes) {
            if (fill() < 0) {
                throw new HibernationException(
                        Reason.TRUNCATED,
                        file + ": truncated hibernation snapshot: it ends at byte " + position()
                                + " inside a section; the write that made it did not complete, or the file was cut;"
                                + " take the snapshot again or restore the file from a copy");
            }
        }
    }

    /** Moves unread bytes to the front and reads more; returns the count read, -1 at the end of the file. */
    private int fill() throws IOException {
        absorb();
        consumedBefore += buffer.position();
        buffer.compact();
        crcFrom = 0;
        int n = channel.read(buffer);
        buffer.flip();
        return n;
    }

    /** Adds the consumed bytes of the open section to its checksum. */
    private void absorb() {
        int end = buffer.position();
        if (end > crcFrom) {
            crc.update(buffer.slice(crcFrom, end - crcFrom));
        }
        crcFrom = end;
    }
}
