package dev.tvm.guest.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.guest.ShellGenerator;
import dev.tvm.guest.Wabt;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every index space the linker renumbers, exercised by {@code guests/src/link_features.wat}: a guest
 * with two memories, passive/active/declarative element segments, passive data, call_indirect,
 * ref.func, globals and a start function, linked with shells of several sizes and run in Chicory.
 */
class LinkerTest {
    private static byte[] features() throws IOException {
        return Files.readAllBytes(
                Path.of(System.getProperty("tvm.guests.dir", "../guests"), "wasm", "link_features.wasm"));
    }

    private static byte[] shell(int pools) {
        return ShellGenerator.builder()
                .withPools(pools)
                .withMaximumPages(64)
                .build()
                .generate();
    }

    private static long le(String s) {
        byte[] b = java.util.Arrays.copyOf(s.getBytes(StandardCharsets.US_ASCII), 8);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 5})
    void linkedFeatureGuestBehavesInBothEngines(int pools) throws Exception {
        Linker.Result r = Linker.builder().build().link(features(), shell(pools));
        assertTrue(r.remaining().isEmpty(), r.remaining().toString());
        Wabt.assertValid(r.wasm());
        WasmModule module = Parser.parse(r.wasm());
        assertEquals(2 + pools + 1, module.memorySection().get().memoryCount(), "guest 2, pools, meta");
        for (boolean compiled : new boolean[] {false, true}) {
            // one parse per instance: Chicory 1.7.5 lets two instances of one parsed WasmModule share
            // table growth (the second instance's table.grow leaves the new slots uninitialised)
            Instance.Builder b = Instance.builder(Parser.parse(r.wasm()));
            if (compiled) {
                b.withMachineFactory(MachineFactoryCompiler::compile);
            }
            Instance i = b.build();
            String engine = compiled ? "compiler" : "interpreter";
            assertEquals(1, i.export("started").apply()[0], engine);
            assertEquals(10 + 4 + 21, i.export("indirect").apply(7, 3)[0], engine);
            assertEquals(6 + 7, i.export("tables").apply()[0], engine);
            assertEquals(le("passive ") + 42, i.export("bulk").apply()[0], engine);
            assertEquals(le("linked!") + 99 + 99, i.export("through_pool").apply()[0], engine);
            assertEquals(12, i.export("sizes").apply()[0], engine);
            // the region the guest made is in pool 1 of the shell, exported with the prefix
            assertEquals(1, i.export("tvm_region_stat").apply(1 << 12 | 1, 0)[0], engine);
            assertEquals(99, i.exports().memory("tvm_pool1").readLong(8), engine);
        }
    }

    @Test
    void namesSurviveAndTheShellIsNamed() throws Exception {
        byte[] wasm = Linker.builder().build().link(features(), shell(2)).wasm();
        WasmModule module = Parser.parse(wasm);
        List<String> names = new ArrayList<>();
        for (int f = 0; f < module.functionSection().functionCount() + 6; f++) {
            String n =
                    module.nameSection() == null ? null : module.nameSection().nameOfFunction(f);
            if (n != null) {
                names.add(n);
            }
        }
        assertTrue(names.contains("tvm_shell:alloc"), names.toString());
        assertTrue(names.contains("tvm_shell:copy_in"), names.toString());
        assertTrue(names.contains("tvm_shell:check"), "internal helpers keep the shell's names: " + names);
        assertTrue(names.stream().noneMatch(n -> n.startsWith("tvm_shell:#")), names.toString());
    }

    @Test
    void withoutShellExportsOnlyTheGuestsRemain() throws Exception {
        byte[] wasm = Linker.builder()
                .withShellExportPrefix(null)
                .build()
                .link(features(), shell(1))
                .wasm();
        var exports = Parser.parse(wasm).exportSection();
        for (int k = 0; k < exports.exportCount(); k++) {
            assertTrue(
                    !exports.getExport(k).name().startsWith("tvm_"),
                    exports.getExport(k).name());
        }
    }

    @Test
    void anExportNameClashIsRefused() {
        byte[] guest = Wasm.module(Wasm.voidType(), Wasm.oneFunction(), Wasm.sec(7, 1, "alloc", 0, 0), Wasm.code(0x0b));
        LinkException e = assertThrows(
                LinkException.class,
                () -> Linker.builder().withShellExportPrefix("").build().link(guest, shell(1)));
        assertTrue(e.getMessage().contains("exports 'alloc'"), e.getMessage());
    }

    @Test
    void aliasingMemoryOverAnotherExportIsRefused() {
        byte[] guest = Wasm.module(
                Wasm.voidType(),
                Wasm.oneFunction(),
                Wasm.sec(5, 1, 0, 1),
                Wasm.sec(7, 1, "memory", 0, 0),
                Wasm.code(0x0b));
        LinkException e = assertThrows(
                LinkException.class,
                () -> Linker.builder().withMemoryAlias("memory").build().link(guest, shell(1)));
        assertTrue(e.getMessage().contains("exports a function of that name"), e.getMessage());
    }

    @Test
    void bothStartFunctionsRunShellFirst() {
        // a "shell" with a start function that sets its global, and a guest whose start reads nothing
        byte[] shellWithStart = Wasm.module(
                Wasm.voidType(),
                Wasm.sec(3, 1, 0),
                Wasm.sec(6, 1, 0x7f, 1, 0x41, 0, 0x0b),
                Wasm.sec(7, 1, "flag", 3, 0),
                Wasm.sec(8, 0),
                Wasm.code(0x41, 5, 0x24, 0, 0x0b));
        byte[] guest = Wasm.module(
                Wasm.voidType(),
                Wasm.sec(3, 1, 0),
                Wasm.sec(6, 1, 0x7f, 1, 0x41, 0, 0x0b),
                Wasm.sec(7, 1, "mine", 3, 0),
                Wasm.sec(8, 0),
                Wasm.code(0x41, 7, 0x24, 0, 0x0b));
        Linker.Result r = Linker.builder().build().link(guest, shellWithStart);
        assertTrue(r.notes().get(0).contains("start"), r.notes().toString());
        Instance i = Instance.builder(Parser.parse(r.wasm())).build();
        assertEquals(7, i.exports().global("mine").getValue());
        assertEquals(5, i.exports().global("tvm_flag").getValue());
    }
}
