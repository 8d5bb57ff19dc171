package dev.tvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tvm shell} writes a module that Chicory loads and runs. */
class ShellCommandTest {
    @Test
    void writesAShellThatRuns(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("shell.wasm");
        Cli.Result r = Cli.run("shell", "--pools", "4", "--max-pages", "256", "-o", file.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("4 pools"), r.out());
        Instance shell =
                Instance.builder(Parser.parse(Files.readAllBytes(file))).build();
        assertEquals(4, shell.export("pool_count").apply()[0]);
        long region = shell.export("region_create").apply(3, 2, 4096)[0];
        long h = shell.export("alloc").apply(region, 16)[0];
        shell.export("store_i64_p3").apply(h, 8, 77);
        assertEquals(77, shell.export("load_i64").apply(h, 8)[0]);
    }

    @Test
    void refusesAnOutOfRangePoolCount(@TempDir Path dir) {
        Cli.Result r =
                Cli.run("shell", "--pools", "257", "-o", dir.resolve("x.wasm").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("pools must be 1..256"), r.err());
        assertTrue(!Files.exists(dir.resolve("x.wasm")));
    }

    @Test
    void needsAnOutputFile() {
        Cli.Result r = Cli.run("shell", "--pools", "2");
        assertTrue(r.exit() != 0);
        assertTrue(r.err().contains("--output"), r.err());
    }
}
