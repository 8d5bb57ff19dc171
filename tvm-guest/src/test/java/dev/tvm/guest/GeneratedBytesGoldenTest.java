package dev.tvm.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tvm.guest.link.LinkException;
import dev.tvm.guest.link.Linker;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shells the generator emits and the modules the linker writes are byte-identical to the ones
 * recorded in {@code generated-bytes.sha256}: a refactoring of either (named constants, shared
 * helpers) must not change one byte of their output. Covers every builder option at its default,
 * its limits and the values the CLI, the benchmarks and the tests use, and every guest in {@code
 * guests/wasm} linked with a 4-pool shell. An intended change of the output re-records the file
 * with {@code -Dtvm.golden.record=true} (and says why in its commit).
 */
class GeneratedBytesGoldenTest {
    private static final String RESOURCE = "generated-bytes.sha256";

    private static final Map<String, UnaryOperator<ShellGenerator.Builder>> SHELLS = shells();

    private static Map<String, UnaryOperator<ShellGenerator.Builder>> shells() {
        Map<String, UnaryOperator<ShellGenerator.Builder>> m = new LinkedHashMap<>();
        m.put("shell-default", b -> b);
        for (int pools : new int[] {2, 3, 4, 8, 17, 256}) {
            m.put("shell-pools-" + pools, b -> b.withPools(pools));
        }
        m.put(
                "shell-bench",
                b -> b.withPools(4).withMaximumPages(32767).withMaxRegions(8).withSlotsPerRegion(65536));
        m.put("shell-initial-0", b -> b.withInitialPages(0));
        m.put("shell-initial-16", b -> b.withPools(2).withInitialPages(16).withMaximumPages(64));
        m.put("shell-max-pages-65536", b -> b.withMaximumPages(65536));
        m.put("shell-max-pages-1", b -> b.withInitialPages(1).withMaximumPages(1));
        m.put("shell-one-region-one-slot", b -> b.withMaxRegions(1).withSlotsPerRegion(1));
        m.put("shell-max-regions-65535", b -> b.withMaxRegions(65535).withSlotsPerRegion(16));
        m.put("shell-slots-2^20", b -> b.withMaxRegions(2).withSlotsPerRegion(1 << 20));
        m.put("shell-small", b -> b.withSlotsPerRegion(3).withMaxRegions(2));
        return m;
    }

    /** Every recorded output, in a stable order: name, then SHA-256 (or the linker's refusal). */
    private static Map<String, String> current() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        SHELLS.forEach((name, options) -> out.put(
                name, sha256(options.apply(ShellGenerator.builder()).build().generate())));
        byte[] shell = ShellGenerator.builder().withPools(4).build().generate();
        Path dir = Path.of(System.getProperty("tvm.guests.dir", "../guests"), "wasm");
        try (Stream<Path> guests = Files.list(dir)) {
            for (Path guest :
                    guests.filter(p -> p.toString().endsWith(".wasm")).sorted().toList()) {
                byte[] bytes = Files.readAllBytes(guest);
                String name = guest.getFileName().toString();
                out.put("linked-" + name, linked(Linker.builder().build(), bytes, shell));
                out.put(
                        "linked-alias-unprefixed-" + name,
                        linked(
                                Linker.builder()
                                        .withMemoryAlias("guest_memory")
                                        .withShellExportPrefix(null)
                                        .build(),
                                bytes,
                                shell));
            }
        }
        return out;
    }

    private static String linked(Linker linker, byte[] guest, byte[] shell) {
        try {
            return sha256(linker.link(guest, shell).wasm());
        } catch (LinkException e) {
            return "refused";
        }
    }

    @Test
    void generatedShellsAndLinkedModulesAreByteIdenticalToTheRecordedOnes() throws IOException {
        String actual = current().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining("\n", "", "\n"));
        if (Boolean.getBoolean("tvm.golden.record")) {
            Path file = Path.of("src/test/resources/dev/tvm/guest", RESOURCE);
            Files.writeString(file, actual);
            return;
        }
        String expected;
        try (InputStream in = GeneratedBytesGoldenTest.class.getResourceAsStream(RESOURCE)) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(expected, actual);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
