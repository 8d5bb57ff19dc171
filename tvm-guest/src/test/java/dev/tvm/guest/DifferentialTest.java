package dev.tvm.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.ChicoryException;
import dev.tvm.core.AllocatorKind;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.TvmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Random operation sequences (fixed seeds) against the shell in Chicory and against tvm-core's
 * {@link RegionDirectory}: successes give the same values, and every stale, forged or out-of-bounds
 * access is refused by both with the same error code.
 */
class DifferentialTest {
    private static final int OPS = 4000;
    static final long CAPACITY = 4L << 20;

    /** One allocation as both sides know it. */
    private record Pair(long core, long shell, int size) {}

    /** The outcome of one operation: a value, or an error code. */
    private record Outcome(boolean ok, long value) {}

    @ParameterizedTest
    @EnumSource(Shell.Engine.class)
    void randomOperationsAgreeWithTvmCore(Shell.Engine engine) {
        for (long seed : new long[] {1, 2, 3}) {
            run(engine, seed);
        }
    }

    private void run(Shell.Engine engine, long seed) {
        int refusals = run(Shell.of(3, engine), new int[] {0, 1, 2}, new Random(seed), OPS, "seed " + seed);
        assertTrue(refusals > 50, "the sequence exercised refusals: " + refusals);
    }

