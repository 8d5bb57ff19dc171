package dev.tvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tvm link} merges the committed C workload guest with a shell into a module Chicory runs. */
class LinkCommandTest {
    @Test
    void linksTheWorkloadGuestIntoASelfContainedModule(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("linked.wasm");
        Cli.Result r = Cli.run(
                "link",
                "--pools",
                "4",
                "--max-pages",
                "512",
                Cli.guest("shell_workloads.wasm").toString(),
                "-o",
                out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("4 pools") && r.out().contains("0 imports left"), r.out());
        Instance i = Instance.builder(Parser.parse(Files.readAllBytes(out))).build();
        assertEquals(4, i.export("wl_setup").apply(4, 1)[0]);
        assertEquals(3 * 16, i.export("wl_big").apply(3, 1, 5)[0], "3 MiB stamped and verified");
        assertEquals(4, i.export("tvm_pool_count").apply()[0], "the shell's exports carry the prefix");
        assertTrue(i.exports().memory("tvm_pool3").pages() >= 16);
    }

    @Test
    void malformedGuestIsRefusedWithSectionAndOffset(@TempDir Path dir) throws Exception {
        byte[] good = Files.readAllBytes(Cli.guest("shell_workloads.wasm"));
        Path bad = dir.resolve("truncated.wasm");
        Files.write(bad, java.util.Arrays.copyOf(good, good.length / 2));
        Path out = dir.resolve("out.wasm");
        Cli.Result r = Cli.run("link", "--pools", "2", bad.toString(), "-o", out.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("guest: section '") && r.err().contains("at offset "), r.err());
        assertFalse(Files.exists(out), "nothing is written for a refused input");
    }

    @Test
    void aliasesMemoryOnRequestAndKeepsOtherImports(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("hello.wasm");
        Cli.Result r = Cli.run(
                "link",
                "-o",
                out.toString(),
                "--alias-memory=guest_memory",
                Cli.guest("hello_wasi.wasm").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("wasi_snapshot_preview1.fd_write"), r.out());
        var exports = Parser.parse(Files.readAllBytes(out)).exportSection();
        boolean aliased = false;
        for (int k = 0; k < exports.exportCount(); k++) {
            var e = exports.getExport(k);
            aliased |= e.name().equals("guest_memory") && e.index() == 0;
        }
        assertTrue(aliased, "memory 0 is also exported as guest_memory");
    }
}
