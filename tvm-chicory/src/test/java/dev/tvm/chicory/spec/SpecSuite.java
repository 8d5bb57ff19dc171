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
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A set of spec scripts, the known Chicory deviations in them, and their (cached) results.
 *
 * <p>Two suites exist:
 *
 * <ul>
 *   <li>{@link #configured()}: the scripts written for this project, committed as wast2json output
 *       under {@code src/test/resources/spec} (see {@code build.sh} there); or, with {@code
 *       -Dtvm.spectest.dir=DIR}, every {@code *.json} under {@code DIR} (recursively, module files
 *       next to each JSON), e.g. a testsuite converted by hand.
 *   <li>{@link #official()}: the memory scripts of the official WebAssembly core testsuite, read
 *       from {@code <repository>/../shared/wasm-testsuite} ({@code -Dtvm.wasm-testsuite.dir}) and
 *       converted with {@code wast2json} ({@code -Dtvm.wast2json}, default the one on the PATH) at
 *       test time into {@code target/wasm-testsuite} (see {@link WastConverter}). Its known
 *       deviations are the committed {@code spec/known-deviations-testsuite.txt}.
 * </ul>
 *
 * <p>{@code -Dtvm.spectest.files=GLOB,GLOB} narrows either suite to the scripts whose JSON path
 * (relative to the suite directory) or script name matches a glob, e.g. {@code memory*.json} or
 * {@code memory_copy*.wast}.
 */
final class SpecSuite {
    static final String DIR_PROPERTY = "tvm.spectest.dir";
    static final String FILES_PROPERTY = "tvm.spectest.files";
    static final String REPORT_PROPERTY = "tvm.spectest.report";
    static final String TESTSUITE_PROPERTY = "tvm.wasm-testsuite.dir";
    static final String WAST2JSON_PROPERTY = "tvm.wast2json";

    /** Known Chicory deviations of a suite: {@code known-deviations.txt} in its directory. */
    static final String DEVIATIONS_FILE = "known-deviations.txt";

    /** Known Chicory deviations of the official suite, next to the bundled scripts. */
    static final String TESTSUITE_DEVIATIONS = "known-deviations-testsuite.txt";

    /** The official scripts about linear memory (multi-memory and memory64 variants included). */
    static final Pattern MEMORY_SCRIPTS =
            Pattern.compile("(memory|address|align|load|store|endianness|float_memory|data|bulk|imports|linking)"
                    + "[-_0-9a-z]*\\.wast");

    static final String INSTALL_WABT = "engines/run.sh install wabt (or: apt-get install -y wabt)";

    private static volatile SpecSuite configured;
    private static volatile SpecSuite official;

    private final String label;
    private final Loader loader;
    private final Path deviationsFile;
    private final Map<String, List<SpecRunner.Outcome>> runs = new ConcurrentHashMap<>();
    private volatile List<WastScript> scripts;
    private volatile List<Deviation> deviations;

    /** Commands of one script that fail on Chicory itself, whatever the memory. */
    record Deviation(String engine, String script, Set<Integer> lines, String reason) {
        boolean covers(Engine e, WastScript s, int line) {
            return (engine.equals("*") || engine.equals(e.name())) && script.equals(s.name()) && lines.contains(line);
        }
    }

    /** Loads the scripts of a suite; may abort the tests (a JUnit assumption) saying what is missing. */
    private interface Loader {
        List<WastScript> load();
    }

    private SpecSuite(String label, Loader loader, Path deviationsFile) {
        this.label = label;
        this.loader = loader;
        this.deviationsFile = deviationsFile;
    }

    /** The project's own scripts, or those under {@code -Dtvm.spectest.dir}. */
    static SpecSuite configured() {
        SpecSuite s = configured;
        if (s == null) {
            synchronized (SpecSuite.class) {
                if (configured == null) {
                    Path dir = configuredDirectory();
                    configured = new SpecSuite(
                            bundled() ? "bundled" : dir.toString(), () -> loadJson(dir), dir.resolve(DEVIATIONS_FILE));
                }
                s = configured;
            }
        }
        return s;
    }

    /** The official testsuite's memory scripts, converted at test time. */
    static SpecSuite official() {
        SpecSuite s = official;
        if (s == null) {
            synchronized (SpecSuite.class) {
                if (official == null) {
                    official = new SpecSuite(
                            "official",
                            SpecSuite::loadOfficial,
                            resourceDirectory().resolve(TESTSUITE_DEVIATIONS));
                }
                s = official;
            }
        }
        return s;
    }

    /** Whether {@link #configured()} is the bundled suite (not an external directory). */
    static boolean bundled() {
        String dir = System.getProperty(DIR_PROPERTY);
        return dir == null || dir.isBlank();
    }

    private static Path configuredDirectory() {
        String dir = System.getProperty(DIR_PROPERTY);
        return bundled() ? resourceDirectory() : Path.of(dir).toAbsolutePath();
    }

    /** The bundled {@code spec/} resource directory. */
    private static Path resourceDirectory() {
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

    /** The official testsuite's directory: the property's, else {@code ../shared/wasm-testsuite} of the repository. */
    static Path testsuiteDirectory() {
        String dir = System.getProperty(TESTSUITE_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir).toAbsolutePath().normalize();
        }
        // tvm-chicory/ is the working directory of its tests: the repository is its parent
        return Path.of(System.getProperty("user.dir"), "..", "..", "shared", "wasm-testsuite")
                .toAbsolutePath()
                .normalize();
    }

    @Override
    public String toString() {
        return label;
    }

    List<WastScript> scripts() {
        List<WastScript> s = scripts;
        if (s == null) {
            synchronized (this) {
                if (scripts == null) {
                    scripts = loader.load();
                }
                s = scripts;
            }
        }
        return s;
    }

    private static List<PathMatcher> filters() {
        List<PathMatcher> filters = new ArrayList<>();
        String files = System.getProperty(FILES_PROPERTY);
        if (files != null && !files.isBlank()) {
            for (String glob : files.split(",")) {
                filters.add(FileSystems.getDefault().getPathMatcher("glob:" + glob.trim()));
            }
        }
        return filters;
    }

    private static boolean selected(List<PathMatcher> filters, String... names) {
        return filters.isEmpty()
                || filters.stream().anyMatch(m -> Stream.of(names).anyMatch(n -> m.matches(Path.of(n))));
    }

    private static List<WastScript> loadJson(Path root) {
        List<PathMatcher> filters = filters();
        List<WastScript> result = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p :
                    walk.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                String rel = root.relativize(p).toString().replace('\\', '/');
                WastScript script = WastScript.read(p, rel);
                if (selected(filters, rel, script.name())) {
                    result.add(script);
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

    private static List<WastScript> loadOfficial() {
        Path dir = testsuiteDirectory();
        Assumptions.assumeTrue(
                Files.isDirectory(dir),
                "the official WebAssembly testsuite is not at " + dir
                        + " (it is read from <repository>/../shared/wasm-testsuite, or -D" + TESTSUITE_PROPERTY
                        + "=DIR)");
        StringBuilder why = new StringBuilder();
        WastConverter converter = WastConverter.find(
                System.getProperty(WAST2JSON_PROPERTY, "wast2json"), Path.of("target", "wasm-testsuite"), why);
        Assumptions.assumeTrue(
                converter != null, () -> "wabt's wast2json is not installed (" + why + "): run " + INSTALL_WABT);
        List<PathMatcher> filters = filters();
        List<WastScript> result = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path wast : list.sorted().toList()) {
                String name = wast.getFileName().toString();
                if (MEMORY_SCRIPTS.matcher(name).matches() && selected(filters, name)) {
                    Path json = converter.convert(wast);
                    result.add(WastScript.read(json, json.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (result.isEmpty()) {
            throw new IllegalStateException("no memory scripts (" + MEMORY_SCRIPTS + ") in " + dir);
        }
        return List.copyOf(result);
    }

    List<Deviation> deviations() {
        List<Deviation> d = deviations;
        if (d == null) {
            d = loadDeviations(deviationsFile);
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
    List<SpecRunner.Outcome> outcomes(WastScript script, Engine engine, MemoryMode mode) {
        return runs.computeIfAbsent(script.json() + "|" + engine + "|" + mode, k -> {
            List<SpecRunner.Outcome> outcomes = new ArrayList<>();
            for (SpecRunner.Outcome o : SpecRunner.run(script, engine, mode)) {
                outcomes.add(applyDeviations(script, engine, o));
            }
            report(script, engine, mode, outcomes);
            return List.copyOf(outcomes);
        });
    }

    private SpecRunner.Outcome applyDeviations(WastScript script, Engine engine, SpecRunner.Outcome o) {
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
                            "listed in " + deviationsFile.getFileName()
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
