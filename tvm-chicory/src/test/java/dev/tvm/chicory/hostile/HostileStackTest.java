package dev.tvm.chicory.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.dylibso.chicory.wasm.ChicoryException;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TestGuests;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.Region;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A guest ({@code guests/src/hostile_stack.wat}) recurses to a depth and then calls one of the
 * {@code tvm} imports, for every import that takes a lock, a pin or a ledger entry, at every depth
 * around the point where its calls start to fail, so that the host's stack runs out at every
 * point on the way into and through the import. Each call either works or traps; after each, the
 * regions' locks are free (the host takes them exclusively), pins agree with what the guest holds
 * (the host's pin on a region it granted the guest is never released), the guest's regions and
 * the directory's count agree; at the end a second tenant still works, the directory is healthy,
 * and closing the guest destroys its regions. Before the stack guard this left a region lock held
 * forever (and then every tenant's create and destroy hung), a pin nobody could release, or the
 * host's pin released.
 *
 * <p>{@code -Dtvm.hostile.repeat=true} runs the whole sweep 100 times in one JVM (the acceptance
 * run of issue 11); the default run does it once per engine.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class HostileStackTest extends WithPinnedHostRegion {
    /** The guest thread's stack: small, so that the depths stay small. */
    private static final long STACK = 512 * 1024;

    /** Depths swept on each side of the point where an operation's calls start to trap. */
    private static final int WINDOW = 64;

    private static final int OPS = 29;
    private static final int LAST_ERROR = 28;

    /** What each operation returns when it works, where that is fixed. */
    private static final Map<Integer, Integer> RESULT = Map.ofEntries(
            Map.entry(1, 0),
            Map.entry(2, 0),
            Map.entry(4, 4),
            Map.entry(6, 0),
            Map.entry(7, 256),
            Map.entry(8, 0),
            Map.entry(9, 0),
            Map.entry(10, 0),
            Map.entry(11, 0),
            Map.entry(20, 0),
            Map.entry(21, 0),
            Map.entry(22, 0),
            Map.entry(24, 0),
            Map.entry(26, 0),
            Map.entry(27, ErrorCode.INVALID_ARGUMENT.code()));

    @ParameterizedTest
    @EnumSource(Engine.class)
    void overflowingTheStackAtEveryDepthInsideEveryImportLeavesTheHostConsistent(Engine engine) throws Exception {
        onSmallStack(() -> sweep(engine));
    }

    @RepeatedTest(100)
    @EnabledIfSystemProperty(named = "tvm.hostile.repeat", matches = "true")
    void hundredRunsInARow() throws Exception {
        onSmallStack(() -> {
            sweep(Engine.COMPILER);
            sweep(Engine.INTERPRETER);
        });
    }

    private void sweep(Engine engine) {
        try (TvmGuest victim = TvmGuest.builder(TestGuests.module("hostile_tenant.wasm"), dir)
                .withEngine(engine)
                .build()) {
            TvmGuest mallory = TvmGuest.builder(TestGuests.module("hostile_stack.wasm"), dir)
                    .withEngine(engine)
                    .build();
            assertNotEquals(0, victim.call("own_setup", 3)[0]);
            mallory.tvm().grant(hostRegion.ref());
            assertEquals(1, mallory.call("setup", hostRegion.ref())[0], "setup");
            int regions = TestGuests.tenantRegions(dir);
            int deepest = deepest(mallory);
            try {
                for (int op = 0; op < OPS; op++) {
                    sweepOne(mallory, op, deepest, regions);
                }
            } finally {
                mallory.close();
            }
            long handle = victim.call("own_setup", 5)[0];
            assertNotEquals(0, handle, "the second tenant still creates and allocates");
            assertEquals(expectedChecksum(5), victim.call("checksum", handle, 256)[0], "its bytes");
            assertEquals(regions - 2 + 1, TestGuests.tenantRegions(dir), "the guest's two regions went with it");
            HostUnharmed.assertHealthy(dir, hostRegion);
        }
    }

    /** Sweeps the depths around where {@code op} starts to trap; checks the host after each call. */
    private void sweepOne(TvmGuest mallory, int op, int deepest, int regions) {
        int traps = 0;
        int worked = 0;
        for (int attempt = 0; attempt < 4 && (traps == 0 || worked == 0); attempt++) {
            int edge = edge(mallory, op, deepest);
            for (int depth = Math.max(0, edge - WINDOW); depth <= edge + WINDOW; depth++) {
                if (call(mallory, op, depth)) {
                    worked++;
                } else {
                    traps++;
                }
                assertConsistent(mallory, op, depth, regions);
            }
        }
        assertTrue(
                traps > 0 && worked > 0,
                "op " + op + ": the sweep straddles the edge (" + worked + " worked, " + traps + " trapped)");
    }

    /** prepare, dive, undo; whether the dive worked (else it trapped). */
    private static boolean call(TvmGuest mallory, int op, int depth) {
        assertEquals(1, mallory.call("prepare", op)[0], "prepare " + op);
        boolean worked;
        try {
            int result = (int) mallory.call("dive", depth, op)[0];
            Integer expected = RESULT.get(op);
            if (expected != null) {
                assertEquals(expected.intValue(), result, "op " + op + " at depth " + depth);
            }
            worked = true;
        } catch (ChicoryException trap) {
            worked = false;
        }
        mallory.call("undo", op);
        return worked;
    }

    /** After a call and its undo: no lock held, no pin but the host's, no region gained or lost. */
    private void assertConsistent(TvmGuest mallory, int op, int depth, int regions) {
        String at = "after op " + op + " at depth " + depth;
        assertEquals(1, hostRegion.info().pinCount(), "the host's pin " + at);
        assertEquals(regions, TestGuests.tenantRegions(dir), "regions " + at);
        assertEquals(2, mallory.tvm().createdRegions().size(), "the guest's regions " + at);
        for (int ref : mallory.tvm().createdRegions()) {
            Region region = dir.region(ref);
            assertEquals(0, region.info().pinCount(), "pins on the guest's " + region + " " + at);
            assertLockFree(region);
        }
        assertLockFree(hostRegion);
    }

    /** Takes the region's lock exclusively (allocate, free); hangs, and times out, if it is held. */
    private void assertLockFree(Region region) {
        long h = region.allocate(16);
        dir.free(h);
    }

    /** The deepest dive that does not trap with an operation that takes no host stack. */
    private static int deepest(TvmGuest mallory) {
        int ok = 0;
        int bad = 1024;
        while (dives(mallory, bad, LAST_ERROR)) {
            ok = bad;
            bad *= 2;
            if (bad > 1 << 22) {
                fail("no stack overflow below depth " + bad + ": this engine does not recurse on the JVM stack");
            }
        }
        return bisect(mallory, LAST_ERROR, ok, bad);
    }

    /** The deepest depth at which {@code op} works (its calls trap below it). */
    private static int edge(TvmGuest mallory, int op, int deepest) {
        if (!callWorks(mallory, op, 0)) {
            fail("op " + op + " traps without any recursion");
        }
        // The JIT shrinks frames as it warms up, so the guest may reach deeper than it did before.
        int ok = 0;
        int bad = deepest + 1;
        while (callWorks(mallory, op, bad)) {
            ok = bad;
            bad *= 2;
        }
        return bisect(mallory, op, ok, bad);
    }

    private static int bisect(TvmGuest mallory, int op, int ok, int bad) {
        while (bad - ok > 1) {
            int mid = ok + (bad - ok) / 2;
            if (op == LAST_ERROR ? dives(mallory, mid, op) : callWorks(mallory, op, mid)) {
                ok = mid;
            } else {
                bad = mid;
            }
        }
        return ok;
    }

    private static boolean callWorks(TvmGuest mallory, int op, int depth) {
        return call(mallory, op, depth);
    }

    private static boolean dives(TvmGuest mallory, int depth, int op) {
        try {
            mallory.call("dive", depth, op);
            return true;
        } catch (ChicoryException trap) {
            return false;
        }
    }

    private static long expectedChecksum(int seed) {
        long sum = 0;
        for (int i = 0; i < 256; i++) {
            sum += (long) ((i * 7 + seed) & 0xFF) * (i + 1);
        }
        return sum;
    }

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    /**
     * Runs {@code body} on a thread with a {@link #STACK}-byte stack and waits for it; a hang (a
     * lock left held) fails the test through the class's timeout instead of hanging the build.
     */
    private static void onSmallStack(Body body) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(
                null,
                () -> {
                    try {
                        body.run();
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                },
                "hostile-stack",
                STACK);
        thread.setDaemon(true);
        thread.start();
        thread.join(TimeUnit.MINUTES.toMillis(9));
        if (thread.isAlive()) {
            fail("the sweep hung (a lock left held?): " + stackOf(thread));
        }
        Throwable t = failure.get();
        if (t instanceof Error e) {
            throw e;
        }
        if (t instanceof Exception e) {
            throw e;
        }
    }

    private static String stackOf(Thread thread) {
        StringBuilder out = new StringBuilder();
        for (StackTraceElement e : thread.getStackTrace()) {
            out.append("\n  at ").append(e);
        }
        return out.toString();
    }
}
