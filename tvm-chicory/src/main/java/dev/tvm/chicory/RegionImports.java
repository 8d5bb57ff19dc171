package dev.tvm.chicory;

import com.dylibso.chicory.runtime.ImportMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.GuestPages;
import dev.tvm.core.Region;
import dev.tvm.core.TvmException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Regions given to a guest as imported memories, for native loads and stores (multi-memory).
 *
 * <p>Naming: a region bound under {@code name} satisfies the import {@code (import "tvm-region"
 * "name" (memory ...))}. Its memory shows the first {@code min(capacity, 32767 pages)} bytes of
 * the region (Chicory memories stop at 2 GiB − 64 KiB), with initial = maximum = that many pages, so
 * the guest should declare the import with a minimum no larger and no maximum (or 32767). A guest
 * finds an allocation with {@code tvm.address_of(handle)}: the allocation's bytes are at that
 * address in the memory.
 *
 * <p>Lifetime, pinned: {@link Builder#withRegion} regions are pinned by {@link Builder#build()} with
 * {@link Region#pinDirect()} (faulting in any spilled pages first; a WARM region keeps working
 * through its file mapping), so while this object is open they are never compacted, evicted,
 * moved or destroyed and addresses stay valid; {@link #close()} unpins them.
 *
 * <p>Paged: {@link Builder#withPagedRegion} regions are lent with {@link Region#importPaged()}
 * instead: their pages stay under the directory's resident budget while guests use them (cold
 * ones spill and fault back, checksum-verified, as in a guest's own paged memory); they are not
 * compacted, reset or destroyed until {@link #close()}. Calls must enter and exit their {@link
 * #paging()} ({@code TvmGuest} does). One {@code RegionImports} may be shared by
 * any number of instances on any threads — they then share the bytes. A read-only region gives a
 * read-only memory: a guest store to it unwinds the guest like a trap (the
 * segment's {@code IllegalArgumentException: Attempt to write a read-only segment}) and changes
 * nothing.
 */
public final class RegionImports implements AutoCloseable {
    /** The import module name. */
    public static final String MODULE = "tvm-region";

    private final List<Region> pinned;
    private final List<GuestPages> paged;
    private final List<ImportMemory> memories;
    private boolean closed;

    private RegionImports(List<Region> pinned, List<GuestPages> paged, List<ImportMemory> memories) {
        this.pinned = pinned;
        this.paged = paged;
        this.memories = memories;
    }

    /** Starts binding regions. */
    public static Builder builder() {
        return new Builder();
    }

    /** Binds regions to import names. */
    public static final class Builder {
        private final Map<String, Region> regions = new LinkedHashMap<>();
        private final Set<String> pagedNames = new HashSet<>();

        private Builder() {}

        /** Binds {@code region} to the import {@code "tvm-region" name}. */
        public Builder withRegion(String name, Region region) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(region, "region");
            if (regions.putIfAbsent(name, region) != null) {
                throw new TvmException.InvalidArgumentException("import name '" + name + "' is bound twice");
            }
            return this;
        }

        /**
         * Binds {@code region} to the import {@code "tvm-region" name} as a paged memory: its
         * pages stay under the resident budget while guests use it (see the class comment).
         */
        public Builder withPagedRegion(String name, Region region) {
            withRegion(name, region);
            pagedNames.add(name);
            return this;
        }

        /** Pins or imports every region and creates its memory. All or nothing. */
        public RegionImports build() {
            List<Region> pinned = new ArrayList<>();
            List<GuestPages> paged = new ArrayList<>();
            List<ImportMemory> memories = new ArrayList<>();
            boolean ok = false;
            try {
                for (Map.Entry<String, Region> e : regions.entrySet()) {
                    Region region = e.getValue();
                    int pages = (int) Math.min(region.capacity() / Memory.PAGE_SIZE, Memory.RUNTIME_MAX_PAGES);
                    SegmentMemory memory;
                    if (pagedNames.contains(e.getKey())) {
                        GuestPages paging = region.importPaged();
                        paged.add(paging);
                        memory = SegmentMemory.pagedView(paging, pages);
                    } else {
                        MemorySegment bytes = region.pinDirect();
                        pinned.add(region);
                        memory = SegmentMemory.wrap(
                                bytes.asSlice(0, (long) pages * Memory.PAGE_SIZE), new MemoryLimits(pages, pages));
                    }
                    memories.add(new ImportMemory(MODULE, e.getKey(), memory));
                }
                ok = true;
                return new RegionImports(pinned, paged, memories);
            } finally {
                if (!ok) {
                    pinned.forEach(Region::unpinDirect);
                    paged.forEach(p -> p.region().releaseImport());
                }
            }
        }
    }

    /** The memories, for {@code ImportValues.Builder.addMemory}. */
    public ImportMemory[] memories() {
        return memories.toArray(new ImportMemory[0]);
    }

    /**
     * The paging of the regions bound with {@link Builder#withPagedRegion}: enter and exit each
     * around every call of an instance that imports them.
     */
    public List<GuestPages> paging() {
        return List.copyOf(paged);
    }

    /** Unpins or releases the regions. Instances must not touch the memories afterwards. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Region region : pinned) {
            if (!region.isDestroyed()) {
                region.unpinDirect();
            }
        }
        for (GuestPages paging : paged) {
            if (!paging.region().isDestroyed()) {
                paging.region().releaseImport();
            }
        }
    }
}
