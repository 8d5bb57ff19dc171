package dev.tvm.chicory;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.chicory.memory.MemoryLimiter;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.GuestPages;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A Chicory memory factory whose memories live in regions and are paged under the directory's
 * resident budget: {@code Instance.builder(module).withMemoryFactory(RegionMemories.factory(directory))}
 * makes every memory the module <em>defines</em> (memory 0 and, with multi-memory, any others) a
 * {@linkplain SegmentMemory#paged paged} {@link SegmentMemory} over a guest memory region of its
 * own ({@link RegionDirectory#createGuestMemory}). The guest addresses it directly, with nothing in
 * the guest changed; its pages count against the budget, spill to the directory's spill file and
 * fault back (checksum-verified) as the guest touches them, and pages never written cost nothing.
 * Imported memories are not touched: whoever exports them made them.
 *
 * <p>Each memory's region is named {@code wasm-memory-N} and spans {@code max(min(maximum,
 * 32767), initial)} pages of 64 KiB: the whole span the memory may ever grow to, reserved up front
 * and committed only as touched, so growth never copies and addresses never move. Memories beyond
 * 32,767 pages (2 GiB − 64 KiB) are impossible in Chicory, whatever the module declares: an initial
 * size above that fails with {@link UninstantiableException}, and grows past it return −1.
 *
 * <p>Eviction and threads: see {@link GuestPages}. A memory is made entered by the thread that
 * builds the instance; call {@link GuestPages#exit()} ({@code ((SegmentMemory) memory).paging()})
 * once it is built and bracket later calls with {@link GuestPages#enter()}/{@link
 * GuestPages#exit()}, as {@link TvmGuest} does, so that an idle instance's pages can be evicted for
 * others. Without that, only faults of the building thread evict the memory's pages.
 *
 * <p>Lifetime: Chicory never tells a memory that its instance is gone, so this factory owns what
 * it made: {@link #close()} destroys every region it created, after which instances using them
 * must not run. Closing the directory also destroys them.
 *
 * <p>Thread safety: one factory may serve any number of instance builds on any threads.
 */
public final class RegionMemories implements Function<MemoryLimits, Memory>, AutoCloseable {
    private final RegionDirectory directory;
    private final long maxBytes;
    private final MemoryLimiter limiter;
    /** Non-null for one instantiation from an image: its defined memories are made from it. */
    private final GuestImage image;

    private final IdentityHashMap<Memory, Region> regions = new IdentityHashMap<>();
    private final List<Region> created = new ArrayList<>();
    private int counter;
    private boolean closed;

    private RegionMemories(RegionDirectory directory, long maxBytes, MemoryLimiter limiter, GuestImage image) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.maxBytes = maxBytes;
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.image = image;
    }

    /** A factory making each defined memory its own region of {@code directory}. */
    public static RegionMemories factory(RegionDirectory directory) {
        return new RegionMemories(directory, Long.MAX_VALUE, MemoryLimiter.UNLIMITED, null);
    }

    /**
     * As {@link #factory(RegionDirectory)}, with a per-memory limit: no memory is reserved or grows
     * beyond {@code maxBytes} (a module whose initial size exceeds it cannot be instantiated, and
     * {@code memory.grow} past it returns −1), and {@code limiter} may refuse any grow below it.
     *
     * @throws IllegalArgumentException if {@code maxBytes} is below 64 KiB
     */
    public static RegionMemories factory(RegionDirectory directory, long maxBytes, MemoryLimiter limiter) {
        return new RegionMemories(directory, checkLimit(maxBytes), limiter, null);
    }

    /**
     * A factory for one instantiation from {@code image} (see {@link GuestImage#instantiate}): the
     * n-th memory the module defines gets the size and the contents of the image's n-th defined
     * memory, mapped copy-on-write where the region can map files, else copied in.
     */
    static RegionMemories fromImage(RegionDirectory directory, long maxBytes, MemoryLimiter limiter, GuestImage image) {
        return new RegionMemories(directory, checkLimit(maxBytes), limiter, Objects.requireNonNull(image, "image"));
    }

    private static long checkLimit(long maxBytes) {
        if (maxBytes < Memory.PAGE_SIZE) {
            throw new IllegalArgumentException("a memory limit of " + maxBytes + " bytes is below one 64 KiB page");
        }
        return maxBytes;
    }

    /**
     * Creates a guest memory region for a memory with these limits and returns its paged memory.
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
        int ordinal = created.size();
        if (image != null) {
            limits = image.limitsOf(ordinal, limits);
        }
        int initial = limits.initialPages();
        if (initial > Memory.RUNTIME_MAX_PAGES) {
            throw new UninstantiableException("memory of " + initial + " initial pages exceeds the runtime maximum of "
                    + Memory.RUNTIME_MAX_PAGES + " pages");
        }
        long limitPages = Math.min(maxBytes / Memory.PAGE_SIZE, Memory.RUNTIME_MAX_PAGES);
        if (initial > limitPages) {
            throw new UninstantiableException("memory of " + initial + " initial pages exceeds the limit of "
                    + limitPages + " pages (" + maxBytes + " bytes) per memory");
        }
        int pages = (int) Math.max(Math.max(Math.min(limits.maximumPages(), limitPages), initial), 1);
        GuestPages guest = directory.createGuestMemory("wasm-memory-" + counter++, (long) pages * Memory.PAGE_SIZE);
        Region region = guest.region();
        try {
            SegmentMemory memory = SegmentMemory.paged(guest, limits, limiter);
            regions.put(memory, region);
            created.add(region);
            if (image != null) {
                memory.keepContentOnInitialize();
                image.populate(ordinal, memory);
            }
            return memory;
        } catch (RuntimeException | Error e) {
            release(region);
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

    /** Destroys every region this factory made. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (Region region : created) {
            try {
                release(region);
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

    private void release(Region region) {
        if (region.isDestroyed() || directory.isClosed()) {
            return; // the directory got there first
        }
        directory.destroy(region.ref());
    }
}
