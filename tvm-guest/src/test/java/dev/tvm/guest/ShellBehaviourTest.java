package dev.tvm.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.ChicoryException;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The shell's region and handle semantics, in Chicory's interpreter and compiler. */
class ShellBehaviourTest {
    private static final int FL = ShellGenerator.FREE_LIST;
    private static final int BUMP = ShellGenerator.BUMP;

    @ParameterizedTest
    @EnumSource(Shell.Engine.class)
    void allocStoreLoadRoundTrips(Shell.Engine engine) {
        Shell s = Shell.of(2, engine);
        int r = s.regionCreate(1, FL, 1 << 16);
        assertEquals(1, HandleCodec.regionId(r));
        assertEquals(1, HandleCodec.regionGen(r));
        long h = s.alloc(r, 24);
        assertEquals(r, HandleCodec.regionRef(h));
        assertEquals(24, s.call("size_of", h));
        assertEquals(0, s.loadI64(h, 16), "allocations read as zero");
        s.storeI32(h, 0, -5);
        s.storeI64(h, 16, Long.MIN_VALUE + 3);
        assertEquals(-5, s.loadI32(h, 0));
        assertEquals(Long.MIN_VALUE + 3, s.loadI64(h, 16));
        assertEquals(Long.MIN_VALUE + 3, s.call("load_i64_p1", h, 16));
        s.call("store_f64", h, 8, Double.doubleToRawLongBits(2.5));
        assertEquals(2.5, Double.longBitsToDouble(s.call("load_f64", h, 8)));
        // the bytes are in pool1, at the allocation's address
        long addr = s.call("resolve", h, 16, 8);
        assertEquals(Long.MIN_VALUE + 3, readPool(s, 1, addr));
        assertEquals(1, s.call("region_stat", r, 3));
        assertEquals(24, s.call("region_stat", r, 4));
    }

    private static long readPool(Shell s, int pool, long addr) {
        return s.instance.exports().memory("pool" + pool).readLong((int) addr);
    }

    @ParameterizedTest
    @EnumSource(Shell.Engine.class)
    void staleHandleAfterFreeTrapsAndIsRefused(Shell.Engine engine) {
        Shell s = Shell.of(1, engine);
        int r = s.regionCreate(0, FL, 4096);
        long h = s.alloc(r, 8);
        s.storeI64(h, 0, 42);
        assertEquals(0, s.free(h));
        assertThrows(ChicoryException.class, () -> s.loadI64(h, 0));
        assertThrows(ChicoryException.class, () -> s.call("load_i64_p0", h, 0));
        assertThrows(ChicoryException.class, () -> s.storeI32(h, 0, 1));
        assertEquals(ErrorCode.STALE_HANDLE.code(), s.lastError());
        assertEquals(ErrorCode.STALE_HANDLE.code(), s.free(h), "double free is refused");
        // the slot is reused with the next generation; the old handle stays stale
        long h2 = s.alloc(r, 8);
        assertEquals(HandleCodec.slot(h), HandleCodec.slot(h2));
        assertEquals(HandleCodec.slotGen(h) + 1, HandleCodec.slotGen(h2));
        assertEquals(0, s.loadI64(h2, 0), "a reused block is zeroed");
        assertThrows(ChicoryException.class, () -> s.loadI64(h, 0));
        assertTrue(s.call("metrics", 0) >= 5, "handle failures are counted");
    }

