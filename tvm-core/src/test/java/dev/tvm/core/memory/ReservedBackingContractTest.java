package dev.tvm.core.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.TvmException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backing contract for {@link ReservedBacking}, plus its reason to exist: reserving 4 GiB
 * costs address space, not memory.
 */
class ReservedBackingContractTest extends BackingContractTest {
    @BeforeAll
    static void onlyWhereSupported() {
        assumeTrue(ReservedBacking.isSupported(), "anonymous reservations need Linux");
    }

    @Override
    Backing create(long capacity) {
        return ReservedBacking.reserve(capacity);
    }

    @Test
    void defaultFactoryUsesReservations() {
        try (Backing b = BackingFactory.defaultFactory().create(65536)) {
            assertTrue(b instanceof ReservedBacking);
        }
    }

    @Test
    void rejectsNonPositiveCapacities() {
        TvmException e = assertThrows(TvmException.class, () -> ReservedBacking.reserve(0));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertThrows(TvmException.class, () -> ReservedBacking.reserve(-4096));
    }

    static long vmRssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.trim().split("\\s+");
                assertEquals("kB", parts[2]);
                return Long.parseLong(parts[1]) * 1024;
            }
        }
        throw new AssertionError("no VmRSS in /proc/self/status");
    }

    @Test
    void twentyFourGiBRegionsCommitAlmostNothing() throws IOException {
        long before = vmRssBytes();
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            List<Long> handles = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Region r = dir.create(RegionSpec.of(RegionKind.fromCode(i % RegionKind.values().length)));
                assertEquals(RegionSpec.MAX_CAPACITY, r.capacity(), "4 GiB each");
                long h = r.allocate(1024);
                dir.fill(h, 0, 1024, (byte) i);
                handles.add(h);
            }
            assertEquals(20, dir.regionCount());
            long after = vmRssBytes();
            long grown = after - before;
            assertTrue(
                    grown < 100L * 1024 * 1024,
                    "80 GiB reserved, 20 KiB used, but resident memory grew by " + (grown >> 20) + " MiB");
            byte[] back = new byte[1024];
            for (int i = 0; i < handles.size(); i++) {
                dir.read(handles.get(i), 0, MemorySegment.ofArray(back), 0, 1024);
                for (byte v : back) {
                    assertEquals((byte) i, v);
                }
            }
        }
    }
}
