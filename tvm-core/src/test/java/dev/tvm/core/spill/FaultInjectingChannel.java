package dev.tvm.core.spill;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link FileChannel} that delegates to a real one and injects faults as {@link Faults} says: a
 * disk that fills up after a byte budget (the write that crosses it is short, the next one fails
 * with "No space left on device", as {@code pwrite} does), short transfers, and failing reads.
 */
final class FaultInjectingChannel extends FileChannel {
    /** Shared by every channel a {@link #factory} opens, so a reopened channel keeps the faults. */
    static final class Faults {
        /**
         * A file system that holds at most this many bytes of the file: writes that reach past it
         * are short, then fail with "No space left on device", while rewrites below it succeed (a
         * real full disk); below zero means unlimited.
         */
        volatile long maxFileSize = -1;

        /** Bytes that may still be written; below zero means unlimited. */
        final AtomicLong writeBudget = new AtomicLong(-1);
        /** Largest transfer per call (short reads and writes); 0 means unlimited. */
        volatile int maxBytesPerCall;
        /** Reads fail with this message while non-null. */
        volatile String readError;

        final AtomicInteger opened = new AtomicInteger();

        void diskFullAfter(long bytes) {
            writeBudget.set(bytes);
        }

        void diskHasRoom() {
            writeBudget.set(-1);
        }
    }

    /** A directory with a resident budget whose spill file in {@code dir} suffers {@code faults}. */
    static dev.tvm.core.RegionDirectory directory(java.nio.file.Path dir, long budget, Faults faults) {
        return dev.tvm.core.RegionDirectory.builder()
                .withResidentBudget(budget)
                .withSpillDirectory(dir)
                .withSpillChannelFactory(factory(faults))
                .build();
    }

    static SpillChannelFactory factory(Faults faults) {
        return path -> {
            faults.opened.incrementAndGet();
            return new FaultInjectingChannel(SpillChannelFactory.DEFAULT.open(path), faults);
        };
    }

    private final FileChannel d;
    private final Faults faults;

    private FaultInjectingChannel(FileChannel delegate, Faults faults) {
        this.d = delegate;
        this.faults = faults;
    }

    /** How many of {@code wanted} bytes this write may transfer; throws when the disk is full. */
    private int allowWrite(long wanted, long position) throws IOException {
        long allowed = wanted;
        long maxSize = faults.maxFileSize;
        if (maxSize >= 0) {
            allowed = Math.max(0, Math.min(allowed, maxSize - position));
            if (allowed == 0 && wanted > 0) {
                throw new IOException("No space left on device");
            }
        }
        int max = faults.maxBytesPerCall;
        if (max > 0) {
            allowed = Math.min(allowed, max);
        }
        while (true) {
            long budget = faults.writeBudget.get();
            if (budget < 0) {
                break;
            }
            if (budget == 0 && wanted > 0) {
                throw new IOException("No space left on device");
            }
            long take = Math.min(allowed, budget);
            if (faults.writeBudget.compareAndSet(budget, budget - take)) {
                allowed = take;
                break;
            }
        }
        return (int) Math.min(allowed, Integer.MAX_VALUE);
    }

    private int allowRead(long wanted) throws IOException {
        String error = faults.readError;
        if (error != null) {
            throw new IOException(error);
        }
        int max = faults.maxBytesPerCall;
        return (int) Math.min(max > 0 ? Math.min(wanted, max) : wanted, Integer.MAX_VALUE);
    }

    private static ByteBuffer limited(ByteBuffer b, int n) {
        return b.duplicate().limit(b.position() + Math.min(n, b.remaining()));
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        int n = allowWrite(src.remaining(), position);
        ByteBuffer part = limited(src, n);
        int written = d.write(part, position);
        src.position(src.position() + written);
        return written;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int n = allowWrite(src.remaining(), d.position());
        ByteBuffer part = limited(src, n);
        int written = d.write(part);
        src.position(src.position() + written);
        return written;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long wanted = 0;
        for (int i = offset; i < offset + length; i++) {
            wanted += srcs[i].remaining();
        }
        int n = allowWrite(wanted, d.position());
        if (n >= wanted) {
            return d.write(srcs, offset, length);
        }
        // Short gathering write: as many whole and partial buffers as the budget allows.
        int count = 0;
        ByteBuffer[] parts = new ByteBuffer[length];
        long left = n;
        for (int i = 0; i < length && left > 0; i++) {
            ByteBuffer b = srcs[offset + i];
            parts[i] = limited(b, (int) Math.min(left, b.remaining()));
            left -= parts[i].remaining();
            count++;
        }
        long written = d.write(parts, 0, count);
        long remaining = written;
        for (int i = 0; i < count; i++) {
            ByteBuffer b = srcs[offset + i];
            int take = (int) Math.min(remaining, b.remaining());
            b.position(b.position() + take);
            remaining -= take;
        }
        return written;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        int n = allowRead(dst.remaining());
        ByteBuffer part = limited(dst, n);
        int read = d.read(part, position);
        if (read > 0) {
            dst.position(dst.position() + read);
        }
        return read;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int n = allowRead(dst.remaining());
        ByteBuffer part = limited(dst, n);
        int read = d.read(part);
        if (read > 0) {
            dst.position(dst.position() + read);
        }
        return read;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        allowRead(0);
        return d.read(dsts, offset, length);
    }

    @Override
    public long position() throws IOException {
        return d.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        d.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return d.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        d.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        d.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return d.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        return d.transferFrom(src, position, count);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return d.map(mode, position, size);
    }

    @Override
    public MemorySegment map(MapMode mode, long offset, long size, Arena arena) throws IOException {
        return d.map(mode, offset, size, arena);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return d.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return d.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        d.close();
    }
}
