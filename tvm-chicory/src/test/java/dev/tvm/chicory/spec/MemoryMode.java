package dev.tvm.chicory.spec;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.MemorySection;
import dev.tvm.chicory.RegionMemories;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import java.util.function.Function;

/** Which memories a spec run gives its modules (defined ones and the spectest host's). */
enum MemoryMode {
    /**
     * Every memory is its own paged region of a {@link RegionDirectory} with a 4 MiB resident
     * budget, through {@link RegionMemories}.
     */
    REGION,
    /** Chicory's own {@link ByteArrayMemory}: the control that shows the scripts themselves are right. */
    BYTE_ARRAY;

    /** Memories for one script run; closing releases them. */
    interface Memories extends AutoCloseable {
        Function<MemoryLimits, Memory> factory();

        /** Why {@code instance} is not using memories of this mode, or null if it is. */
        String check(Instance instance);

        @Override
        void close();
    }

    Memories open() {
        if (this == BYTE_ARRAY) {
            return new Memories() {
                @Override
                public Function<MemoryLimits, Memory> factory() {
                    return ByteArrayMemory::new;
                }

                @Override
                public String check(Instance instance) {
                    for (int i = 0; i < memoryCount(instance); i++) {
                        if (!(instance.memory(i) instanceof ByteArrayMemory)) {
                            return "memory " + i + " is a "
                                    + instance.memory(i).getClass().getSimpleName();
                        }
                    }
                    return null;
                }

                @Override
                public void close() {}
            };
        }
        RegionDirectory directory =
                RegionDirectory.builder().withResidentBudget(4L << 20).build();
        RegionMemories memories = RegionMemories.factory(directory);
        return new Memories() {
            @Override
            public Function<MemoryLimits, Memory> factory() {
                return memories;
            }

            @Override
            public String check(Instance instance) {
                // Defined memories, imports from registered modules and the spectest host alike.
                for (int i = 0; i < memoryCount(instance); i++) {
                    Memory m = instance.memory(i);
                    Region region = memories.regionOf(m);
                    if (!(m instanceof SegmentMemory s) || s.paging() == null || region == null) {
                        return "memory " + i + " (" + m.getClass().getSimpleName() + ") is not a paged region";
                    }
                }
                return null;
            }

            @Override
            public void close() {
                try {
                    memories.close();
                } finally {
                    directory.close();
                }
            }
        };
    }

    static int memoryCount(Instance instance) {
        var module = instance.module();
        return module.importSection().count(ExternalType.MEMORY)
                + module.memorySection().map(MemorySection::memoryCount).orElse(0);
    }
}
