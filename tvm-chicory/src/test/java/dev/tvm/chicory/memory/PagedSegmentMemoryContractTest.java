package dev.tvm.chicory.memory;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import org.junit.jupiter.api.BeforeEach;

/**
 * Paged memories ({@link SegmentMemory#paged}) under a full resident budget: a 4 MiB budget that
 * a ballast region already fills, so every page the contract touches is faulted in by evicting
 * others (the ballast's, or the memory's own earlier pages) and comes back from the spill file
 * when touched again.
 */
class PagedSegmentMemoryContractTest extends MemoryContractTest {
    private RegionDirectory directory;

    @BeforeEach
    void fullBudget() {
        directory = RegionDirectory.builder().withResidentBudget(4L << 20).build();
        closeLater(directory);
        Region ballast = directory.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(8L << 20));
        long handle = ballast.allocate(4L << 20);
        ballast.fill(handle, 0, 4L << 20, (byte) 0x5A);
    }

    @Override
    Memory create(MemoryLimits limits) {
        int pages =
                Math.max(1, Math.max(limits.initialPages(), Math.min(limits.maximumPages(), Memory.RUNTIME_MAX_PAGES)));
        return SegmentMemory.paged(directory.createGuestMemory("contract", (long) pages * PAGE), limits);
    }

    /** Like the other SegmentMemory flavours, atomics work on unshared memories: test them there. */
    @Override
    Memory atomicMemory(int initial, int maximum) {
        return memory(initial, maximum);
    }
}
