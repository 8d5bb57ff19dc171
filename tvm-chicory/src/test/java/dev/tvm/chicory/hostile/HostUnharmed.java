package dev.tvm.chicory.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Memory;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.DirectoryStats;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionInfo;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import java.lang.foreign.MemorySegment;

/** Checks shared by the hostile-guest tests: after an attack the host must be unharmed. */
final class HostUnharmed {
    private HostUnharmed() {}

    /** The {@code count} i32 codes a guest attack wrote at {@code 0x2000} of its memory. */
    static int[] codes(TvmGuest guest, int count) {
        Memory memory = guest.instance().memory();
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = memory.readInt(0x2000 + 4 * i);
        }
        return out;
    }

    /**
     * The directory still works (a host region can be created, written, read and destroyed), its
     * totals agree with its live regions, and no region is left pinned but those the host pinned
     * (once each).
     */
    static void assertHealthy(RegionDirectory dir, Region... pinnedByHost) {
        java.util.Set<Integer> hostPins = new java.util.HashSet<>();
        for (Region r : pinnedByHost) {
            hostPins.add(r.ref());
        }
        assertTrue(!dir.isClosed(), "directory closed");
        DirectoryStats stats = dir.stats();
        long live = 0;
        long liveBytes = 0;
        int regions = 0;
        for (RegionInfo info : dir.list()) {
            regions++;
            live += info.stats().liveAllocations();
            liveBytes += info.stats().liveBytes();
            assertEquals(hostPins.contains(info.ref()) ? 1 : 0, info.pinCount(), "pins on " + info);
            assertEquals(
                    info.stats().allocations() - info.stats().frees(),
                    info.stats().liveAllocations(),
                    "allocations - frees of " + info);
        }
        assertEquals(regions, stats.liveRegions(), "live region count");
        assertEquals(regions, dir.regionCount(), "region count");
        assertEquals(live, stats.totals().liveAllocations(), "live allocations: totals vs regions");
        assertEquals(liveBytes, stats.totals().liveBytes(), "live bytes: totals vs regions");
        assertEquals(stats.regionsCreated() - stats.regionsDestroyed(), stats.liveRegions(), "created - destroyed");

        Region probe = dir.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(1 << 16));
        try {
            long h = probe.allocate(64);
            byte[] bytes = new byte[64];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i * 13 + 1);
            }
            dir.write(h, 0, MemorySegment.ofArray(bytes), 0, 64);
            byte[] back = new byte[64];
            dir.read(h, 0, MemorySegment.ofArray(back), 0, 64);
            assertEquals(java.util.Arrays.toString(bytes), java.util.Arrays.toString(back), "probe round trip");
            dir.free(h);
        } finally {
            dir.destroy(probe.ref());
        }
    }
}
