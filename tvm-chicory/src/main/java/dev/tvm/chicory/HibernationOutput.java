package dev.tvm.chicory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Writes the sections of a hibernation snapshot (see {@link Hibernation} for the layout): big-endian
 * values through one direct staging buffer, each section closed by the CRC32C of its bytes.
 */
final class HibernationOutput {
    /** Staging size: large enough that a 64 KiB page is one copy and writes are few. */
    static final int BUFFER_BYTES = 1 << 20;

    /** Where the bytes go: a file channel, or a failing one in tests. */
    interface Sink extends WritableByteChannel {
        /** Forces everything written to the storage device. */
        void force() throws IOException;

        /** A sink over {@code channel}. */
        static Sink of(FileChannel channel) {
            return new Sink() {
                @Override
                public int write(ByteBuffer src) throws IOException {
                    return channel.write(src);
                }

                @Override
                public void force() throws IOException {
                    channel.force(true);
                }

                @Override
                public boolean isOpen() {
                    return channel.isOpen();
                }

                @Override
                public void close() throws IOException {
                    channel.close();
                }
            };
        }
    }

    private final Sink sink;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private final CRC32C crc = new CRC32C();
    /** Where the bytes of the open section not yet in {@link #crc} start in {@link #buffer}. */
    private int crcFrom;
    /** Bytes handed to the sink so far. */
    private long flushed;

    HibernationOutput(Sink sink) {
        this.sink = sink;
    }

    /** Opens a section: its kind is its first four bytes, and its checksum starts with them. */
    void beginSection(int kind) throws IOException {
        putInt(kind);
    }

    /** Closes the open section with the CRC32C of every byte since {@link #beginSection}. */
    void endSection() throws IOException {
        absorb();
        int value = (int) crc.getValue();
        crc.reset();
        putInt(value);
        crcFrom = buffer.position();
    }

    void putByte(int value) throws IOException {
        room(1);
        buffer.put((byte) value);
    }

    void putInt(int value) throws IOException {
        room(Integer.BYTES);
        buffer.putInt(value);
    }

    void putLong(long value) throws IOException {
        room(Long.BYTES);
        buffer.putLong(value);
    }

    /** A u32 byte count, then the string's UTF-8 bytes. */
    void putString(String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        putInt(bytes.length);
        putBytes(bytes, 0, bytes.length);
    }

    void putBytes(byte[] bytes, int offset, int length) throws IOException {
        while (length > 0) {
            room(1);
            int n = Math.min(length, buffer.remaining());
            buffer.put(bytes, offset, n);
            offset += n;
            length -= n;
        }
    }

    /** Bytes written so far: the file offset of the next byte. */
    long position() {
        return flushed + buffer.position();
    }

    /**
     * Bytes outside any section (page bytes, whose checksums the index holds): between sections
     * only, and in no section's checksum.
     */
    void putRaw(byte[] bytes, int offset, int length) throws IOException {
        while (length > 0) {
            room(1);
            int n = Math.min(length, buffer.remaining());
            buffer.put(bytes, offset, n);
            crcFrom = buffer.position();
            offset += n;
            length -= n;
        }
    }

    /** Zero bytes outside any section up to the next multiple of {@code alignment}. */
    void padTo(int alignment) throws IOException {
        int pad = (int) (-position() & (alignment - 1));
        putRaw(new byte[pad], 0, pad);
    }

    /** Writes out what is staged and forces it to the device. */
    void finish() throws IOException {
        flush();
        sink.force();
    }

    private void room(int bytes) throws IOException {
        if (buffer.remaining() < bytes) {
            flush();
        }
    }

    /** Adds the staged bytes of the open section to its checksum. */
    private void absorb() {
        int end = buffer.position();
        if (end > crcFrom) {
            crc.update(buffer.slice(crcFrom, end - crcFrom));
        }
        crcFrom = end;
    }

    private void flush() throws IOException {
        absorb();
        buffer.flip();
        flushed += buffer.remaining();
        while (buffer.hasRemaining()) {
            sink.write(buffer);
        }
        buffer.clear();
        crcFrom = 0;
    }
}
