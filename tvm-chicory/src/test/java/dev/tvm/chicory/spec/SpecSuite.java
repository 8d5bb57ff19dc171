package dev.tvm.chicory.spec;

import dev.tvm.chicory.Engine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The scripts to run and their (cached) results.
 *
 * <p>By default the suite is the scripts written for this project, committed as wast2json output
 * under {@code src/test/resources/spec} (see {@code build.sh} there). {@code
 * -Dtvm.spectest.dir=DIR} runs every {@code *.json} under {@code DIR} instead (recursively, module
 * files next to each JSON), e.g. the official testsuite converted with wast2json; {@code
 * -Dtvm.spectest.files=GLOB,GLOB} narrows either set to the JSON paths (relative to the suite
 * directory) matching any of the globs, e.g. {@code memory*.json,proposals/multi-memory/*}.
 */
final class SpecSuite {
    static final String DIR_PROPERTY = "tvm.spectest.dir";
    static final String FILES_PROPERTY = "tvm.spectest.files";
    static final String REPORT_PROPERTY = "tvm.spectest.report";

    /** Known Chicory deviations of a suite: {@code known-deviations.txt} in its directory. */
    static final String DEVIATIONS_FILE = "known-deviations.txt";

    private static final Map<String, List<SpecRunner.Outcome>> RUNS = new ConcurrentHashMap<>();
    private static volatile List<WastScript> scripts;
    private static volatile List<Deviation> deviations;

    /** Commands of one script that fail on Chicory itself, whatever the memory. */
    record Deviation(String engine, String script, Set<Integer> lines, String reason) {
        boolean covers(Engine e, WastScript s, int line) {
            return (engine.equals("*") || engine.equals(e.name())) && script.equals(s.name()) && lines.contains(line);
        }
    }

    private SpecSuite() {}

    /** The suite directory: the property's, or the bundled resources. */
    static Path directory() {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir).toAbsolutePath();
        }
        URL url = SpecSuite.class.getResource("/spec");
        if (url == null) {
            throw new IllegalStateException("no spec/ directory on the test classpath");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the bundled suite (not an external directory) is running. */
    static boolean bundled() {
        String dir = System.getProperty(DIR_PROPERTY);
        return dir == null || dir.isBlank();
    }

    static List<WastScript> scripts() {
        List<WastScript> s = scripts;
        if (s == null) {
            s = load();
            scripts = s;
        }
        return s;
    }

    private static List<WastScript> load() {
        Path root = directory();
        List<PathMatcher> filters = new ArrayList<>();
        String files = System.getProperty(FILES_PROPERTY);
        if (files != null && !files.isBlank()) {
            for (String glob : files.split(",")) {
                filters.add(FileSystems.getDefault().getPathMatcher("glob:" + glob.trim()));
            }
        }
        List<WastScript> result = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p :
                    walk.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                Path rel = root.relativize(p);
                if (filters.isEmpty() || filters.stream().anyMatch(m -> m.matches(rel))) {
                    result.add(WastScript.read(p, rel.toString().replace('\\', '/')));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (result.isEmpty()) {
            throw new IllegalStateException("no wast2json scripts (*.json) under " + root);
        }
        return List.copyOf(result);
    }

    static List<Deviation> deviations() {
        List<Deviation> d = deviations;
        if (d == null) {
            d = loadDeviations(directory().resolve(DEVIATIONS_FILE));
            deviations = d;
        }
        return d;
    }

    private static List<Deviation> loadDeviations(Path file) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<Deviation> result = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\\s+", 3);
                int colon = parts.length < 3 ? -1 : parts[1].lastIndexOf(':');
                if (colon < 0) {
                    throw new IllegalStateException(file + ": cannot read '" + line + "'");
                }
                Set<Integer> lines = new HashSet<>();
                for (String n : parts[1].substring(colon + 1).split(",")) {
                    lines.add(Integer.parseInt(n));
                }
                result.add(new Deviation(parts[0], parts[1].substring(0, colon), Set.copyOf(lines), parts[2]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(result);
    }

    /**
     * The outcomes of one script in one engine on one kind of memory; each run happens once.
     * Listed deviations turn a failure into a skip carrying the reason, and a pass into a
     * failure (the entry is stale).
     */
    static List<SpecRunner.Outcome> outcomes(WastScript script, Engine engine, MemoryMode mode) {
        return RUNS.computeIfAbsent(script.json() + "|" + engine + "|" + mode, k -> {
            List<SpecRunner.Outcome> outcomes = new ArrayList<>();
            for (SpecRunner.Outcome o : SpecRunner.run(script, engine, mode)) {
                outcomes.add(applyDeviations(script, engine, o));
            }
            report(script, engine, mode, outcomes);
            return List.copyOf(outcomes);
        });
    }

    private static SpecRunner.Outcome applyDeviations(WastScript script, Engine engine, SpecRunner.Outcome o) {
        for (Deviation d : deviations()) {
            if (!d.covers(engine, script, o.command().line())) {
                continue;
            }
            switch (o.verdict()) {
                case FAIL:
                    return new SpecRunner.Outcome(
                            o.command(),
                            o.title(),
                            SpecRunner.Verdict.SKIP,
                            "known Chicory deviation: " + d.reason() + " [observed: " + o.detail() + "]");
                case PASS:
                    return new SpecRunner.Outcome(
                            o.command(),
                            o.title(),
                            SpecRunner.Verdict.FAIL,
                            "listed in " + DEVIATIONS_FILE
                                    + " as a Chicory deviation, but it passes: remove the entry");
                default:
                    return o;
            }
        }
        return o;
    }

    /**
     * With {@code -Dtvm.spectest.report=FILE}, appends every outcome, details included, as
     * tab-separated lines: engine, memory, file:line, command, verdict, detail. For triaging a suite.
     */
    private static void report(WastScript script, Engine engine, MemoryMode mode, List<SpecRunner.Outcome> outcomes) {
        String file = System.getProperty(REPORT_PROPERTY);
        if (file == null || file.isBlank()) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (SpecRunner.Outcome o : outcomes) {
            sb.append(engine)
                    .append('\t')
                    .append(mode)
                    .append('\t')
                    .append(script.name())
                    .append(':')
                    .append(o.command().line())
                    .append('\t')
                    .append(o.title())
                    .append('\t')
                    .append(o.verdict())
                    .append('\t')
                    .append(o.detail() == null ? "" : o.detail().replace('\n', ' '))
                    .append('\n');
        }
        synchronized (SpecSuite.class) {
            try {
                Files.writeString(
                        Path.of(file),
                        sb,
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
