package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Bit layout of region references and handles, at the edges of every field. */
class HandleCodecTest {
    private static final int[] IDS = {1, 2, 4095, 4096, 32767, 32768, 65534, 65535};
    private static final int[] GENS = {1, 2, 2047, 2048, 4094, 4095};
    private static final int[] SLOTS = {0, 1, 4095, 1 << 23, (1 << 24) - 2, (1 << 24) - 1};

    @Test
    void fieldWidthsAndLimits() {
        assertEquals(
                64,
                HandleCodec.REGION_ID_BITS
                        + HandleCodec.REGION_GEN_BITS
                        + HandleCodec.SLOT_BITS
                        + HandleCodec.SLOT_GEN_BITS);
        assertEquals(65535, HandleCodec.MAX_REGION_ID);
        assertEquals(4095, HandleCodec.MAX_REGION_GEN);
        assertEquals(16_777_215, HandleCodec.MAX_SLOT);
        assertEquals(4095, HandleCodec.MAX_SLOT_GEN);
        assertEquals(0L, HandleCodec.NULL);
    }

    @Test
    void regionRefRoundTripsAtEdges() {
        for (int id : IDS) {
            for (int gen : GENS) {
                int ref = HandleCodec.regionRef(id, gen);
                assertTrue(ref > 0, "region refs are positive: " + ref);
                assertEquals(id, HandleCodec.regionId(ref));
                assertEquals(gen, HandleCodec.regionGen(ref));
                assertTrue(HandleCodec.isWellFormedRegionRef(ref));
            }
        }
    }

    @Test
    void handleRoundTripsAtEdges() {
        for (int id : IDS) {
            for (int gen : GENS) {
                int ref = HandleCodec.regionRef(id, gen);
                for (int slot : SLOTS) {
                    for (int slotGen : GENS) {
                        long h = HandleCodec.handle(ref, slot, slotGen);
                        assertNotEquals(0L, h);
                        assertEquals(ref, HandleCodec.regionRef(h));
                        assertEquals(h >>> 36, HandleCodec.regionRef(h));
                        assertEquals(id, HandleCodec.regionIdOf(h));
                        assertEquals(gen, HandleCodec.regionGenOf(h));
                        assertEquals(slot, HandleCodec.slot(h));
                        assertEquals(slotGen, HandleCodec.slotGen(h));
                        assertEquals(h, HandleCodec.handle(HandleCodec.regionRef(h), slot, slotGen));
                    }
                }
            }
        }
    }

    @Test
    void extremeHandlesUseEveryBit() {
        long max = HandleCodec.handle(HandleCodec.regionRef(65535, 4095), (1 << 24) - 1, 4095);
        assertEquals(-1L, max, "all fields at their maximum set all 64 bits");
        long min = HandleCodec.handle(HandleCodec.regionRef(1, 1), 0, 1);
        assertEquals((1L << 48) | (1L << 36) | 1L, min);
    }

    @Test
    void highRegionIdsGiveNegativeHandlesThatStillDecode() {
        long h = HandleCodec.handle(HandleCodec.regionRef(32768, 7), 5, 9);
        assertTrue(h < 0);
        assertEquals(32768, HandleCodec.regionIdOf(h));
        assertEquals(7, HandleCodec.regionGenOf(h));
        assertEquals(5, HandleCodec.slot(h));
        assertEquals(9, HandleCodec.slotGen(h));
        assertEquals(HandleCodec.regionRef(32768, 7), HandleCodec.regionRef(h));
        assertEquals(h >>> 36, HandleCodec.regionRef(h));
    }

    @Test
    void randomHandlesRoundTrip() {
        Random rnd = new Random(1234);
        for (int i = 0; i < 100_000; i++) {
            long h = rnd.nextLong();
            assertEquals(h >>> 36, HandleCodec.regionRef(h));
            long rebuilt = HandleCodec.handle(HandleCodec.regionRef(h), HandleCodec.slot(h), HandleCodec.slotGen(h));
            assertEquals(h, rebuilt);
            assertEquals(HandleCodec.regionIdOf(h), HandleCodec.regionId(HandleCodec.regionRef(h)));
            assertEquals(HandleCodec.regionGenOf(h), HandleCodec.regionGen(HandleCodec.regionRef(h)));
        }
    }

    @Test
    void zeroIsNeverValid() {
        assertFalse(HandleCodec.isWellFormedRegionRef(0));
        assertEquals(0, HandleCodec.regionIdOf(HandleCodec.NULL));
        assertEquals(0, HandleCodec.regionGenOf(HandleCodec.NULL));
        assertEquals(0, HandleCodec.slotGen(HandleCodec.NULL));
        // The smallest values that can be issued are all non-zero.
        assertNotEquals(0, HandleCodec.regionRef(1, 1));
        assertNotEquals(0L, HandleCodec.handle(HandleCodec.regionRef(1, 1), 0, 1));
    }

    @Test
    void malformedRegionRefsAreRejected() {
        assertFalse(HandleCodec.isWellFormedRegionRef(-1));
        assertFalse(HandleCodec.isWellFormedRegionRef(HandleCodec.regionRef(0, 1)), "id 0");
        assertFalse(HandleCodec.isWellFormedRegionRef(HandleCodec.regionRef(1, 0)), "gen 0");
        assertFalse(HandleCodec.isWellFormedRegionRef(1L << 28), "bits above the id");
        assertFalse(HandleCodec.isWellFormedRegionRef(1L << 40), "above 32 bits");
        assertTrue(HandleCodec.isWellFormedRegionRef(HandleCodec.regionRef(65535, 4095)));
    }

    @Test
    void describeDecodesEveryField() {
        long h = HandleCodec.handle(HandleCodec.regionRef(65535, 4095), (1 << 24) - 1, 4095);
        String d = HandleCodec.describe(h);
        assertTrue(d.contains("region 65535 gen 4095, slot 16777215 gen 4095"), d);
        assertTrue(d.contains("0xffffffffffffffff"), d);

        long small = HandleCodec.handle(HandleCodec.regionRef(3, 2), 17, 5);
        String s = HandleCodec.describe(small);
        assertTrue(s.contains("region 3 gen 2, slot 17 gen 5"), s);
        assertTrue(s.contains(String.format("0x%016x", small)), s);

        String r = HandleCodec.describeRegion(HandleCodec.regionRef(12, 34));
        assertTrue(r.contains("region 12 gen 34"), r);
    }
}
