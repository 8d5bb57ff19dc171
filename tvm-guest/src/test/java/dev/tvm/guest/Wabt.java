package dev.tvm.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Cross-checks modules with wabt's {@code wasm-validate}; tests are skipped where wabt is absent. */
public final class Wabt {
    private Wabt() {}

    /** Asserts that {@code wasm-validate --enable-multi-memory} accepts {@code wasm}. */
    public static void assertValid(byte[] wasm) throws IOException, InterruptedException {
        String tool = findOnPath("wasm-validate");
        assumeTrue(tool != null, "wasm-validate (wabt) is not installed; skipping the wabt cross-check");
        Path file = Files.createTempFile("tvm-validate", ".wasm");
        try {
            Files.write(file, wasm);
            Process p = new ProcessBuilder(tool, "--enable-multi-memory", file.toString())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(true, p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static String findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            File f = new File(d, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }
}
