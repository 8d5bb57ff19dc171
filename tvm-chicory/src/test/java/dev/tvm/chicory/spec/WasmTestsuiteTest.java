package dev.tvm.chicory.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.chicory.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The memory scripts of the official WebAssembly core testsuite ({@code ../shared/wasm-testsuite}:
 * memory, address, align, load, store, endianness, float_memory, memory_trap, memory_copy,
 * memory_fill, memory_init, data, bulk, imports and linking, with their multi-memory and memory64
 * variants) on region-backed memories and on {@code ByteArrayMemory}, in both engines: see {@link
 * SpecChecks} and {@link SpecSuite#official()}. Skips (aborts) when the testsuite or wabt's
 * wast2json is missing, saying how to install it.
 */
class WasmTestsuiteTest extends SpecChecks {

    @Override
    SpecSuite suite() {
        return SpecSuite.official();
    }

    /** Every memory script of the testsuite is converted and runs, and no command fails anywhere. */
    @Test
    void everyMemoryScriptRunsAndPasses() throws IOException {
        List<WastScript> scripts = suite().scripts();
        String filter = System.getProperty(SpecSuite.FILES_PROPERTY);
        if (filter == null || filter.isBlank()) {
            List<String> expected;
            try (Stream<Path> list = Files.list(SpecSuite.testsuiteDirectory())) {
                expected = list.map(p -> p.getFileName().toString())
                        .filter(n -> SpecSuite.MEMORY_SCRIPTS.matcher(n).matches())
                        .sorted()
                        .toList();
            }
            assertEquals(expected, scripts.stream().map(WastScript::name).toList());
            assertTrue(
                    expected.contains("memory-multi.wast") && expected.contains("memory_copy.wast"),
                    expected::toString);
        }
        printPerScript(scripts);
        assertPassesEverywhere(suite());
    }

    /** A table for docs/spec-tests.md: commands per script and their verdicts in each engine (regions). */
    private void printPerScript(List<WastScript> scripts) {
        StringBuilder sb = new StringBuilder(
                "| script | commands | pass (interpreter) | skip (interpreter) | pass (compiler) | skip (compiler) |\n|---|---:|---:|---:|---:|---:|\n");
        for (WastScript s : scripts) {
            Counts i = Counts.of(suite(), List.of(s), Engine.INTERPRETER, MemoryMode.REGION);
            Counts c = Counts.of(suite(), List.of(s), Engine.COMPILER, MemoryMode.REGION);
            sb.append(String.format(
                    "| `%s` | %d | %d | %d | %d | %d |%n",
                    s.name(), i.commands(), i.pass(), i.skip(), c.pass(), c.skip()));
        }
        System.out.print(sb);
    }
}
