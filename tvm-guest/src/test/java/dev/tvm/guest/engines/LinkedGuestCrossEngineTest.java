package dev.tvm.guest.engines;

import static dev.tvm.guest.engines.CallScript.i64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.guest.ShellGenerator;
import dev.tvm.guest.link.Linker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 5's acceptance on the C guest {@code guests/src/shell_workloads.c} linked with a 4-pool
 * shell (the same bytes {@code ./tvm link --pools 4 --max-pages 32767} writes):
 *
 * <ol>
 *   <li>a list walk, a columnar scan and an allocation-heavy loop give identical results in Chicory's
 *       interpreter and compiler, Node 22+ and headless Chromium;
 *   <li>the linked guest holds and verifies a working set above 4 GiB across its pools, in Chicory
 *       (pools of at most 2 GiB there, backed off-heap) and in Node.
 * </ol>
 *
 * JS engines that are not installed are skipped with the command that installs them.
 */
class LinkedGuestCrossEngineTest {
    /** 4 pools x 1,100 MiB = 4,400 MiB (4.3 GiB) of stamped and verified pages. */
    static final int BIG_MIB_PER_POOL = 1100;

    static final int POOLS = 4;
    private static byte[] linked;

    @BeforeAll
    static void link() throws IOException {
        byte[] guest = Files.readAllBytes(
                Path.of(System.getProperty("tvm.guests.dir", "../guests"), "wasm", "shell_workloads.wasm"));
        byte[] shell = ShellGenerator.builder()
                .withPools(POOLS)
                .withMaximumPages(32767) // Chicory's cap per memory
                .build()
                .generate();
        Linker.Result r = Linker.builder().build().link(guest, shell);
        assertTrue(r.remaining().isEmpty(), "self-contained: " + r.remaining());
        linked = r.wasm();
    }

    static CallScript workloads() {
        CallScript s = new CallScript();
        s.call("wl_setup", POOLS, 32);
        s.call("wl_list_walk", 12000, i64(7)); // 3,000 nodes a pool, under 4,096 slots
        s.call("wl_list_walk", 3, i64(8));
        s.call("wl_columnar", 50000, i64(11));
        s.call("wl_alloc_loop", 50000, i64(13));
        s.call("wl_big", POOLS, 4, i64(17));
        s.call("tvm_metrics", 0);
        s.call("tvm_metrics", 1);
        s.call("tvm_region_stat", 1 << 12 | 1, 6);
        return s;
    }

    private static EngineRun reference() {
        EngineRun run = ChicoryCalls.run(linked, workloads(), ChicoryCalls.Mode.INTERPRETER);
        List<Object> r = run.results();
        assertEquals(POOLS, ((Number) r.get(0)).intValue(), "setup: " + r);
        for (int k = 1; k <= 4; k++) {
            assertTrue(!r.get(k).toString().startsWith("-"), "workload " + k + " failed: " + r.get(k));
        }
        assertEquals(i64(POOLS * 4 * 16), r.get(5), "every 64 KiB page of the small working set verified");
        return run;
    }

    @Test
    void chicoryInterpreterAndCompilerAgree() {
        CallScript script = workloads();
        Comparisons.assertSameResults(
                script, reference(), ChicoryCalls.run(linked, script, ChicoryCalls.Mode.COMPILER));
    }

    @Test
    void nodeAgreesWithChicory() {
        Optional<JsEngines.Engine> node = JsEngines.node();
        assumeTrue(node.isPresent(), JsEngines.NODE_MISSING);
        CallScript script = workloads();
        Comparisons.assertSameResults(script, reference(), node.get().run(linked, script));
    }

    @Test
    void chromiumAgreesWithChicory() {
        Optional<JsEngines.Engine> chromium = JsEngines.chromium();
        assumeTrue(chromium.isPresent(), JsEngines.CHROMIUM_MISSING);
        CallScript script = workloads();
        Comparisons.assertSameResults(script, reference(), chromium.get().run(linked, script));
    }

    private static final long BIG_PAGES = (long) POOLS * BIG_MIB_PER_POOL * 16;

    @Test
    void chicoryHoldsAWorkingSetAboveFourGiB() {
        // SegmentMemory: each pool an off-heap reservation of up to 2 GiB, committed as it is touched
        Instance i = Instance.builder(Parser.parse(linked))
                .withMemoryFactory(SegmentMemory.factory())
                .withMachineFactory(MachineFactoryCompiler::compile)
                .build();
        long verified = i.export("wl_big").apply(POOLS, BIG_MIB_PER_POOL, 23)[0];
        assertEquals(BIG_PAGES, verified, "pages verified (negative = error code)");
        long bytes = 0;
        for (int p = 0; p < POOLS; p++) {
            bytes += (long) i.exports().memory("tvm_pool" + p).pages() << 16;
        }
        assertTrue(bytes > 4L << 30, "pools hold " + bytes + " bytes");
    }

    @Test
    void nodeHoldsAWorkingSetAboveFourGiB() {
        Optional<JsEngines.Engine> node = JsEngines.node();
        assumeTrue(node.isPresent(), JsEngines.NODE_MISSING);
        CallScript s = new CallScript();
        s.call("wl_big", POOLS, BIG_MIB_PER_POOL, i64(23));
        for (int p = 0; p < POOLS; p++) {
            s.call("tvm_region_stat", (p + 1) << 12 | 1, 2); // each region's capacity
        }
        EngineRun run = node.get().run(linked, s);
        assertTrue(run.instantiated(), run.error());
        assertEquals(i64(BIG_PAGES), run.results().get(0), "pages verified in " + run.engine());
        long total = 0;
        for (int p = 0; p < POOLS; p++) {
            String cap = run.results().get(1 + p).toString();
            total += Long.parseLong(cap.substring(0, cap.length() - 1));
        }
        assertEquals(((long) POOLS * BIG_MIB_PER_POOL) << 20, total);
        assertTrue(total > 4L << 30);
    }
}
