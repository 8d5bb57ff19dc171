package dev.tvm.guest.engines;

import static dev.tvm.guest.engines.CallScript.f32;
import static dev.tvm.guest.engines.CallScript.f64;
import static dev.tvm.guest.engines.CallScript.i64;
import static dev.tvm.guest.engines.CallScript.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tvm.guest.ShellGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated shell gives identical results in Chicory's interpreter and compiler, Node 22+ and
 * headless Chromium: a seeded script of region, allocation, load/store (i32, i64, f32, f64, per-pool
 * helpers), cross-pool copy, fill, free, stale and out-of-bounds calls and statistics. JS engines
 * that are not installed are skipped ({@code engines/run.sh install}).
 */
class CrossEngineShellTest {
    private static final int POOLS = 4;
    private static final int OPS = 400;
    private static final float[] FLOATS = {
        0f, -0f, 1.5f, -2.25f, 0.1f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN, Float.NEGATIVE_INFINITY, 1e-40f
    };
    private static final double[] DOUBLES = {
        0, -0.0, 2.5, 0.1, -1e300, Double.MIN_VALUE, Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY
    };

    private record Region(int call, int pool, int capacity) {}

    private record Handle(int call, int pool, int size) {}

    /** A deterministic script over a {@code pools}-pool shell; a few hundred calls. */
    static CallScript shellScript(int pools, long seed, int ops) {
        Random rnd = new Random(seed);
        CallScript s = new CallScript();
        List<Region> regions = new ArrayList<>();
        for (int p = 0; p < pools; p++) {
            int allocator = p % 2 == 0 ? ShellGenerator.FREE_LIST : ShellGenerator.BUMP;
            int capacity = 1 << 14;
            regions.add(new Region(s.call("region_create", p, allocator, capacity), p, capacity));
        }
        // a small region, to run out of space; refused creations
        regions.add(new Region(s.call("region_create", 0, ShellGenerator.BUMP, 256), 0, 256));
        s.call("region_create", pools, ShellGenerator.BUMP, 64);
        s.call("last_error");
        s.call("region_create", 0, 3, 64);
        s.call("region_create", 0, ShellGenerator.FREE_LIST, 0);
        s.call("last_error");
        List<Handle> live = new ArrayList<>();
        List<Handle> stale = new ArrayList<>();
        for (int i = 0; i < ops; i++) {
            int op = live.isEmpty() ? 0 : rnd.nextInt(16);
            Handle h = live.isEmpty() ? null : live.get(rnd.nextInt(live.size()));
            switch (op) {
                case 0, 1 -> {
                    Region r = regions.get(rnd.nextInt(regions.size()));
                    int size = rnd.nextInt(8) == 0 ? r.capacity() + 8 : 8 + rnd.nextInt(300);
                    int call = s.call("alloc", ref(r.call()), i64(size));
                    if (size <= r.capacity()) {
                        live.add(new Handle(call, r.pool(), size));
                    } else {
                        s.call("last_error");
                    }
                }
                case 2 -> {
                    int off = rnd.nextInt(h.size() - 3);
                    s.call("store_i32", ref(h.call()), i64(off), rnd.nextInt());
                    s.call("load_i32", ref(h.call()), i64(off));
                }
                case 3 -> {
                    int off = rnd.nextInt(h.size() - 7);
                    s.call("store_i64", ref(h.call()), i64(off), i64(rnd.nextLong()));
                    s.call("load_i64", ref(h.call()), i64(rnd.nextInt(h.size() - 7)));
                }
                case 4 -> {
                    int off = rnd.nextInt(h.size() - 3);
                    float f = rnd.nextBoolean() ? FLOATS[rnd.nextInt(FLOATS.length)] : rnd.nextFloat() * 1e6f;
                    s.call("store_f32", ref(h.call()), i64(off), f32(f));
                    s.call("load_f32", ref(h.call()), i64(off));
                }
                case 5 -> {
                    int off = rnd.nextInt(h.size() - 7);
                    double d = rnd.nextBoolean() ? DOUBLES[rnd.nextInt(DOUBLES.length)] : rnd.nextGaussian();
                    s.call("store_f64", ref(h.call()), i64(off), f64(d));
                    s.call("load_f64", ref(h.call()), i64(off));
                    s.call("load_i64", ref(h.call()), i64(off)); // the bits
                }
                case 6 -> {
                    // per-pool helpers; one in four uses another pool's helper, which traps
                    int k = rnd.nextInt(4) == 0 ? (h.pool() + 1) % pools : h.pool();
                    int off = rnd.nextInt(h.size() - 7);
                    s.call("store_i64_p" + k, ref(h.call()), i64(off), i64(rnd.nextLong()));
                    s.call("load_i32_p" + k, ref(h.call()), i64(off + 4));
                    s.call("store_i32_p" + k, ref(h.call()), i64(off), rnd.nextInt());
                    s.call("load_i64_p" + k, ref(h.call()), i64(off));
                    s.call("last_error");
                }
                case 7 -> {
                    Handle src = live.get(rnd.nextInt(live.size()));
                    int len = rnd.nextInt(Math.min(h.size(), src.size()) + (rnd.nextInt(6) == 0 ? 16 : 1));
                    int dstOff = rnd.nextInt(h.size() - Math.min(len, h.size()) + 1);
                    int srcOff = rnd.nextInt(src.size() - Math.min(len, src.size()) + 1);
                    s.call("copy", ref(h.call()), i64(dstOff), ref(src.call()), i64(srcOff), i64(len));
                    s.call("load_i64", ref(h.call()), i64(Math.max(0, Math.min(dstOff, h.size() - 8))));
                }
                case 8 -> {
                    int off = rnd.nextInt(h.size());
                    s.call("fill", ref(h.call()), i64(off), i64(rnd.nextInt(h.size() - off + 1)), rnd.nextInt());
                    s.call("load_i32", ref(h.call()), i64((off & ~3) > h.size() - 4 ? 0 : off & ~3));
                }
                case 9 -> {
                    s.call("free", ref(h.call()));
                    live.remove(h);
                    stale.add(h);
                }
                case 10 -> {
                    if (stale.isEmpty()) {
                        s.call("free", i64(0));
                    } else {
                        Handle old = stale.get(rnd.nextInt(stale.size()));
                        s.call("load_i64", ref(old.call()), i64(0));
                        s.call("last_error");
                        s.call("store_i32", ref(old.call()), i64(0), 1);
                        s.call("free", ref(old.call()));
                        s.call("size_of", ref(old.call()));
                    }
                }
                case 11 -> {
                    s.call("load_i32", ref(h.call()), i64(h.size() - 2));
                    s.call("last_error");
                    s.call("load_i64", ref(h.call()), i64(-1));
                    s.call("store_f64", ref(h.call()), i64(h.size()), f64(1));
                    s.call("resolve", ref(h.call()), i64(h.size()), i64(1));
                }
                case 12 -> {
                    int off = rnd.nextInt(h.size());
                    s.call("size_of", ref(h.call()));
                    s.call("resolve", ref(h.call()), i64(off), i64(h.size() - off));
                    s.call("resolved_pool");
                }
                case 13 -> {
                    Region r = regions.get(rnd.nextInt(regions.size()));
                    for (int field = 0; field <= 9; field++) {
                        s.call("region_stat", ref(r.call()), field);
                    }
                }
                case 14 -> {
                    for (int field = 0; field <= 3; field++) {
                        s.call("metrics", field);
                    }
                    s.call("pool_count");
                    s.call("last_error");
                }
                default -> {
                    // forged handles: region 0, an uncreated region, a slot never handed out
                    s.call("load_i32", i64(12345), i64(0));
                    s.call("free", i64(60L << 48 | 1L << 36 | 1));
                    s.call("size_of", i64(1L << 48 | 1L << 36 | 4000L << 12 | 1));
                    s.call("last_error");
                }
            }
        }
        // read back what is live
        for (Handle h : live) {
            for (int off = 0; off + 8 <= Math.min(h.size(), 64); off += 8) {
                s.call("load_i64", ref(h.call()), i64(off));
            }
        }
        for (Region r : regions) {
            s.call("region_stat", ref(r.call()), 4);
        }
        s.call("metrics", 0);
        return s;
    }

