package dev.tvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tvm demo} on a spill disk that fills up: a child JVM runs the demo under a file-size limit
 * ({@code ulimit -f}: the kernel refuses every write past 8 MiB with EFBIG, as a full disk refuses
 * with ENOSPC), and the demo must end with one line that names the spill directory and carries
 * the cause down to what the file system said.
 */
class DemoDiskFullTest {
    @Test
    void aFullSpillDiskEndsTheDemoWithOneLineNamingTheDirectoryAndTheCause(@TempDir Path spill)
            throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = List.of(
                "bash",
                "-c",
                "ulimit -f 8192; exec \"$0\" \"$@\"", // 8192 blocks of 1 KiB
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-Xss4m",
                "-cp",
                System.getProperty("java.class.path"),
                TvmCommand.class.getName(),
                "demo",
                "--size",
                "48m",
                "--regions",
                "2",
                "--budget",
                "4m",
                "--spill-dir",
                spill.toString());
        Process p = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the demo ends");
        assertEquals(Exit.IO, p.exitValue(), err);
        assertFalse(err.contains("\tat "), err);
        assertFalse(err.contains("Exception in thread"), err);
        List<String> errorLines =
                err.lines().filter(l -> l.startsWith("tvm demo: ")).toList();
        assertEquals(1, errorLines.size(), err);
        String line = errorLines.get(0);
        assertEquals(line, err.lines().reduce((a, b) -> b).orElseThrow(), "the error line is the last line");
        for (String part : new String[] {"--spill-dir " + spill, "demo_fill failed", "NO_MEMORY", "File too large"}) {
            assertTrue(line.contains(part), "'" + part + "' in: " + line);
        }
    }
}
