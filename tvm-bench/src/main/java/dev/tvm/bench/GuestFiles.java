package dev.tvm.bench;

import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.chicory.TvmGuest;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the committed guest binaries ({@code guests/wasm/*.wasm}) from inside a JMH fork.
 *
 * <p>Search order:
 *
 * <ol>
 *   <li>the system property {@value #PROPERTY}: either the {@code guests} directory (what the Maven
 *       build and the tests pass) or the {@code guests/wasm} directory itself;
 *   <li>walking up from the working directory ({@code user.dir}), which JMH forks inherit, looking
 *       for {@code guests/wasm};
 *   <li>walking up from the location of the benchmark jar ({@code tvm-bench/target/benchmarks.jar}
 *       sits two levels below the repository root).
 * </ol>
 *
 * So {@code java -jar tvm-bench/target/benchmarks.jar} works from the repository root (or any
 * directory under it) with no flags. JMH forks inherit the host VM's {@code -D} options, so a
 * property given to the host reaches the forks too.
 */
final class GuestFiles {
    /** Same property the tests and the CLI build use. */
    static final String PROPERTY = "tvm.guests.dir";

    private GuestFiles() {}

    /** The path of {@code guests/wasm/NAME}. */
    static Path wasm(String name) {
        List<Path> tried = new ArrayList<>();
        for (Path dir : candidates()) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                return file.toAbsolutePath().normalize();
            }
            tried.add(dir.toAbsolutePath().normalize());
        }
        throw new IllegalStateException("guest binary " + name + " not found; looked in " + tried
                + ". Run from the repository root or pass -D" + PROPERTY + "=<repo>/guests");
    }

    /** Parses {@code guests/wasm/NAME}. */
    static WasmModule module(String name) {
        return TvmGuest.parse(wasm(name));
    }

    private static List<Path> candidates() {
        List<Path> out = new ArrayList<>();
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            Path p = Path.of(property);
            out.add(p.resolve("wasm"));
            out.add(p);
        }
        walkUp(Path.of(System.getProperty("user.dir", ".")).toAbsolutePath(), out);
        Path jar = jarLocation();
        if (jar != null) {
            walkUp(jar, out);
        }
        return out;
    }

    private static void walkUp(Path start, List<Path> out) {
        for (Path d = start; d != null; d = d.getParent()) {
            Path wasm = d.resolve("guests").resolve("wasm");
            if (Files.isDirectory(wasm)) {
                out.add(wasm);
                return;
            }
        }
    }

    private static Path jarLocation() {
        try {
            var source = GuestFiles.class.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }
}
