package dev.tvm.chicory.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.RegionMemories;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link RegionMemories}: one paged guest memory region per defined memory, released by close. */
class RegionMemoriesTest {
    private static final long PAGE = Memory.PAGE_SIZE;

    @Test
    void eachMemoryIsItsOwnPagedRegionSizedForItsMaximum() {
        try (RegionDirectory dir = RegionDirectory.builder().build();
                RegionMemories memories = RegionMemories.factory(dir)) {
            Memory small = memories.apply(new MemoryLimits(1, 3));
            Memory unbounded = memories.apply(new MemoryLimits(2));
            Memory none = memories.apply(new MemoryLimits(0, 0));

            Region r1 = memories.regionOf(small);
            Region r2 = memories.regionOf(unbounded);
            Region r3 = memories.regionOf(none);
            assertNotSame(r1, r2);
            assertEquals(3, dir.regionCount());
            assertEquals(java.util.List.of(r1, r2, r3), memories.regions());
            for (Region r : memories.regions()) {
                assertFalse(r.isPinned()); // paged, not pinned
                assertNotNull(r.guestPages());
                assertEquals(RegionKind.BLOB_ARENA, r.kind());
            }
            assertEquals(3 * PAGE, r1.capacity());
            assertEquals(Memory.RUNTIME_MAX_PAGES * PAGE, r2.capacity()); // no maximum: Chicory's
            assertEquals(PAGE, r3.capacity()); // the smallest region; the memory shows none of it

            assertInstanceOf(SegmentMemory.class, small);
            assertSame(r1.guestPages(), ((SegmentMemory) small).paging());
            assertEquals(1, small.pages());
            assertEquals(3, small.maximumPages());
            assertEquals(Memory.RUNTIME_MAX_PAGES, unbounded.maximumPages());
            assertEquals(0, none.pages());
            assertEquals(-1, none.grow(1));
            assertEquals(1, small.grow(2));
            assertEquals(-1, small.grow(1));
            assertNull(memories.regionOf(new ByteArrayMemory(new MemoryLimits(1))));
        }
    }

    @Test
    void closeDestroysTheRegions() {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            RegionMemories memories = RegionMemories.factory(dir);
            Region r = memories.regionOf(memories.apply(new MemoryLimits(1, 1)));
            memories.close();
            assertTrue(r.isDestroyed());
            assertEquals(0, dir.regionCount());
            memories.close(); // idempotent
            assertThrows(IllegalStateException.class, () -> memories.apply(new MemoryLimits(1)));
        }
    }

    @Test
    void closingAfterTheDirectoryIsHarmless() {
        RegionDirectory dir = RegionDirectory.builder().build();
        RegionMemories memories = RegionMemories.factory(dir);
        memories.apply(new MemoryLimits(1));
        dir.close();
        memories.close();
    }

    @Test
    void initialSizesChicoryCannotHoldAreUninstantiable() {
        try (RegionDirectory dir = RegionDirectory.builder().build();
                RegionMemories memories = RegionMemories.factory(dir)) {
            assertThrows(
                    UninstantiableException.class,
                    () -> memories.apply(new MemoryLimits(Memory.RUNTIME_MAX_PAGES + 1)));
            assertEquals(0, dir.regionCount());
        }
    }

    /** Guest stores land in the region's bytes, in both engines, for every memory of a module. */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void guestBytesAreTheRegionsBytes(Engine engine) throws Exception {
        WasmModule module; // $three of multi_memory.wast: memories a, b, c
        try (var in = RegionMemoriesTest.class.getResourceAsStream("/spec/multi_memory.0.wasm")) {
            module = Parser.parse(in);
        }
        try (RegionDirectory dir = RegionDirectory.builder().build();
                RegionMemories memories = RegionMemories.factory(dir)) {
            Instance.Builder builder = Instance.builder(module).withMemoryFactory(memories);
            var machine = engine.machineFactory(module);
            if (machine != null) {
                builder.withMachineFactory(machine);
            }
            Instance instance = builder.build();
            assertEquals(3, memories.regions().size());
            instance.export("st8_b").apply(70000, 0x5a);
            Region b = memories.regionOf(instance.memory(1));
            assertNotNull(b);
            byte[] bytes = instance.memory(1).readBytes(0, 70001);
            assertEquals(0x5a, bytes[70000]);
            // data segment "BBBB" at 0 of memory b, "AAAA" at 0 of memory a
            assertArrayEquals("BBBB".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(bytes, 4));
            assertArrayEquals(
                    "AAAA".getBytes(StandardCharsets.US_ASCII),
                    instance.memory(0).readBytes(0, 4));
            assertEquals(2 * PAGE, b.stats().touchedBytes(), "memory b's high-water mark: the pages it touched");
        }
    }
}
