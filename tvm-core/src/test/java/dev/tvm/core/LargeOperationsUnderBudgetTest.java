package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reads, writes, fills and copies of any length under any budget: they stream in steps, so each
 * needs only a few pages of each side resident, and every byte arrives. Checked against plain
 * byte arrays.
 */
class LargeOperationsUnderBudgetTest {
    private static final long BUDGET = 4L << 20;

    @TempDir
    Path spill;

    private RegionDirectory directory() {
        return RegionDirectory.builder()
                .withResidentBudget(BUDGET)
                .withSpillDirectory(spill)
                .build();
    }

    private static RegionSpec spillableBlobs(long capacity) {
        RegionSpec spec = RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(capacity);
        return spec.withPolicy(spec.policy().withSpillable(true));
    }

    private static byte[] random(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] readAll(RegionDirectory d, long handle, int length) {
        byte[] out = new byte[length];
        d.read(handle, 0, MemorySegment.ofArray(out), 0, length);
        return out;
    }

    /** The reported bug: 3 MiB copied between two regions under 4 MiB arrived almost all wrong. */
    @ParameterizedTest(name = "{0} MiB")
    @ValueSource(ints = {3, 64})
    void crossRegionCopyLargerThanWhatFitsCopiesEveryByte(int mib) {
        int length = mib << 20;
        try (RegionDirectory d = directory()) {
            Region a = d.create(spillableBlobs(256L << 20));
            Region b = d.create(spillableBlobs(256L << 20));
            long src = a.allocate(length);
            long dst = b.allocate(length);
            byte[] data = random(mib, length);
            d.write(src, 0, MemorySegment.ofArray(data), 0, length);
            d.write(dst, 0, MemorySegment.ofArray(random(-mib, length)), 0, length); // all of dst resident or spilled

            d.copy(dst, 0, src, 0, length);

            assertArrayEquals(data, readAll(d, dst, length), "every byte of the destination");
            assertArrayEquals(data, readAll(d, src, length), "the source is unchanged");
            assertTrue(d.residencyStats().peakResidentBytes() <= BUDGET + (256 << 10));
        }
    }

    @ParameterizedTest(name = "{0} MiB")
    @ValueSource(ints = {3, 64})
    void copyBetweenAllocationsOfOneRegionUnderTheBudgetCopiesEveryByte(int mib) {
        int length = mib << 20;
        try (RegionDirectory d = directory()) {
            Region r = d.create(spillableBlobs(256L << 20));
            long src = r.allocate(length);
            long dst = r.allocate(length);
            byte[] data = random(mib, length);
            d.write(src, 0, MemorySegment.ofArray(data), 0, length);

            d.copy(dst, 0, src, 0, length);

            assertArrayEquals(data, readAll(d, dst, length));
            assertArrayEquals(data, readAll(d, src, length));
        }
    }

    /** memmove semantics in both directions, 40 MiB moved by 1 MiB + 3 bytes, under 4 MiB. */
    @ParameterizedTest(name = "shift {0}")
    @ValueSource(ints = {(1 << 20) + 3, -((1 << 20) + 3)})
    void overlappingCopyWithinOneAllocationActsAsThroughATemporaryBuffer(int shift) {
        int length = 40 << 20;
        int total = length + Math.abs(shift);
        try (RegionDirectory d = directory()) {
            Region r = d.create(spillableBlobs(128L << 20));
            long h = r.allocate(total);
            byte[] model = random(7, total);
            d.write(h, 0, MemorySegment.ofArray(model), 0, total);
            int from = shift > 0 ? 0 : -shift;
            int to = shift > 0 ? shift : 0;

            d.copy(h, to, h, from, length);
            System.arraycopy(model.clone(), from, model, to, length);

            assertArrayEquals(model, readAll(d, h, total));
        }
    }

