package dev.tvm.core.residency;

import java.util.Arrays;
import java.util.Random;
import java.util.function.LongUnaryOperator;

/**
 * Synthetic access traces with fixed seeds, so every run yields the same keys and the same hit
 * rates. A trace is an array of keys in the residency manager's encoding, {@code (long) regionId
 * << 32 | pageIndex}, with key id {@code i} mapped to page {@code i % 65536} of region {@code 1 + i
 * / 65536} (4 GiB regions of 64 KiB pages).
 */
final class Traces {
    private Traces() {}

    /** A named trace. */
    record Trace(String name, String description, long[] keys) {
        int length() {
            return keys.length;
        }

        long distinctKeys() {
            return Arrays.stream(keys).distinct().count();
        }
    }

    static long key(long id) {
        return ((1 + id / 65536) << 32) | (id % 65536);
    }

    /**
     * Zipf-distributed accesses: key rank {@code r} (1-based) has probability proportional to
     * {@code 1 / r^s}; ranks are scattered over the key ids by a seeded permutation.
     */
    static Trace zipf(int keys, double s, int length, long seed) {
        Random random = new Random(seed);
        ZipfSampler sampler = new ZipfSampler(keys, s);
        int[] permutation = permutation(keys, random);
        long[] trace = new long[length];
        for (int i = 0; i < length; i++) {
            trace[i] = key(permutation[sampler.sample(random)]);
        }
        return new Trace("zipf", String.format("Zipf s=%.2f over %,d keys, %,d accesses", s, keys, length), trace);
    }

    /**
     * A database with table scans: phases of {@code hotAccesses} accesses to a hot working set of
     * {@code hotKeys} keys (Zipf s=0.5 within it, mildly skewed), each followed by a sequential
     * scan of {@code scanLength} cold pages that continues where the previous scan stopped in a
     * table far larger than the trace, so no cold page is read twice.
     */
    static Trace scanHeavy(int hotKeys, int hotAccesses, int scanLength, int phases, long seed) {
        Random random = new Random(seed);
        ZipfSampler sampler = new ZipfSampler(hotKeys, 0.5);
        int[] permutation = permutation(hotKeys, random);
        long[] trace = new long[phases * (hotAccesses + scanLength)];
        int i = 0;
        long nextCold = 1_000_000; // cold table ids start far from the hot set
        for (int phase = 0; phase < phases; phase++) {
            for (int a = 0; a < hotAccesses; a++) {
                trace[i++] = key(permutation[sampler.sample(random)]);
            }
            for (int a = 0; a < scanLength; a++) {
                trace[i++] = key(nextCold++);
            }
        }
        return new Trace(
                "scan-heavy",
                String.format(
                        "%,d× (%,d accesses to %,d hot keys, then a one-time scan of %,d cold keys)",
                        phases, hotAccesses, hotKeys, scanLength),
                trace);
    }

    /** A loop: keys {@code 0 .. loopKeys-1} accessed cyclically, {@code passes} times. */
    static Trace loop(int loopKeys, int passes) {
        long[] trace = new long[loopKeys * passes];
        for (int i = 0; i < trace.length; i++) {
            trace[i] = key(i % loopKeys);
        }
        return new Trace("loop", String.format("%,d passes over %,d keys in order", passes, loopKeys), trace);
    }

    /**
     * A mix of the three, as a multi-tenant host sees it: blocks of {@code blockLength} accesses
     * rotate between a Zipf tenant (s=0.9 over 100k keys), a scanning tenant (sequential, never
     * repeating) and a looping tenant (cyclic over {@code loopKeys} keys, resuming where it
     * left off). Tenants use disjoint key ranges.
     */
    static Trace mix(int blocks, int blockLength, int loopKeys, long seed) {
        Random random = new Random(seed);
        int zipfKeys = 100_000;
        ZipfSampler sampler = new ZipfSampler(zipfKeys, 0.9);
        int[] permutation = permutation(zipfKeys, random);
        long[] trace = new long[blocks * blockLength];
        long nextScan = 10_000_000;
        long loopPosition = 0;
        LongUnaryOperator loopKey = p -> key(20_000_000 + p % loopKeys);
        int i = 0;
        for (int block = 0; block < blocks; block++) {
            for (int a = 0; a < blockLength; a++) {
                switch (block % 3) {
                    case 0 -> trace[i++] = key(permutation[sampler.sample(random)]);
                    case 1 -> trace[i++] = key(nextScan++);
                    default -> trace[i++] = loopKey.applyAsLong(loopPosition++);
                }
            }
        }
        return new Trace(
                "mix",
                String.format(
                        "blocks of %,d rotating Zipf 0.9 / one-time scan / loop over %,d keys, %,d accesses",
                        blockLength, loopKeys, trace.length),
                trace);
    }

    /**
     * Recency-biased, where LRU is hard to beat: each access is, with probability {@code newKeys},
     * to a brand-new key (an allocation, a freshly written page), and otherwise to a key of age
     * {@code a} (in key creations) with {@code a} Zipf-distributed (exponent {@code s}) over the
     * last {@code maxAge} keys — new keys are hot at once and cool down as they age.
     */
    static Trace recency(int length, double newKeys, int maxAge, double s, long seed) {
        Random random = new Random(seed);
        ZipfSampler age = new ZipfSampler(maxAge, s);
        long[] trace = new long[length];
        long next = 0;
        for (int i = 0; i < length; i++) {
            if (next == 0 || random.nextDouble() < newKeys) {
                trace[i] = key(next++);
            } else {
                trace[i] = key(Math.max(0, next - 1 - age.sample(random)));
            }
        }
        return new Trace(
                "recency",
                String.format(
                        "%.0f%% of accesses to new keys, the rest to a key whose age is Zipf s=%.1f over the last %,d"
                                + " keys, %,d accesses",
                        100 * newKeys, s, maxAge, length),
                trace);
    }

    private static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Inverse-CDF sampling of ranks 0..n-1 with weight {@code 1/(rank+1)^s}. */
    static final class ZipfSampler {
        private final double[] cdf;

        ZipfSampler(int n, double s) {
            cdf = new double[n];
            double sum = 0;
            for (int r = 0; r < n; r++) {
                sum += 1 / StrictMath.pow(r + 1, s);
                cdf[r] = sum;
            }
            for (int r = 0; r < n; r++) {
                cdf[r] /= sum;
            }
            cdf[n - 1] = 1.0;
        }

        int sample(Random random) {
            double u = random.nextDouble();
            int lo = 0;
            int hi = cdf.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cdf[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }
}
