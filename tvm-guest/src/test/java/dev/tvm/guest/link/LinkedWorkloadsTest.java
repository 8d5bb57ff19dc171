package dev.tvm.guest.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import dev.tvm.guest.ShellGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The C workload guest, linked with a 4-pool shell, runs in Chicory's interpreter and compiler alike. */
class LinkedWorkloadsTest {
    static byte[] guest() throws IOException {
        return Files.readAllBytes(
                Path.of(System.getProperty("tvm.guests.dir", "../guests"), "wasm", "shell_workloads.wasm"));
    }

    static byte[] linked(int pools) throws IOException {
        byte[] shell = ShellGenerator.builder().withPools(pools).build().generate();
        return Linker.builder().build().link(guest(), shell).wasm();
    }

    private static long[] run(byte[] wasm, boolean compiled) {
        Instance.Builder b = Instance.builder(Parser.parse(wasm));
        if (compiled) {
            b.withMachineFactory(MachineFactoryCompiler::compile);
        }
        Instance i = b.build();
        assertEquals(4, i.export("wl_setup").apply(4, 16)[0]);
        return new long[] {
            i.export("wl_list_walk").apply(5000, 7)[0],
            i.export("wl_columnar").apply(20000, 11)[0],
            i.export("wl_alloc_loop").apply(20000, 13)[0],
            i.export("wl_big").apply(4, 2, 17)[0],
        };
    }

    @Test
    void linkedGuestRunsTheSameInInterpreterAndCompiler() throws IOException {
        byte[] wasm = linked(4);
        Linker.Result r = Linker.builder()
                .build()
                .link(guest(), ShellGenerator.builder().withPools(4).build().generate());
        assertTrue(r.remaining().isEmpty(), "no imports remain: " + r.remaining());
        assertEquals(16, r.resolved().size(), r.resolved().toString());
        long[] a = run(wasm, false);
        long[] b = run(wasm, true);
        assertEquals(List.of(a[0], a[1], a[2], a[3]), List.of(b[0], b[1], b[2], b[3]));
        for (long v : a) {
            assertTrue(v >= 0, "workload failed with " + v);
        }
        assertEquals(4 * 2 * 16, a[3], "every page of the big working set verified");
    }
}
