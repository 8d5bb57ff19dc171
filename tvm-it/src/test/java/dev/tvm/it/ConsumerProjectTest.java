package dev.tvm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Builds {@code src/it/consumer}, a project that depends on tvm-bom and tvm-chicory as a user
 * would, against artifacts installed by a nested Maven build, so that a broken POM (a missing
 * version, a test-scoped or optional dependency the library needs, a BOM that does not import) or
 * a broken embedding API fails {@code mvn test}.
 *
 * <p>Both nested builds use the repository {@code target/it-repo}, never the shared local
 * repository: the libraries are installed there, and third-party artifacts are copied into it from
 * the outer build's local repository (read as a file repository, releases only) or, when missing
 * there, downloaded from Maven Central.
 */
class ConsumerProjectTest {
    private static final long TIMEOUT_MINUTES = 5;

    private final Path root = Path.of(property("tvm.it.root"));
    private final Path target = Path.of("target").toAbsolutePath();
    private final Path work = target.resolve("it");
    private final Path repository = target.resolve("it-repo");

    @Test
    void aConsumerProjectBuildsAndRunsAgainstTheInstalledArtifacts() throws Exception {
        Files.createDirectories(work);
        Path settings = writeSettings(Path.of(property("tvm.it.outerRepository")));

        maven(
                root,
                settings,
                work.resolve("install.log"),
                "install",
                "-pl",
                "tvm-bom,tvm-chicory",
                "-am",
                "-Dmaven.test.skip=true",
                "-Dspotless.check.skip=true");

        Path consumer = work.resolve("consumer");
        deleteTree(consumer);
        copyTree(Path.of("src/it/consumer"), consumer);
        Path guest = Path.of(property("tvm.guests.dir"), "wasm", "list_sum.wasm");
        maven(
                consumer,
                settings,
                work.resolve("consumer.log"),
                "test",
                "-Dtvm.version=" + property("tvm.it.version"),
                "-Dtvm.guest=" + guest);

        Path report = consumer.resolve("target/surefire-reports/TEST-example.EmbedTest.xml");
        assertTrue(Files.exists(report), "the consumer's tests did not run: no " + report);
        String xml = Files.readString(report);
        assertTrue(xml.contains("tests=\"2\""), "the consumer ran other than its 2 tests: " + report);
        assertTrue(xml.contains("failures=\"0\"") && xml.contains("errors=\"0\""), "see " + report);
    }

    /** Runs the Maven running this build on {@code dir}, in the JDK running this test. */
    private void maven(Path dir, Path settings, Path log, String... goalsAndOptions)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(property("maven.home"), "bin", "mvn").toString(),
                "-B",
                "-Dstyle.color=never",
                "-s",
                settings.toString(),
                "-Dmaven.repo.local=" + repository));
        command.addAll(List.of(goalsAndOptions));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            fail("nested build timed out after " + TIMEOUT_MINUTES + " min: " + command + "\n" + tail(log));
        }
        assertEquals(0, process.exitValue(), () -> "nested build failed: " + command + "\n" + tail(log));
    }

    /** Settings that add the outer local repository as a read-only release repository. */
    private Path writeSettings(Path outerRepository) throws IOException {
        String repository =
                """
                    <id>tvm-it-outer</id>
                    <url>%s</url>
                    <releases><enabled>true</enabled><checksumPolicy>ignore</checksumPolicy></releases>
                    <snapshots><enabled>false</enabled></snapshots>
                """
                        .formatted(outerRepository.toUri());
        String settings =
                """
                <settings>
                  <profiles>
                    <profile>
                      <id>tvm-it</id>
                      <repositories><repository>%s</repository></repositories>
                      <pluginRepositories><pluginRepository>%s</pluginRepository></pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles><activeProfile>tvm-it</activeProfile></activeProfiles>
                </settings>
                """
                        .formatted(repository, repository);
        return Files.writeString(work.resolve("settings.xml"), settings);
    }

    /** The last 60 lines of a nested build's log, for a failure message. */
    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(its log " + log + " is unreadable: " + e + ")";
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path copy = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(path, copy);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path :
                    paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + name + " is not set (see tvm-it/pom.xml)");
        }
        return value;
    }
}