    private static byte[] shell(int pools) {
        return ShellGenerator.builder().withPools(pools).build().generate();
    }

    /** A shell with a region id for every pool (the default allows 64 regions). */
    private static byte[] wideShell(int pools) {
        return ShellGenerator.builder()
                .withPools(pools)
                .withMaxRegions(Math.max(64, pools))
                .withSlotsPerRegion(64)
                .build()
                .generate();
    }

    private static EngineRun chicory(byte[] wasm, CallScript script) {
        EngineRun run = ChicoryCalls.run(wasm, script, ChicoryCalls.Mode.INTERPRETER);
        assertEquals(
                0,
                run.errors(),
                () -> "the script itself is wrong: call " + run.canonical().indexOf("error"));
        return run;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void chicoryInterpreterAndCompilerAgree(long seed) {
        byte[] wasm = shell(POOLS);
        CallScript script = shellScript(POOLS, seed, OPS);
        EngineRun interpreter = chicory(wasm, script);
        EngineRun compiler = ChicoryCalls.run(wasm, script, ChicoryCalls.Mode.COMPILER);
        Comparisons.assertSameResults(script, interpreter, compiler);
        assertTrue(script.size() > 500, "calls: " + script.size());
        assertTrue(interpreter.traps() > 20, "traps: " + interpreter.traps());
        long distinct = interpreter.canonical().stream().distinct().count();
        assertTrue(distinct > 200, "distinct results: " + distinct);
        report(script, interpreter, compiler);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void nodeAgreesWithChicory(long seed) {
        Optional<JsEngines.Engine> node = JsEngines.node();
        assumeTrue(node.isPresent(), JsEngines.NODE_MISSING);
        byte[] wasm = shell(POOLS);
        CallScript script = shellScript(POOLS, seed, OPS);
        EngineRun expected = chicory(wasm, script);
        EngineRun actual = node.get().run(wasm, script);
        Comparisons.assertSameResults(script, expected, actual);
        report(script, expected, actual);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void chromiumAgreesWithChicory(long seed) {
        Optional<JsEngines.Engine> chromium = JsEngines.chromium();
        assumeTrue(chromium.isPresent(), JsEngines.CHROMIUM_MISSING);
        byte[] wasm = shell(POOLS);
        CallScript script = shellScript(POOLS, seed, OPS);
        EngineRun expected = chicory(wasm, script);
        EngineRun actual = chromium.get().run(wasm, script);
        Comparisons.assertSameResults(script, expected, actual);
        report(script, expected, actual);
    }

    /** Every pool of a wide shell: a region, an allocation, per-pool and generic accesses, a copy chain. */
    static CallScript widePoolScript(int pools) {
        CallScript s = new CallScript();
        int[] handles = new int[pools];
        for (int p = 0; p < pools; p++) {
            int r = s.call("region_create", p, ShellGenerator.FREE_LIST, 4096);
            handles[p] = s.call("alloc", ref(r), i64(64));
            s.call("store_i64_p" + p, ref(handles[p]), i64(8), i64(p * 1_000_003L - 7));
            s.call("load_i64", ref(handles[p]), i64(8));
            s.call("load_i64_p" + p, ref(handles[p]), i64(8));
            s.call("region_stat", ref(r), 0);
        }
        for (int p = 1; p < pools; p++) {
            s.call("copy", ref(handles[p]), i64(16), ref(handles[p - 1]), i64(8), i64(16));
            s.call("load_i64_p" + p, ref(handles[p]), i64(24));
        }
        s.call("pool_count");
        s.call("metrics", 1);
        s.call("metrics", 0);
        return s;
    }

    @Test
    void sixtyFourPoolShellRunsInNode() {
        Optional<JsEngines.Engine> node = JsEngines.node();
        assumeTrue(node.isPresent(), JsEngines.NODE_MISSING);
        assertWideShellAgrees(node.get(), 64);
    }

    @Test
    void sixtyFourPoolShellRunsInChromium() {
        Optional<JsEngines.Engine> chromium = JsEngines.chromium();
        assumeTrue(chromium.isPresent(), JsEngines.CHROMIUM_MISSING);
        assertWideShellAgrees(chromium.get(), 64);
    }

    @Test
    void twoHundredFiftySixPoolShellRunsInNode() {
        Optional<JsEngines.Engine> node = JsEngines.node();
        assumeTrue(node.isPresent(), JsEngines.NODE_MISSING);
        assertWideShellAgrees(node.get(), 256);
    }

    /**
     * Chromium reserves guarded address space per 32-bit memory and runs out at about 124 memories
     * per renderer (measured with Chromium 156: 123 pools instantiate, 124 do not), so a 256-pool
     * shell fails to instantiate with a RangeError rather than hanging or crashing.
     */
    @Test
    void twoHundredFiftySixPoolShellIsRefusedByChromium() {
        Optional<JsEngines.Engine> chromium = JsEngines.chromium();
        assumeTrue(chromium.isPresent(), JsEngines.CHROMIUM_MISSING);
        EngineRun run = chromium.get().run(wideShell(256), widePoolScript(256));
        assertFalse(run.instantiated(), "Chromium now instantiates 256 memories: update this test and docs");
        assertTrue(run.error().contains("Out of memory"), run.error());
        assertTrue(run.results().isEmpty());
        System.out.println(run.engine() + ", 256 pools: " + run.error());
    }

    private static void assertWideShellAgrees(JsEngines.Engine engine, int pools) {
        byte[] wasm = wideShell(pools);
        CallScript script = widePoolScript(pools);
        EngineRun expected = chicory(wasm, script);
        assertEquals(0, expected.traps(), () -> "first trap at call " + expected.firstTrap());
        EngineRun actual = engine.run(wasm, script);
        Comparisons.assertSameResults(script, expected, actual);
        assertEquals(String.valueOf(pools), actual.canonical().get(script.size() - 3));
        report(script, expected, actual);
    }

    private static void report(CallScript script, EngineRun expected, EngineRun actual) {
        System.out.println(actual.engine() + " == " + expected.engine() + ": " + script.size() + " calls ("
                + actual.traps() + " traps) identical");
    }
}
