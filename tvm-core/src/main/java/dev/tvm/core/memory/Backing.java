package dev.tvm.core.memory;

import java.lang.foreign.MemorySegment;

/**
 * The bytes behind one region: a contiguous segment of a fixed capacity. Implementations decide
 * how those bytes are obtained (reserved anonymous memory, an eager arena, a file mapping).
 *
 * <p>Contract, checked by the contract test suite for every implementation:
 *
 * <ul>
 *   <li>{@link #segment()} is {@link #capacity()} bytes long, readable and writable, and reads as
 *       zero until written.
 *   <li>{@link #discard} makes a range read as zero again and may return its memory to the OS.
 *   <li>After {@link #close()} the segment is no longer accessible: any access throws {@link
 *       IllegalStateException}. Closing twice is harmless.
 * </ul>
 *
 * <p>The backing owns its memory; the segment it hands out is a view that must not outlive it.
 */
public interface Backing extends AutoCloseable {
    /** The whole backing as one segment, {@link #capacity()} bytes long. */
    MemorySegment segment();

    /** Size in bytes. */
    long capacity();

    /** Zeroes {@code [offset, offset + length)}, releasing whole OS pages where the backing can. */
    void discard(long offset, long length);

    /** Bytes currently holding physical memory, or -1 if the backing cannot tell. */
    default long residentBytes() {
        return -1;
    }

    /** Releases the memory. Idempotent. */
    @Override
    void close();
}
