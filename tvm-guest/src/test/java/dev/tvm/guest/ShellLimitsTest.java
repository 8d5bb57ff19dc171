package dev.tvm.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.ChicoryException;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import org.junit.jupiter.api.Test;

/** The shell's limits: exhausted generations, slots, region ids and pool pages. */
class ShellLimitsTest {
    private static Shell shell(ShellGenerator.Builder b) {
        return new Shell(b.build().generate(), Shell.Engine.INTERPRETER);
    }

    @Test
    void aSlotWhoseGenerationIsExhaustedIsRetiredNotWrapped() {
        Shell s = shell(ShellGenerator.builder().withSlotsPerRegion(4));
        int r = s.regionCreate(0, ShellGenerator.FREE_LIST, 1024);
        long first = s.alloc(r, 8);
        long h = first;
        for (int gen = 1; gen < HandleCodec.MAX_SLOT_GEN; gen++) {
            assertEquals(0, HandleCodec.slot(h));
            assertEquals(gen, HandleCodec.slotGen(h));
            assertEquals(0, s.free(h));
            h = s.alloc(r, 8);
        }
        assertEquals(HandleCodec.MAX_SLOT_GEN, HandleCodec.slotGen(h));
        assertEquals(0, s.free(h));
        long next = s.alloc(r, 8);
        assertEquals(1, HandleCodec.slot(next), "slot 0 is retired");
        assertEquals(1, HandleCodec.slotGen(next));
        long last = h;
        assertThrows(ChicoryException.class, () -> s.loadI32(first, 0));
        assertThrows(ChicoryException.class, () -> s.loadI32(last, 0));
        assertEquals(ErrorCode.STALE_HANDLE.code(), s.lastError());
    }

    @Test
    void handleTableAndRegionIdsRunOut() {
        Shell s = shell(ShellGenerator.builder().withSlotsPerRegion(3).withMaxRegions(2));
        int r = s.regionCreate(0, ShellGenerator.BUMP, 1024);
        for (int i = 0; i < 3; i++) {
            assertNotEquals(0, s.alloc(r, 8));
        }
        assertEquals(0, s.alloc(r, 8));
        assertEquals(ErrorCode.TOO_MANY_HANDLES.code(), s.lastError());
        assertEquals(8 * 3, s.call("region_stat", r, 5), "a refused alloc takes no space");
        assertTrue(s.regionCreate(0, ShellGenerator.BUMP, 1024) > 0);
        assertEquals(ErrorCode.TOO_MANY_REGIONS.code(), s.regionCreate(0, ShellGenerator.BUMP, 1024));
        assertEquals(2, s.call("metrics", 1));
    }

    @Test
    void regionCreateChecksArgumentsAndPoolRoom() {
        Shell s = shell(ShellGenerator.builder().withPools(2).withMaximumPages(4));
        assertEquals(ErrorCode.INVALID_ARGUMENT.code(), s.regionCreate(2, ShellGenerator.BUMP, 64));
        assertEquals(ErrorCode.INVALID_ARGUMENT.code(), s.regionCreate(0, 3, 64));
        assertEquals(ErrorCode.INVALID_ARGUMENT.code(), s.regionCreate(0, ShellGenerator.BUMP, 0));
        int a = s.regionCreate(1, ShellGenerator.BUMP, 3 * 65536);
        assertTrue(a > 0);
        assertEquals(ErrorCode.NO_MEMORY.code(), s.regionCreate(1, ShellGenerator.BUMP, 65537));
        int b = s.regionCreate(1, ShellGenerator.BUMP, 65536);
        assertTrue(b > 0, "exactly the last page fits");
        assertEquals(3 * 65536, s.call("region_stat", b, 8));
        assertEquals(4, s.instance.exports().memory("pool1").pages());
        long h = s.alloc(b, 65536);
        s.storeI64(h, 65528, 9);
        assertEquals(9, s.call("load_i64_p1", h, 65528));
        assertEquals(ErrorCode.NO_SUCH_REGION.code(), s.call("region_stat", 3 << 12 | 1, 0));
        assertEquals(ErrorCode.STALE_REGION.code(), s.call("region_stat", a + 1, 0));
        assertEquals(ErrorCode.INVALID_ARGUMENT.code(), s.call("region_stat", a, 99));
    }
}
