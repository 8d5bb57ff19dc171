package dev.tvm.core.residency;

import dev.tvm.core.residency.Traces.Trace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * A trace-driven simulator of replacement policies, apart from the runtime (in the spirit of
 * Caffeine's simulator): it replays a key trace against a policy with a fixed capacity in keys,
 * the way the residency manager will drive it, and counts hits and misses.
 *
 * <p>Per access: if the key is resident (by the simulator's own bookkeeping, independent of the
 * policy) it is a hit and the policy gets {@link EvictionPolicy#recordAccess}; otherwise it is a
 * miss: if the cache is full the policy must {@link EvictionPolicy#selectVictim} (everything is
 * evictable here), then the key is {@link EvictionPolicy#admitted}. The simulator checks on every
 * eviction that the victim was resident and that the policy's {@link
 * EvictionPolicy#residentCount} agrees, so it doubles as a consistency check.
 *
 * <p>{@link #optimal} adds Bélády's OPT (evict the key reused farthest in the future; L. A.
 * Belady, IBM Systems Journal 5(2), 1966) as the upper bound no online policy reaches.
 *
 * <p>Run: {@code mvn -q -B -pl tvm-core test-compile}, then {@code <jdk25>/bin/java -cp
 * tvm-core/target/classes:tvm-core/target/test-classes dev.tvm.core.residency.PolicySimulator}
 * (prints the markdown table of docs/eviction-policy.md); or run {@code PolicyHitRateTest}, which
 * prints the same table.
 */
final class PolicySimulator {
    /** The cache capacity, in keys, of the standard experiment. */
    static final int CAPACITY = 2_000;

    private PolicySimulator() {}

    /** The outcome of one replay. */
    record Result(String policy, String trace, int capacity, long hits, long misses) {
        long accesses() {
            return hits + misses;
        }

        double hitRate() {
            return accesses() == 0 ? 0 : (double) hits / accesses();
        }
    }

    /** Replays {@code trace} against {@code policy} with room for {@code capacity} keys. */
    static Result run(Trace trace, int capacity, EvictionPolicy policy) {
        Set<Long> resident = new HashSet<>(2 * capacity);
        long hits = 0;
        long misses = 0;
        for (long key : trace.keys()) {
            if (resident.contains(key)) {
                hits++;
                policy.recordAccess(key);
                continue;
            }
            misses++;
            if (resident.size() >= capacity) {
                long victim = policy.selectVictim(k -> true);
                if (victim == EvictionPolicy.NO_KEY || !resident.remove(victim)) {
                    throw new AssertionError(policy.name() + " chose " + victim + ", which is not resident");
                }
            }
            policy.admitted(key);
            resident.add(key);
            if (policy.residentCount() != resident.size()) {
                throw new AssertionError(
                        policy.name() + " counts " + policy.residentCount() + " resident keys, not " + resident.size());
            }
        }
        return new Result(policy.name(), trace.name(), capacity, hits, misses);
    }

    /** Hits of Bélády's OPT (demand paging: every missed key is loaded). */
    static Result optimal(Trace trace, int capacity) {
        long[] keys = trace.keys();
        int[] nextUse = new int[keys.length];
        Map<Long, Integer> seen = new HashMap<>();
        for (int i = keys.length - 1; i >= 0; i--) {
            Integer next = seen.put(keys[i], i);
            nextUse[i] = next == null ? Integer.MAX_VALUE : next;
        }
        Map<Long, Integer> current = new HashMap<>(); // resident key -> its next use
        PriorityQueue<long[]> farthest = new PriorityQueue<>((a, b) -> Long.compare(b[0], a[0]));
        long hits = 0;
        for (int i = 0; i < keys.length; i++) {
            long key = keys[i];
            if (current.containsKey(key)) {
                hits++;
            } else if (current.size() >= capacity) {
                while (true) {
                    long[] top = farthest.poll();
                    Integer use = current.get(top[1]);
                    if (use != null && use == top[0]) {
                        current.remove(top[1]);
                        break;
                    }
                }
            }
            current.put(key, nextUse[i]);
            farthest.add(new long[] {nextUse[i], key});
        }
        return new Result("OPT", trace.name(), capacity, hits, keys.length - hits);
    }

    /** The traces of the standard experiment (deterministic). */
    static List<Trace> standardTraces() {
        return List.of(
                Traces.zipf(100_000, 0.9, 1_000_000, 42),
                Traces.scanHeavy(1_500, 4_000, 3_000, 150, 43),
                Traces.loop(CAPACITY * 11 / 10, 200),
                Traces.mix(150, 5_000, 1_000, 44),
                Traces.recency(1_000_000, 0.2, 50_000, 0.8, 45));
    }

    /** The policies of the standard experiment, one column each. */
    static List<IntFunction<EvictionPolicy>> standardPolicies() {
        return List.of(
                LruPolicy::new,
                ClockPolicy::new,
                TinyLfuPolicy::new,
                capacity -> new TinyLfuPolicy(capacity, TinyLfuPolicy.DEFAULT_WINDOW_FRACTION, false));
    }

    /** Runs every standard policy and OPT on every standard trace: one row per trace. */
    static Map<Trace, List<Result>> standardExperiment() {
        Map<Trace, List<Result>> rows = new LinkedHashMap<>();
        for (Trace trace : standardTraces()) {
            List<Result> row = new ArrayList<>();
            for (IntFunction<EvictionPolicy> policy : standardPolicies()) {
                row.add(run(trace, CAPACITY, policy.apply(CAPACITY)));
            }
            row.add(optimal(trace, CAPACITY));
            rows.put(trace, row);
        }
        return rows;
    }

    /** The rows as a markdown table of hit rates, followed by the trace descriptions. */
    static String markdown(Map<Trace, List<Result>> rows) {
        StringBuilder out = new StringBuilder();
        List<Result> first = rows.values().iterator().next();
        out.append("| trace (capacity ")
                .append(String.format(Locale.ROOT, "%,d", first.get(0).capacity()))
                .append(" keys) |");
        for (Result r : first) {
            out.append(' ').append(r.policy()).append(" |");
        }
        out.append("\n|---|");
        out.append("---:|".repeat(first.size()));
        out.append('\n');
        for (Map.Entry<Trace, List<Result>> row : rows.entrySet()) {
            out.append("| ").append(row.getKey().name()).append(" |");
            for (Result r : row.getValue()) {
                out.append(String.format(Locale.ROOT, " %.2f %% |", 100 * r.hitRate()));
            }
            out.append('\n');
        }
        out.append('\n');
        for (Trace trace : rows.keySet()) {
            out.append(String.format(
                    Locale.ROOT,
                    "* **%s**: %s (%,d distinct keys).%n",
                    trace.name(),
                    trace.description(),
                    trace.distinctKeys()));
        }
        return out.toString();
    }

    public static void main(String[] args) {
        System.out.print(markdown(standardExperiment()));
    }
}