    /**
     * Runs {@code ops} operations drawn from {@code rnd} on three {@link #CAPACITY}-byte regions
     * (FREE_LIST, BUMP, FREE_LIST) created in the given pools of {@code shell} and in a fresh
     * {@link RegionDirectory}, asserting that both agree; returns how many operations both refused.
     * Also the body of {@link ShellFuzzTest}, which passes a fuzzer-backed {@link Random}; the
     * shell needs at least {@code ops} slots per region and room for the three regions.
     */
    static int run(Shell shell, int[] pools, Random rnd, int ops, String label) {
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            int[] coreRegions = new int[3];
            int[] shellRegions = new int[3];
            for (int i = 0; i < 3; i++) {
                AllocatorKind kind = i == 1 ? AllocatorKind.BUMP : AllocatorKind.FREE_LIST;
                Region region = dir.create(RegionSpec.of(RegionKind.HOT_HEAP)
                        .withCapacity(CAPACITY)
                        .withAllocator(kind));
                coreRegions[i] = region.ref();
                shellRegions[i] = shell.regionCreate(
                        pools[i], kind == AllocatorKind.BUMP ? ShellGenerator.BUMP : ShellGenerator.FREE_LIST, (int)
                                CAPACITY);
                assertTrue(shellRegions[i] > 0);
            }
            List<Pair> live = new ArrayList<>();
            List<Pair> dead = new ArrayList<>();
            int refusals = 0;
            for (int op = 0; op < ops; op++) {
                int choice = rnd.nextInt(100);
                String where = label + " op " + op;
                if (choice < 25 || live.isEmpty()) {
                    int r = rnd.nextInt(3);
                    int size = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 4096 : 128);
                    long hc = dir.region(coreRegions[r]).allocate(size);
                    long hs = shell.alloc(shellRegions[r], size);
                    assertNotEquals(0, hs, where);
                    assertEquals(size, shell.call("size_of", hs), where);
                    live.add(new Pair(hc, hs, size));
                } else if (choice < 35) {
                    Pair p = live.remove(rnd.nextInt(live.size()));
                    dir.free(p.core());
                    assertEquals(0, shell.free(p.shell()), where);
                    dead.add(p);
                } else {
                    boolean stale = !dead.isEmpty() && rnd.nextInt(10) == 0;
                    Pair p = stale ? dead.get(rnd.nextInt(dead.size())) : live.get(rnd.nextInt(live.size()));
                    boolean wide = rnd.nextBoolean();
                    int width = wide ? 8 : 4;
                    long offset = rnd.nextInt(8) == 0
                            ? p.size() - width + 1 + rnd.nextInt(8) // straddles or passes the end
                            : rnd.nextInt(Math.max(1, p.size() - width + 1));
                    if (rnd.nextInt(50) == 0) {
                        offset = -1L - rnd.nextInt(100);
                    }
                    long off = offset;
                    long value = rnd.nextLong();
                    Outcome c;
                    Outcome s;
                    switch (rnd.nextInt(5)) {
                        case 0 -> {
                            c = core(() -> {
                                if (wide) {
                                    dir.setLong(p.core(), off, value);
                                } else {
                                    dir.setInt(p.core(), off, (int) value);
                                }
                                return 0;
                            });
                            s = shell(shell, () -> {
                                if (wide) {
                                    shell.storeI64(p.shell(), off, value);
                                } else {
                                    shell.storeI32(p.shell(), off, (int) value);
                                }
                                return 0;
                            });
                        }
                        case 1 -> {
                            // the per-pool helper of the allocation's own pool
                            int pool = (int) shell.call("region_stat", p.shell() >>> 36, 0);
                            String name = (wide ? "load_i64_p" : "load_i32_p") + pool;
                            c = core(() -> wide ? dir.getLong(p.core(), off) : dir.getInt(p.core(), off));
                            s = shell(shell, () -> shell.call(name, p.shell(), off));
                            if (!wide && s.ok()) {
                                s = new Outcome(true, (int) s.value());
                            }
                        }
                        case 2 -> {
                            Pair q = live.get(rnd.nextInt(live.size()));
                            long len = 1L + rnd.nextInt(Math.max(1, Math.min(p.size(), q.size())));
                            long dstOff = rnd.nextInt(Math.max(1, q.size() - (int) len + 2));
                            c = core(() -> {
                                dir.copy(q.core(), dstOff, p.core(), Math.max(0, off), len);
                                return 0;
                            });
                            long status = shell.call("copy", q.shell(), dstOff, p.shell(), Math.max(0, off), len);
                            s = status == 0 ? new Outcome(true, 0) : new Outcome(false, status);
                        }
                        default -> {
                            c = core(() -> wide ? dir.getLong(p.core(), off) : dir.getInt(p.core(), off));
                            s = shell(
                                    shell, () -> wide ? shell.loadI64(p.shell(), off) : shell.loadI32(p.shell(), off));
                        }
                    }
                    assertEquals(c, s, where + (stale ? " (stale)" : "") + " offset " + off + " width " + width);
                    if (!c.ok()) {
                        refusals++;
                    }
                }
            }
            // the end state agrees byte for byte on every live allocation
            for (Pair p : live) {
                for (int off = 0; off + 4 <= p.size(); off += 4) {
                    assertEquals(dir.getInt(p.core(), off), shell.loadI32(p.shell(), off));
                }
            }
            long liveCount = 0;
            for (int i = 0; i < 3; i++) {
                liveCount += shell.call("region_stat", shellRegions[i], 3);
            }
            assertEquals(live.size(), liveCount);
            // freeing everything coalesces each free list back to an empty region
            for (Pair p : live) {
                dir.free(p.core());
                assertEquals(0, shell.free(p.shell()));
            }
            for (int i : new int[] {0, 2}) {
                assertEquals(0, shell.call("region_stat", shellRegions[i], 5), label + " region " + i);
                assertNotEquals(0, shell.alloc(shellRegions[i], CAPACITY));
            }
            return refusals;
        }
    }

    private static Outcome core(LongSupplier op) {
        try {
            return new Outcome(true, op.getAsLong());
        } catch (TvmException e) {
            return new Outcome(false, e.code().code());
        }
    }

    private static Outcome shell(Shell shell, LongSupplier op) {
        try {
            return new Outcome(true, op.getAsLong());
        } catch (ChicoryException e) {
            return new Outcome(false, shell.lastError());
        }
    }
}
