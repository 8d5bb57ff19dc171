package dev.tvm.chicory;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A Chicory memory factory whose memories live in regions: {@code
 * Instance.builder(module).withMemoryFactory(RegionMemories.factory(directory))} makes every memory
 * the module <em>defines</em> (memory 0 and, with multi-memory, any others) a {@link SegmentMemory}
 * view over a region of its own. Imported memories are not touched: whoever exports them made them
 * (for instance another instance built with this factory, whose region-backed memory is then shared).
 *
 * <p>Each memory becomes one {@link RegionKind#HOT_HEAP} region named {@code wasm-memory-N}, with
 * capacity {@code max(min(maximum, 32767), initial)} pages of 64 KiB: the whole span the memory may
 * ever grow to, reserved up front (lazily committed where the platform allows), so growth never
 * copies and addresses never move. Memories beyond 32,767 pages (2 GiB − 64 KiB) are impossible in
 * Chicory, whatever the module declares: an initial size above that fails with {@link
 * UninstantiableException}, and grows past it return −1. A memory declared with a maximum of 0
 * still gets a (one-page) region, of which it shows nothing.
 *
 * <p>Lifetime: the region is pinned with {@link Region#pinDirect()} for the memory's life, so it is
 * never compacted, evicted, moved or destroyed underneath the guest. Chicory never tells a memory
 * that its instance is gone, so this factory owns what it made: {@link #close()} unpins and
 * destroys every region it created, after which instances using them must not run. Closing the
 * directory also destroys them. The guest's bytes are written directly (not through handles), so
 * the regions hold no allocations; the host reads them through {@link SegmentMemory#segment()} or
 * {@link #regionOf(Memory)}.
 *
 * <p>Thread safety: one factory may serve any number of instance builds on any threads.
 */
public final class RegionMemories implements Function<MemoryLimits, Memory>, AutoCloseable {
    private final RegionDirectory directory;
    private final IdentityHashMap<Memory, Region> regions = new IdentityHashMap<>();
    private final List<Region> created = new ArrayList<>();
    private int counter;
    private boolean closed;

    private RegionMemories(RegionDirectory directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
    }

    /** A factory making each defined memory its own region of {@code directory}. */
    public static RegionMemories factory(RegionDirectory directory) {
        return new RegionMemories(directory);
    }

    /**
     * Creates and pins a region for a memory with these limits and returns its memory.
     *
     * @throws UninstantiableException if the initial size exceeds Chicory's 32,767 pages
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public synchronized Memory apply(MemoryLimits limits) {
        Objects.requireNonNull(limits, "limits");
        if (closed) {
            throw new IllegalStateException("RegionMemories is closed");
        }
        int initial = limits.initialPages();
        if (initial > Memory.RUNTIME_MAX_PAGES) {
            throw new UninstantiableException("memory of " + initial + " initial pages exceeds the runtime maximum of "
                    + Memory.RUNTIME_MAX_PAGES + " pages");
        }
        int pages = Math.max(Math.min(limits.maximumPages(), Memory.RUNTIME_MAX_PAGES), initial);
        long bytes = (long) pages * Memory.PAGE_SIZE;
        Region region = directory.create(RegionSpec.of(RegionKind.HOT_HEAP)
                .withCapacity(Math.max(bytes, RegionSpec.CAPACITY_GRANULE))
                .withName("wasm-memory-" + counter++));
        boolean pinned = false;
        try {
            MemorySegment segment = region.pinDirect();
            pinned = true;
            SegmentMemory memory = SegmentMemory.wrap(segment.asSlice(0, bytes), limits);
            regions.put(memory, region);
            created.add(region);
            return memory;
        } catch (RuntimeException | Error e) {
            release(region, pinned);
            throw e;
        }
    }

    /** The region behind a memory this factory made, or {@code null} for any other memory. */
    public synchronized Region regionOf(Memory memory) {
        return regions.get(memory);
    }

    /** The regions made so far, oldest first (destroyed ones included until {@link #close()}). */
    public synchronized List<Region> regions() {
        return List.copyOf(created);
    }

    /** Unpins and destroys every region this factory made. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (Region region : created) {
            try {
                release(region, true);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        created.clear();
        regions.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private void release(Region region, boolean pinned) {
        if (region.isDestroyed() || directory.isClosed()) {
            return; // the directory got there first
        }
        if (pinned) {
            region.unpinDirect();
        }
        directory.destroy(region.ref());
    }
}
