package dev.tvm.chicory.guests13;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The process's own memory in an address range, from Linux's {@code /proc/self/pagemap}: one
 * 64-bit entry per 4 KiB page whose bit 63 says the page is present, bit 61 that it is a file
 * page (the page cache) and bit 56 that only this mapping maps it. A page the process wrote into
 * a private mapping is present, exclusive and not a file page; an image page it only read is a
 * file page; a never-written anonymous page it read is the shared zero page (not exclusive).
 */
final class Smaps {
    private static final long PRESENT = 1L << 63;
    private static final long FILE = 1L << 61;
    private static final long EXCLUSIVE = 1L << 56;

    private Smaps() {}

    /** Bytes of {@code [address, address + length)} in pages this process wrote and owns alone. */
    static long privateBytes(long address, long length) {
        long first = address / 4096;
        int pages = (int) ((length + 4095) / 4096);
        ByteBuffer entries = ByteBuffer.allocate(pages * 8).order(ByteOrder.nativeOrder());
        try (FileChannel pagemap = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ)) {
            while (entries.hasRemaining()) {
                if (pagemap.read(entries, first * 8 + entries.position()) <= 0) {
                    throw new IOException("short read of /proc/self/pagemap");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long bytes = 0;
        for (int i = 0; i < pages; i++) {
            long e = entries.getLong(i * 8);
            if ((e & PRESENT) != 0 && (e & EXCLUSIVE) != 0 && (e & FILE) == 0) {
                bytes += 4096;
            }
        }
        return bytes;
    }
}
