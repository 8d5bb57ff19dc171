package dev.tvm.core.memory;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.TvmException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A backing allocated eagerly from a shared {@link Arena}: portable, but the whole capacity is
 * committed and zeroed up front. Meant for small regions and for platforms without {@link
 * ReservedBacking}.
 */
public final class ArenaBacking implements Backing {
    private final Arena arena;
    private final MemorySegment segment;

    private ArenaBacking(Arena arena, MemorySegment segment) {
        this.arena = arena;
        this.segment = segment;
    }

    /** Allocates {@code capacity} zeroed bytes. */
    public static ArenaBacking allocate(long capacity) {
        Arena arena = Arena.ofShared();
        try {
            return new ArenaBacking(arena, arena.allocate(capacity, 64));
        } catch (OutOfMemoryError | IllegalArgumentException e) {
            arena.close();
            throw TvmException.of(
                    ErrorCode.NO_MEMORY, "could not allocate " + capacity + " bytes of off-heap memory: " + e);
        }
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public long capacity() {
        return segment.byteSize();
    }

    @Override
    public void discard(long offset, long length) {
        segment.asSlice(offset, length).fill((byte) 0);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
