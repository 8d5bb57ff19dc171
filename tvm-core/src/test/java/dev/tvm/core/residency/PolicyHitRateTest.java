package dev.tvm.core.residency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tvm.core.residency.PolicySimulator.Result;
import dev.tvm.core.residency.Traces.Trace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The evidence: hit rates of every policy on the standard traces of {@link PolicySimulator}
 * (capacity 2,000 keys), printed as the markdown table of {@code docs/eviction-policy.md}.
 *
 * <p>The traces are generated from fixed seeds and the policies are deterministic, so every rate
 * is exact and reproducible; the margins asserted are the measured ones rounded down by a few
 * points, so that a deliberate retuning (window, sketch) that costs a little does not fail here,
 * while a policy that lost its frequency awareness or its scan resistance does.
 *
 * <p>Measured (percentage points over LRU, adaptive / fixed 1% window): zipf +9.0 / +10.2,
 * scan-heavy +18.3 / +18.3, loop +84.2 / +85.6, mix +8.0 / +8.1; on the recency trace LRU wins
 * (fixed window −18.8, adaptive −5.7).
 */
class PolicyHitRateTest {
    static final String LRU = "LRU";
    static final String CLOCK = "CLOCK";
    static final String ADAPTIVE = "W-TinyLFU adaptive";
    static final String FIXED = "W-TinyLFU 1% fixed";
    static final String OPT = "OPT";

    static Map<Trace, List<Result>> rows;
    static String table;

    @BeforeAll
    static void simulate() {
        rows = PolicySimulator.standardExperiment();
        table = PolicySimulator.markdown(rows);
        System.out.println(table);
    }

    static double rate(String trace, String policy) {
        for (Map.Entry<Trace, List<Result>> row : rows.entrySet()) {
            if (row.getKey().name().equals(trace)) {
                for (Result r : row.getValue()) {
                    if (r.policy().equals(policy)) {
                        return 100 * r.hitRate();
                    }
                }
            }
        }
        throw new AssertionError("no result for " + policy + " on " + trace);
    }

    static void assertMargin(String trace, double points) {
        double lru = rate(trace, LRU);
        for (String tinyLfu : List.of(ADAPTIVE, FIXED)) {
            double margin = rate(trace, tinyLfu) - lru;
            assertTrue(
                    margin >= points,
                    String.format(
                            "%s on %s: %.2f points over LRU, expected at least %.1f%n%s",
                            tinyLfu, trace, margin, points, table));
        }
    }

    @Test
    void scanHeavyTinyLfuKeepsTheHotSetThroughScans() {
        assertMargin("scan-heavy", 15);
        // Scans are compulsory misses, so OPT is the ceiling; W-TinyLFU is within a point of it.
        assertTrue(rate("scan-heavy", OPT) - rate("scan-heavy", FIXED) < 1, table);
    }

    @Test
    void loopLruGetsNothingTinyLfuKeepsMostOfTheLoop() {
        assertEquals(0, rate("loop", LRU), 0.01, table);
        assertEquals(0, rate("loop", CLOCK), 0.01, table);
        assertMargin("loop", 80);
    }

    @Test
    void zipfTinyLfuIsFrequencyAware() {
        assertMargin("zipf", 7);
    }

    @Test
    void mixTinyLfuWins() {
        assertMargin("mix", 6);
    }

    /**
     * The known weakness, kept visible: when new keys are hot at once and cool with age, a fixed
     * 1% window rejects them and LRU wins by far; the adaptive window recovers most of it.
     */
    @Test
    void recencyLruWinsAndTheAdaptiveWindowRecoversMostOfIt() {
        assertTrue(rate("recency", LRU) > rate("recency", FIXED) + 10, table);
        assertTrue(rate("recency", ADAPTIVE) > rate("recency", FIXED) + 10, table);
        assertTrue(rate("recency", LRU) - rate("recency", ADAPTIVE) < 8, table);
    }

    @Test
    void noPolicyBeatsOpt() {
        for (List<Result> row : rows.values()) {
            double opt = row.get(row.size() - 1).hitRate();
            for (Result r : row) {
                assertTrue(r.hitRate() <= opt, r + " beats OPT " + opt);
            }
        }
    }

    /** docs/eviction-policy.md shows exactly the table computed here. */
    @Test
    void documentedTableIsCurrent() throws IOException {
        Path doc = Path.of(System.getProperty("tvm.guests.dir", "../guests"))
                .resolveSibling("docs")
                .resolve("eviction-policy.md");
        assumeTrue(Files.exists(doc), "no " + doc);
        String text = Files.readString(doc);
        String begin = "<!-- simulator:begin -->\n";
        String end = "<!-- simulator:end -->";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        assertTrue(from >= 0 && to > from, "markers missing in " + doc);
        assertEquals(
                table.strip(),
                text.substring(from + begin.length(), to).strip(),
                "docs/eviction-policy.md is stale: paste the table printed above between its markers");
    }
}