    @Test
    void readWriteAndFillOfSixteenTimesTheBudgetMoveEveryByte() {
        int length = 64 << 20;
        try (RegionDirectory d = directory();
                Arena arena = Arena.ofConfined()) {
            Region r = d.create(spillableBlobs(128L << 20));
            long h = r.allocate(length);
            byte[] data = random(11, length);
            MemorySegment offHeap = arena.allocate(length);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, offHeap, 0, length);

            d.write(h, 0, offHeap, 0, length);
            assertArrayEquals(data, readAll(d, h, length));

            d.fill(h, 1000, length - 2000, (byte) 0x5A);
            byte[] expected = data.clone();
            java.util.Arrays.fill(expected, 1000, length - 1000, (byte) 0x5A);
            assertArrayEquals(expected, readAll(d, h, length));
            assertTrue(d.residencyStats().peakResidentBytes() <= BUDGET + (256 << 10));
        }
    }

    @Test
    void aRangeOutsideTheAllocationFailsBeforeAnyByteMoves() {
        try (RegionDirectory d = directory()) {
            Region r = d.create(spillableBlobs(64L << 20));
            long h = r.allocate(8 << 20);
            byte[] before = random(3, 8 << 20);
            d.write(h, 0, MemorySegment.ofArray(before), 0, before.length);
            TvmException e = org.junit.jupiter.api.Assertions.assertThrows(
                    TvmException.class, () -> d.fill(h, 1, 8 << 20, (byte) 1)); // one byte too long
            assertEquals(ErrorCode.OUT_OF_BOUNDS, e.code());
            assertArrayEquals(before, readAll(d, h, before.length), "nothing was written");
        }
    }

    /**
     * A model test of large operations only: random writes, fills, reads and copies (within and
     * across allocations and regions, overlapping or not) of up to 12 MiB each, over 48 MiB of
     * live data under a 4 MiB budget, compared after every step with byte arrays.
     */
    @Test
    void randomLargeOperationsAgreeWithAByteArrayModel() {
        Random rnd = new Random(2026);
        try (RegionDirectory d = directory()) {
            List<Region> regions = List.of(
                    d.create(spillableBlobs(64L << 20)),
                    d.create(spillableBlobs(64L << 20)),
                    d.create(spillableBlobs(64L << 20)));
            List<long[]> allocations = new ArrayList<>(); // {handle}
            List<byte[]> model = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int size = (4 << 20) + rnd.nextInt(8 << 20);
                allocations.add(new long[] {regions.get(i % 3).allocate(size)});
                model.add(new byte[size]);
            }
            for (int step = 0; step < 120; step++) {
                int a = rnd.nextInt(model.size());
                byte[] m = model.get(a);
                long h = allocations.get(a)[0];
                int off = rnd.nextInt(m.length);
                int len = rnd.nextInt(m.length - off + 1);
                switch (rnd.nextInt(4)) {
                    case 0 -> {
                        byte[] data = random(step, len);
                        d.write(h, off, MemorySegment.ofArray(data), 0, len);
                        System.arraycopy(data, 0, m, off, len);
                    }
                    case 1 -> {
                        byte v = (byte) rnd.nextInt();
                        d.fill(h, off, len, v);
                        java.util.Arrays.fill(m, off, off + len, v);
                    }
                    case 2 -> {
                        byte[] got = new byte[len];
                        d.read(h, off, MemorySegment.ofArray(got), 0, len);
                        assertArrayEquals(java.util.Arrays.copyOfRange(m, off, off + len), got, "step " + step);
                    }
                    default -> {
                        int b = rnd.nextInt(model.size());
                        byte[] n = model.get(b);
                        int srcOff = rnd.nextInt(n.length);
                        int length = rnd.nextInt(Math.min(n.length - srcOff, m.length) + 1);
                        int dstOff = rnd.nextInt(m.length - length + 1);
                        d.copy(h, dstOff, allocations.get(b)[0], srcOff, length);
                        System.arraycopy(n.clone(), srcOff, m, dstOff, length);
                    }
                }
            }
            for (int a = 0; a < model.size(); a++) {
                assertArrayEquals(
                        model.get(a), readAll(d, allocations.get(a)[0], model.get(a).length), "allocation " + a);
            }
            ResidencyStats stats = d.residencyStats();
            assertTrue(stats.faults() > 0 && stats.bytesSpilled() > 0, stats.toString());
            assertTrue(stats.peakResidentBytes() <= BUDGET + (256 << 10), stats.toString());
        }
    }
}
