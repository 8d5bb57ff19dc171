package dev.tvm.bench.matrix;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the committed workload binaries, {@code bench/workloads/wasm/<workload>-<suffix>.wasm}.
 *
 * <p>Search order: the system property {@value #PROPERTY} (that directory itself); {@code
 * ../bench/workloads/wasm} next to the {@code tvm.guests.dir} the build passes; walking up from the
 * working directory; walking up from this class's jar. JMH forks inherit {@code -D} options and
 * the working directory, so a fork finds what its host found.
 */
public final class WorkloadFiles {
    /** Overrides the directory holding the workload {@code .wasm} files. */
    public static final String PROPERTY = "tvm.bench.workloads.dir";

    private static final Path RELATIVE = Path.of("bench", "workloads", "wasm");

    private WorkloadFiles() {}

    /** The file of {@code workload} compiled for {@code suffix} ({@link Variant#fileSuffix()}). */
    public static Path wasm(Workload workload, String suffix) {
        String name = workload.id() + "-" + suffix + ".wasm";
        return directory().resolve(name);
    }

    /** The directory with the workload binaries. */
    public static Path directory() {
        List<Path> tried = new ArrayList<>();
        for (Path dir : candidates()) {
            if (Files.isRegularFile(dir.resolve("seq-sum-m32.wasm"))) {
                return dir.toAbsolutePath().normalize();
            }
            tried.add(dir.toAbsolutePath().normalize());
        }
        throw new IllegalStateException("bench/workloads/wasm not found; looked in " + tried
                + ". Run from the repository root or pass -D" + PROPERTY + "=<repo>/bench/workloads/wasm");
    }

    private static List<Path> candidates() {
        List<Path> out = new ArrayList<>();
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            out.add(Path.of(property));
        }
        String guests = System.getProperty("tvm.guests.dir");
        if (guests != null && !guests.isBlank()) {
            Path parent = Path.of(guests).toAbsolutePath().getParent();
            if (parent != null) {
                out.add(parent.resolve(RELATIVE));
            }
        }
        walkUp(Path.of(System.getProperty("user.dir", ".")).toAbsolutePath(), out);
        try {
            var source = WorkloadFiles.class.getProtectionDomain().getCodeSource();
            if (source != null) {
                walkUp(Path.of(source.getLocation().toURI()), out);
            }
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            // no jar location: the other candidates decide
        }
        return out;
    }

    private static void walkUp(Path start, List<Path> out) {
        for (Path d = start; d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve(RELATIVE))) {
                out.add(d.resolve(RELATIVE));
                return;
            }
        }
    }
}
