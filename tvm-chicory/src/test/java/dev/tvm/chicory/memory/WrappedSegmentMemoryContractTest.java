package dev.tvm.chicory.memory;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.core.memory.Backing;
import dev.tvm.core.memory.BackingFactory;
import java.lang.foreign.MemorySegment;

/**
 * Views over a segment the test owns, sized exactly for the clamped maximum. The spare capacity
 * is dirtied first, so the contract's "new pages read as zero" also checks that grow zeroes it.
 */
class WrappedSegmentMemoryContractTest extends MemoryContractTest {
    @Override
    Memory create(MemoryLimits limits) {
        int max = Math.min(limits.maximumPages(), Memory.RUNTIME_MAX_PAGES);
        MemorySegment segment;
        if (max == 0) {
            segment = MemorySegment.NULL;
        } else {
            Backing backing = BackingFactory.defaultFactory().create((long) max * PAGE);
            closeLater(backing);
            segment = backing.segment();
            long dirtyEnd = Math.min(max, limits.initialPages() + 4L) * PAGE;
            segment.asSlice((long) limits.initialPages() * PAGE, dirtyEnd - (long) limits.initialPages() * PAGE)
                    .fill((byte) 0xAA);
        }
        SegmentMemory memory = SegmentMemory.wrap(segment, limits);
        closeLater(memory); // a no-op for views; the backing above is closed after it
        return memory;
    }
}
