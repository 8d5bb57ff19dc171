package dev.tvm.chicory.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tvm.chicory.Engine;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The checks every spec suite gets (see {@link SpecSuite} for the suites): its scripts run command
 * by command in both Chicory engines, once with every memory a region ({@code RegionMemories}, the
 * subject) and once with Chicory's {@code ByteArrayMemory} (the control, which shows the scripts
 * and the runner are right). Each command is a dynamic test named {@code file.wast:line command};
 * skipped commands are reported as aborted with the reason. {@link #sameVerdicts()} then demands
 * that both memories give every command the same verdict, so a command that fails only on regions
 * stands out as a region bug, and one failing on both as a Chicory (or script) matter.
 *
 * <p>Documented in {@code docs/spec-tests.md}.
 */
abstract class SpecChecks {

    /** The suite these checks run. */
    abstract SpecSuite suite();

    @TestFactory
    Stream<DynamicNode> regionMemory() {
        return run(MemoryMode.REGION);
    }

    @TestFactory
    Stream<DynamicNode> byteArrayMemory() {
        return run(MemoryMode.BYTE_ARRAY);
    }

    @TestFactory
    Stream<DynamicNode> sameVerdicts() {
        SpecSuite suite = suite();
        List<WastScript> scripts = suite.scripts();
        return Stream.of(Engine.values())
                .map(engine -> DynamicContainer.dynamicContainer(
                        engine.name(),
                        scripts.stream()
                                .map(script -> DynamicTest.dynamicTest(
                                        script.name(), sourceUri(script, 1), () -> compare(suite, script, engine)))));
    }

    /** Verdict counts of the whole suite, per engine and memory. */
    record Counts(int commands, int pass, int fail, int skip) {
        static Counts of(SpecSuite suite, List<WastScript> scripts, Engine engine, MemoryMode mode) {
            Map<SpecRunner.Verdict, Integer> counts = new EnumMap<>(SpecRunner.Verdict.class);
            int commands = 0;
            for (WastScript s : scripts) {
                for (SpecRunner.Outcome o : suite.outcomes(s, engine, mode)) {
                    counts.merge(o.verdict(), 1, Integer::sum);
                    commands++;
                }
            }
            return new Counts(
                    commands,
                    counts.getOrDefault(SpecRunner.Verdict.PASS, 0),
                    counts.getOrDefault(SpecRunner.Verdict.FAIL, 0),
                    counts.getOrDefault(SpecRunner.Verdict.SKIP, 0));
        }

        @Override
        public String toString() {
            return String.format("commands %5d  pass %5d  fail %3d  skip %4d", commands, pass, fail, skip);
        }
    }

    /**
     * Runs the whole suite in every engine and memory, prints the counts and demands that no
     * command failed.
     */
    static void assertPassesEverywhere(SpecSuite suite) {
        StringBuilder report = new StringBuilder();
        List<String> failed = new ArrayList<>();
        for (Engine engine : Engine.values()) {
            for (MemoryMode mode : MemoryMode.values()) {
                Counts c = Counts.of(suite, suite.scripts(), engine, mode);
                report.append(String.format("%-11s %-10s %s%n", engine, mode, c));
                if (c.fail() > 0) {
                    failed.add(engine + " " + mode + ": " + c.fail() + " failures");
                }
            }
        }
        System.out.println("spec suite " + suite + ": " + suite.scripts().size() + " scripts");
        System.out.print(report);
        assertEquals(List.of(), failed);
    }

    private Stream<DynamicNode> run(MemoryMode mode) {
        SpecSuite suite = suite();
        List<WastScript> scripts = suite.scripts();
        return Stream.of(Engine.values())
                .map(engine -> DynamicContainer.dynamicContainer(
                        engine.name(),
                        scripts.stream()
                                .map(script -> DynamicContainer.dynamicContainer(
                                        script.name(),
                                        sourceUri(script, 1),
                                        // flatMap is lazy: the script runs when JUnit reaches it
                                        Stream.of(script).flatMap(s -> suite.outcomes(s, engine, mode).stream()
                                                .map(o -> test(s, o, engine, mode)))))));
    }

    private static DynamicTest test(WastScript script, SpecRunner.Outcome o, Engine engine, MemoryMode mode) {
        // Engine and memory in the name too, so that no two tests share one (reports merge those).
        String name = script.name() + ":" + o.command().line() + " " + o.title() + " [" + engine + ", " + mode + "]";
        return DynamicTest.dynamicTest(name, sourceUri(script, o.command().line()), () -> {
            switch (o.verdict()) {
                case PASS:
                    return;
                case SKIP:
                    Assumptions.abort(o.detail());
                    return;
                default:
                    fail(o.detail());
            }
        });
    }

    private static void compare(SpecSuite suite, WastScript script, Engine engine) {
        List<SpecRunner.Outcome> region = suite.outcomes(script, engine, MemoryMode.REGION);
        List<SpecRunner.Outcome> plain = suite.outcomes(script, engine, MemoryMode.BYTE_ARRAY);
        assertEquals(plain.size(), region.size());
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < region.size(); i++) {
            SpecRunner.Outcome r = region.get(i);
            SpecRunner.Outcome p = plain.get(i);
            if (r.verdict() != p.verdict()) {
                differences.add(script.name() + ":" + r.command().line() + " " + r.title() + ": region " + r.verdict()
                        + " (" + r.detail() + "), ByteArrayMemory " + p.verdict() + " (" + p.detail() + ")");
            }
        }
        if (!differences.isEmpty()) {
            fail(differences.size() + " commands differ:\n  " + String.join("\n  ", differences));
        }
    }

    /** The .wast source when it sits next to the JSON (the bundled suite), else the JSON. */
    private static URI sourceUri(WastScript script, int line) {
        Path wast = script.json()
                .resolveSibling(Path.of(script.name()).getFileName().toString());
        Path file = wast.toFile().isFile() ? wast : script.json();
        return URI.create(file.toUri() + "?line=" + line);
    }
}
