package dev.tvm.core;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The source of an {@link Tier#EXTERNAL} region's bytes, read page by page on first access
 * ({@link RegionDirectory#createExternal}). The region is read-only, so evicting a page under the
 * resident budget just drops it: the loader brings it back. Implementations must be safe for
 * calls from several threads (each call targets a different page).
 */
public interface ExternalLoader extends AutoCloseable {
    /** Total bytes, 1 to 4 GiB. Constant. */
    long size();

    /**
     * Fills {@code dst} with the bytes at {@code [offset, offset + dst.byteSize())}; the range
     * lies inside {@link #size()}.
     *
     * @throws IOException if the source cannot be read; the access that needed the page fails
     *     with {@link ErrorCode#SPILL_IO_ERROR} and the page stays unloaded
     */
    void load(long offset, MemorySegment dst) throws IOException;

    /** A short description for error messages, such as a path. */
    default String describe() {
        return getClass().getSimpleName();
    }

    /** Releases the source. Called when the region is destroyed. */
    @Override
    default void close() throws IOException {}
}
