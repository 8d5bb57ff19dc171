package dev.tvm.guest.engines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;

/** Assertions over {@link EngineRun}s of one call script. */
final class Comparisons {
    private Comparisons() {}

    /**
     * Asserts that {@code actual} instantiated and produced the same canonical results as {@code
     * expected}, naming the first differing call.
     */
    static void assertSameResults(CallScript script, EngineRun expected, EngineRun actual) {
        assertTrue(expected.instantiated(), () -> expected.engine() + " did not instantiate: " + expected.error());
        assertTrue(actual.instantiated(), () -> actual.engine() + " did not instantiate: " + actual.error());
        List<String> e = expected.canonical();
        List<String> a = actual.canonical();
        for (int i = 0; i < Math.min(e.size(), a.size()); i++) {
            if (!e.get(i).equals(a.get(i))) {
                fail("call " + i + " " + script.calls().get(i) + ": " + expected.engine() + " gave " + e.get(i)
                        + " (" + expected.results().get(i) + "), " + actual.engine() + " gave " + a.get(i) + " ("
                        + actual.results().get(i) + ")");
            }
        }
        assertEquals(e.size(), a.size(), "number of results");
        assertEquals(script.size(), a.size(), "one result per call");
    }
}
