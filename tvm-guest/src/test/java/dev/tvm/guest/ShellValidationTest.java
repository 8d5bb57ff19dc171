package dev.tvm.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every shell size the issue names parses, validates and instantiates. */
class ShellValidationTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 16, 64, 256})
    void shellParsesAndInstantiatesInBothEngines(int pools) {
        byte[] wasm = ShellGenerator.builder().withPools(pools).build().generate();
        WasmModule module = Parser.parse(wasm);
        assertEquals(pools + 2, module.memorySection().get().memoryCount(), "pools, meta, guest memory");
        for (Shell.Engine engine : Shell.Engine.values()) {
            Shell shell = new Shell(wasm, engine);
            assertEquals(pools, shell.call("pool_count"));
            assertNotNull(shell.instance.memory());
            // the last pool works through its specialised helper
            int r = shell.regionCreate(pools - 1, ShellGenerator.FREE_LIST, 4096);
            long h = shell.alloc(r, 16);
            shell.call("store_i64_p" + (pools - 1), h, 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, shell.call("load_i64_p" + (pools - 1), h, 8), engine.name());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 16, 64, 256})
    void wabtValidatesEveryShell(int pools) throws Exception {
        Wabt.assertValid(ShellGenerator.builder().withPools(pools).build().generate());
    }

    @Test
    void configurationIsChecked() {
        assertThrows(
                IllegalArgumentException.class, () -> ShellGenerator.builder().withPools(0));
        assertThrows(
                IllegalArgumentException.class, () -> ShellGenerator.builder().withPools(257));
        assertThrows(IllegalArgumentException.class, () -> ShellGenerator.builder()
                .withInitialPages(10)
                .withMaximumPages(5)
                .build());
    }

    @Test
    void poolSizesFollowTheConfiguration() {
        byte[] wasm = ShellGenerator.builder()
                .withPools(3)
                .withInitialPages(2)
                .withMaximumPages(7)
                .build()
                .generate();
        WasmModule module = Parser.parse(wasm);
        var mem = module.memorySection().get().getMemory(2).limits();
        assertEquals(2, mem.initialPages());
        assertEquals(7, mem.maximumPages());
    }
}