    @ParameterizedTest
    @EnumSource(Shell.Engine.class)
    void outOfBoundsAccessesTrapAgainstTheAllocationNotTheRegion(Shell.Engine engine) {
        Shell s = Shell.of(1, engine);
        int r = s.regionCreate(0, BUMP, 4096);
        long a = s.alloc(r, 12);
        long b = s.alloc(r, 64);
        assertThrows(ChicoryException.class, () -> s.loadI32(a, 9));
        assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), s.lastError());
        assertThrows(ChicoryException.class, () -> s.loadI64(a, 8));
        assertThrows(ChicoryException.class, () -> s.loadI64(a, -1));
        assertThrows(ChicoryException.class, () -> s.storeI64(a, 1L << 40, 1));
        assertThrows(ChicoryException.class, () -> s.call("store_i32_p0", a, 12, 1));
        assertEquals(0, s.loadI32(a, 8));
        s.storeI64(b, 56, 7);
        assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), s.call("fill", a, 4, 9, 1));
        assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), s.call("copy", b, 0, a, 0, 13));
        assertThrows(ChicoryException.class, () -> s.loadI64(0, 0));
        assertEquals(ErrorCode.FORGED_HANDLE.code(), s.lastError());
        long forged = HandleCodec.handle(r, 1000, 1);
        assertThrows(ChicoryException.class, () -> s.loadI64(forged, 0));
        assertEquals(ErrorCode.FORGED_HANDLE.code(), s.lastError());
        long otherRegion = HandleCodec.handle(HandleCodec.regionRef(9, 1), 0, 1);
        assertThrows(ChicoryException.class, () -> s.loadI64(otherRegion, 0));
        assertEquals(ErrorCode.NO_SUCH_REGION.code(), s.lastError());
        assertEquals(0, s.alloc(r, 1 << 20));
        assertEquals(ErrorCode.INVALID_ARGUMENT.code(), s.lastError());
        assertEquals(0, s.alloc(r, 4096));
        assertEquals(ErrorCode.REGION_FULL.code(), s.lastError());
    }

    @ParameterizedTest
    @EnumSource(Shell.Engine.class)
    void poolsAreIndependentAndCopyCrossesThem(Shell.Engine engine) {
        Shell s = Shell.of(4, engine);
        int[] regions = new int[4];
        long[] handles = new long[4];
        for (int p = 0; p < 4; p++) {
            regions[p] = s.regionCreate(p, p % 2 == 0 ? FL : BUMP, 1 << 20);
            handles[p] = s.alloc(regions[p], 200_000);
            assertEquals(p, s.call("region_stat", regions[p], 0));
            // every region starts at address 0 of its own pool
            assertEquals(0, s.call("resolve", handles[p], 0, 0));
        }
        for (int p = 0; p < 4; p++) {
            for (int i = 0; i < 200_000; i += 8000) {
                s.storeI64(handles[p], i, p * 1_000_000L + i);
            }
        }
        for (int p = 0; p < 4; p++) {
            for (int i = 0; i < 200_000; i += 8000) {
                assertEquals(p * 1_000_000L + i, s.loadI64(handles[p], i));
                assertEquals(p * 1_000_000L + i, s.call("load_i64_p" + p, handles[p], i));
            }
            int q = (p + 1) % 4;
            long hp = handles[p];
            assertThrows(ChicoryException.class, () -> s.call("load_i64_p" + q, hp, 0));
            assertEquals(ErrorCode.INVALID_ARGUMENT.code(), s.lastError(), "wrong pool for the helper");
        }
        // cross-pool copy larger than the 64 KiB scratch, then a same-pool overlapping copy
        assertEquals(0, s.call("copy", handles[3], 8, handles[0], 0, 199_992));
        for (int i = 0; i < 192_000; i += 8000) {
            assertEquals(i, s.loadI64(handles[3], i + 8));
        }
        assertEquals(0, s.call("copy", handles[0], 16, handles[0], 0, 100_000));
        assertEquals(8000, s.loadI64(handles[0], 8016));
        assertEquals(0, s.call("fill", handles[1], 0, 200_000, 0xab));
        assertEquals(0xabababab, s.loadI32(handles[1], 199_996));
        assertEquals(2 * 1_000_000L, s.loadI64(handles[2], 0), "pool 2 untouched");
        assertNotEquals(0, s.call("metrics", 1));
    }

    @ParameterizedTest
    @EnumSource(Shell.Engine.class)
    void freeListReusesSpaceFirstFit(Shell.Engine engine) {
        Shell s = Shell.of(1, engine);
        int r = s.regionCreate(0, FL, 1024);
        long a = s.alloc(r, 256);
        long b = s.alloc(r, 256);
        long c = s.alloc(r, 256);
        long d = s.alloc(r, 256);
        assertEquals(0, s.alloc(r, 8), "region full");
        assertEquals(0, s.free(b));
        long e = s.alloc(r, 100);
        long f = s.alloc(r, 100);
        assertEquals(
                s.call("resolve", a, 0, 0) + 256 + 256 - 104,
                s.call("resolve", e, 0, 0),
                "split from the end of the first fit");
        assertNotEquals(0, f);
        assertEquals(0, s.free(a));
        assertEquals(0, s.free(c));
        assertNotEquals(0, s.alloc(r, 256));
        assertNotEquals(0, s.alloc(r, 256));
        assertEquals(0, s.alloc(r, 256));
        assertEquals(ErrorCode.REGION_FULL.code(), s.lastError());
        s.storeI64(d, 248, 5);
        assertEquals(5, s.loadI64(d, 248));
    }

    @ParameterizedTest
    @EnumSource(Shell.Engine.class)
    void freedNeighboursCoalesceSoTheWholeRegionIsReusable(Shell.Engine engine) {
        Shell s = Shell.of(1, engine);
        int r = s.regionCreate(0, FL, 1024);
        long base = s.call("region_stat", r, 8);
        // the last block leaves a bump tail: freeing it lowers the bump pointer
        for (int[] order : new int[][] {{1, 3, 0, 2}, {3, 2, 1, 0}, {0, 2, 1, 3}, {2, 0, 3, 1}}) {
            long[] h = new long[4];
            for (int i = 0; i < 4; i++) {
                h[i] = s.alloc(r, i == 3 ? 200 : 256);
                assertNotEquals(0, h[i]);
            }
            for (int i : order) {
                assertEquals(0, s.free(h[i]));
            }
            assertEquals(0, s.call("region_stat", r, 5), "everything freed: the bump pointer is back at 0");
            long all = s.alloc(r, 1024);
            assertNotEquals(0, all, "one coalesced block after freeing in order " + java.util.Arrays.toString(order));
            assertEquals(base, s.call("resolve", all, 0, 0));
            assertEquals(0, s.loadI64(all, 1016), "zeroed");
            s.storeI64(all, 1016, -1);
            assertEquals(0, s.free(all));
        }
        assertEquals(0, s.call("region_stat", r, 3));
    }

    @ParameterizedTest
    @EnumSource(Shell.Engine.class)
    void copyInAndOutMoveBytesBetweenTheGuestMemoryAndAPool(Shell.Engine engine) {
        Shell s = Shell.of(3, engine);
        int r = s.regionCreate(2, FL, 1 << 16);
        long h = s.alloc(r, 100);
        var guest = s.instance.exports().memory(ShellGenerator.GUEST_MEMORY_EXPORT);
        byte[] bytes = new byte[40];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 7 + 1);
        }
        guest.write(1000, bytes);
        assertEquals(0, s.call("copy_in", h, 50, 1000, 40));
        assertEquals(s.loadI32(h, 50), guest.readInt(1000));
        assertEquals(0, s.call("copy_out", 3000, h, 50, 40));
        assertEquals(java.util.Arrays.toString(bytes), java.util.Arrays.toString(guest.readBytes(3000, 40)));
        // refusals are status codes, never traps: the allocation first, then the guest range
        assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), s.call("copy_in", h, 61, 1000, 40));
        assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), s.call("copy_in", h, 0, 65536 - 39, 40));
        assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), s.call("copy_out", -1, h, 0, 2));
        assertEquals(0, s.call("copy_out", 65536 - 40, h, 50, 40), "the last bytes of the memory");
        assertEquals(0, s.free(h));
        assertEquals(ErrorCode.STALE_HANDLE.code(), s.call("copy_out", 0, h, 0, 8));
    }

    @ParameterizedTest
    @EnumSource(Shell.Engine.class)
    void windowsGiveCheckedDirectAccessUntilTheirBytesAreFreed(Shell.Engine engine) {
        Shell s = Shell.of(2, engine);
        int r = s.regionCreate(1, FL, 1 << 16);
        long h = s.alloc(r, 64);
        long other = s.alloc(r, 64);
        long base = s.call("window", h, 16, 32);
        assertEquals(s.call("resolve", h, 16, 32), base, "the window's pool address");
        s.call("wstore_i64_p1", base + 8, 0x0102030405060708L);
        assertEquals(0x0102030405060708L, s.loadI64(h, 24), "wstore writes the allocation's bytes");
        s.call("wstore_f64_p1", base + 24, Double.doubleToRawLongBits(1.5));
        assertEquals(1.5, Double.longBitsToDouble(s.call("wload_f64_p1", base + 24)));
        assertEquals(0x05060708, s.call("wload_i32_p1", base + 8));
        // outside the window, in the wrong pool's accessor, or across its end: trap
        assertThrows(ChicoryException.class, () -> s.call("wload_i64_p1", base - 8));
        assertThrows(ChicoryException.class, () -> s.call("wload_i64_p1", base + 28));
        assertThrows(ChicoryException.class, () -> s.call("wload_i64_p0", base + 8));
        assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), s.lastError());
        // refused windows leave the open one alone
        assertEquals(ErrorCode.OUT_OF_BOUNDS.code(), s.call("window", h, 60, 8));
        assertEquals(0x0102030405060708L, s.call("wload_i64_p1", base + 8));
        // freeing other bytes keeps it; freeing its bytes closes it, and the block's next owner is safe
        assertEquals(0, s.free(other));
        assertEquals(0x0102030405060708L, s.call("wload_i64_p1", base + 8));
        assertEquals(0, s.free(h));
        assertThrows(ChicoryException.class, () -> s.call("wload_i64_p1", base + 8));
        long reused = s.alloc(r, 64);
        assertEquals(s.call("resolve", reused, 16, 32), base, "first fit hands the bytes out again");
        assertThrows(ChicoryException.class, () -> s.call("wstore_i64_p1", base + 8, 1));
        assertEquals(0, s.loadI64(reused, 24));
    }
}
