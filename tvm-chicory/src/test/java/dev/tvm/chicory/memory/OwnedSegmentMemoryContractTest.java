package dev.tvm.chicory.memory;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;

/** Owning memories as Chicory makes them: through {@link SegmentMemory#factory()}. */
class OwnedSegmentMemoryContractTest extends MemoryContractTest {
    @Override
    Memory create(MemoryLimits limits) {
        SegmentMemory memory = (SegmentMemory) SegmentMemory.factory().apply(limits);
        closeLater(memory);
        return memory;
    }

    /** Unlike ByteArrayMemory on JDK 25, atomics work on unshared memories too: test them there. */
    @Override
    Memory atomicMemory(int initial, int maximum) {
        return memory(initial, maximum);
    }
}
