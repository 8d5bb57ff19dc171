package dev.tvm.chicory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * 1,000,000 fuzzed handle operations from real guests through the raw ABI imports (live, stale,
 * forged, foreign and bit-flipped handles; negative, huge and edge offsets and lengths; guest
 * pointers outside memory 0), every outcome checked against {@link RawAbiModel}: no escape, no
 * undocumented outcome. Prints the count of every outcome kind. Episodes of 10,000 operations on
 * fresh guests, a fixed seed each, both engines.
 */
class HandleEscapeTest {
    private static final int OPERATIONS = Integer.getInteger("tvm.escape.operations", 1_000_000);
    private static final int EPISODE = 10_000;

    @Test
    void millionFuzzedHandleOperationsNeverEscape() {
        long operations = 0;
        long sweepReads = 0;
        long escapes = 0;
        long mismatches = 0;
        Map<String, Long> outcomes = new TreeMap<>();
        StringBuilder reports = new StringBuilder();
        long start = System.nanoTime();
        for (int episode = 0; operations < OPERATIONS; episode++) {
            Engine engine = episode % 10 == 9 ? Engine.COMPILER : Engine.INTERPRETER;
            SplittableRandom random = new SplittableRandom(0x7e57_0000L + episode);
            RawAbiModel.Choices choices = RawAbiModel.Choices.of(random);
            try (RawAbiModel model = new RawAbiModel(engine)) {
                while (model.operations() < EPISODE && operations + model.operations() < OPERATIONS) {
                    model.step(choices);
                }
                model.sweep();
                operations += model.operations();
                sweepReads += model.sweepReads();
                escapes += model.escapes();
                mismatches += model.mismatches();
                model.outcomes().forEach((k, v) -> outcomes.merge(k, v, Long::sum));
                for (String r : model.reports()) {
                    reports.append("episode ")
                            .append(episode)
                            .append(' ')
                            .append(r)
                            .append('\n');
                }
            }
        }
        System.out.printf(
                "HandleEscapeTest: %,d operations (+ %,d sweep reads) in %.1f s, %,d escapes, %,d mismatches%n",
                operations, sweepReads, (System.nanoTime() - start) / 1e9, escapes, mismatches);
        outcomes.forEach((k, v) -> System.out.printf("  %-20s %,12d%n", k, v));
        assertEquals(OPERATIONS, operations);
        assertEquals(0, escapes, reports::toString);
        assertEquals(0, mismatches, reports::toString);
    }
}
