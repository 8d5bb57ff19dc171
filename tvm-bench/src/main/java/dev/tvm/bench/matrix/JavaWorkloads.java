package dev.tvm.bench.matrix;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The JAVA_SEGMENT variant: each workload class of {@code bench/workloads/src/*.c} in plain Java
 * over off-heap {@link MemorySegment}s, step for step the same algorithm, random numbers and
 * checksum, so its checksums equal the wasm variants'. It is the near-physical limit: no wasm, no
 * bounds beyond the segment's own.
 *
 * <p>Where the C workloads allocate on every pass (growth, gen-alloc-scan), these reuse segments
 * reserved at setup: the C plain allocator hands back the very same blocks (exact-size free lists),
 * so allocation is a few instructions there too.
 */
public final class JavaWorkloads {
    private static final long MASK = 0x3fffffffffffffffL;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private JavaWorkloads() {}

    /** A cell running {@code workload} in Java; close it to free its memory. */
    public static MatrixCell open(Workload workload) {
        return switch (workload) {
            case SEQ_SUM -> new SeqSum();
            case RANDOM_CHASE -> new RandomChase();
            case LIST_WALK -> new ListWalk();
            case MULTI_REGION -> new MultiRegion();
            case COLUMNAR -> new Columnar();
            case LARGE_WS -> new LargeWs();
            case GROWTH -> new Growth();
            case GEN_ALLOC_SCAN -> new GenAllocScan();
            case SPILL -> new Spill();
        };
    }

    static long seedOf(long seed) {
        long s = seed * GOLDEN + 0x632BE59BD9B4E019L;
        return s == 0 ? 1 : s;
    }

    static long next(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return x;
    }

    /** {@code wl_below}: a value in [0, n) from the high bits of r. */
    static long below(long r, long n) {
        return ((r >>> 32) * n) >>> 32;
    }

    static long checksum(long x) {
        return x & MASK;
    }

    /** Owns the arena; subclasses allocate from it. */
    private abstract static class Base implements MatrixCell {
        final Arena arena = Arena.ofShared();

        MemorySegment allocate(long bytes) {
            return arena.allocate(bytes, 64);
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    static final class SeqSum extends Base {
        private MemorySegment data;
        private long words;

        @Override
        public long setup(long bytes, long seed) {
            words = bytes / 8;
            data = allocate(words * 8);
            long s = seedOf(seed);
            for (long i = 0; i < words; i++) {
                s = next(s);
                data.set(JAVA_LONG, i * 8, s >>> 8);
            }
            return words * 8;
        }

        @Override
        public long run() {
            long sum = 0;
            for (long i = 0; i < words; i++) {
                sum += data.get(JAVA_LONG, i * 8);
            }
            return checksum(sum);
        }
    }

    static final class RandomChase extends Base {
        private MemorySegment next;
        private long n;

        @Override
        public long setup(long bytes, long seed) {
            n = bytes / 4;
            next = allocate(n * 4);
            for (long i = 0; i < n; i++) {
                next.set(JAVA_INT, i * 4, (int) i);
            }
            long s = seedOf(seed);
            for (long i = n - 1; i > 0; i--) {
                s = next(s);
                long j = below(s, i);
                int a = next.get(JAVA_INT, i * 4);
                int b = next.get(JAVA_INT, j * 4);
                next.set(JAVA_INT, i * 4, b);
                next.set(JAVA_INT, j * 4, a);
            }
            return n * 4;
        }

        @Override
        public long run() {
            long sum = 0;
            long at = 0;
            for (long i = 0; i < n; i++) {
                at = Integer.toUnsignedLong(next.get(JAVA_INT, at * 4));
                sum = sum * 31 + at;
            }
            return checksum(sum ^ at);
        }
    }

    static final class ListWalk extends Base {
        private static final long END = -1L;
        private MemorySegment heap;
        private long head;

        @Override
        public long setup(long bytes, long seed) {
            long n = bytes / 16;
            heap = allocate(n * 16);
            try (Arena temp = Arena.ofConfined()) {
                MemorySegment order = temp.allocate(n * 4, 64);
                long s = seedOf(seed);
                for (long i = 0; i < n; i++) {
                    s = next(s);
                    heap.set(JAVA_LONG, i * 16 + 8, s >>> 16);
                    order.set(JAVA_INT, i * 4, (int) i);
                }
                for (long i = n - 1; i > 0; i--) {
                    s = next(s);
                    long j = below(s, i + 1);
                    int a = order.get(JAVA_INT, i * 4);
                    int b = order.get(JAVA_INT, j * 4);
                    order.set(JAVA_INT, i * 4, b);
                    order.set(JAVA_INT, j * 4, a);
                }
                for (long i = 0; i < n; i++) {
                    long node = Integer.toUnsignedLong(order.get(JAVA_INT, i * 4));
                    long link = i + 1 < n ? Integer.toUnsignedLong(order.get(JAVA_INT, (i + 1) * 4)) * 16 : END;
                    heap.set(JAVA_LONG, node * 16, link);
                }
                head = Integer.toUnsignedLong(order.get(JAVA_INT, 0)) * 16;
            }
            return n * 16;
        }

        @Override
        public long run() {
            long weighted = 0;
            long count = 0;
            for (long at = head; at != END; at = heap.get(JAVA_LONG, at)) {
                weighted = weighted * 31 + heap.get(JAVA_LONG, at + 8);
                count++;
            }
            return checksum(weighted ^ count);
        }
    }

    static final class MultiRegion extends Base {
        private MemorySegment hot;
        private MemorySegment warm;
        private MemorySegment cold;
        private long hotN;
        private long warmN;
        private long coldN;
        private long reads;
        private long runSeed;

        @Override
        public long setup(long bytes, long seed) {
            long words = bytes / 8;
            hotN = words / 16;
            warmN = words * 3 / 16;
            coldN = words - hotN - warmN;
            reads = bytes / 64;
            long[] s = {seedOf(seed)};
            hot = fill(hotN, s);
            warm = fill(warmN, s);
            cold = fill(coldN, s);
            runSeed = next(s[0]);
            return words * 8;
        }

        private MemorySegment fill(long n, long[] s) {
            MemorySegment b = allocate(n * 8);
            for (long i = 0; i < n; i++) {
                s[0] = next(s[0]);
                b.set(JAVA_LONG, i * 8, s[0] >>> 8);
            }
            return b;
        }

        @Override
        public long run() {
            long s = runSeed;
            long sum = 0;
            for (long i = 0; i < reads; i++) {
                s = next(s);
                long pick = ((s & 0xffff) * 100) >>> 16;
                if (pick < 90) {
                    sum += hot.get(JAVA_LONG, below(s, hotN) * 8);
                } else if (pick < 99) {
                    sum += warm.get(JAVA_LONG, below(s, warmN) * 8);
                } else {
                    sum += cold.get(JAVA_LONG, below(s, coldN) * 8);
                }
            }
            return checksum(sum);
        }
    }

    static final class Columnar extends Base {
        private MemorySegment key;
        private MemorySegment price;
        private MemorySegment qty;
        private long rows;

        @Override
        public long setup(long bytes, long seed) {
            rows = bytes / 20;
            key = allocate(rows * 4);
            price = allocate(rows * 8);
            qty = allocate(rows * 8);
            long s = seedOf(seed);
            for (long i = 0; i < rows; i++) {
                s = next(s);
                key.set(JAVA_INT, i * 4, (int) below(s, 1000));
                s = next(s);
                price.set(JAVA_DOUBLE, i * 8, (double) below(s, 100000) / 100.0);
                s = next(s);
                qty.set(JAVA_LONG, i * 8, below(s, 50) + 1);
            }
            return rows * 20;
        }

        @Override
        public long run() {
            long matches = 0;
            long units = 0;
            double revenue = 0;
            for (long i = 0; i < rows; i++) {
                int k = key.get(JAVA_INT, i * 4);
                if (k % 7 == 3) {
                    long q = qty.get(JAVA_LONG, i * 8);
                    matches++;
                    units += q;
                    revenue += price.get(JAVA_DOUBLE, i * 8) * (double) q;
                }
            }
            return checksum(matches * 1000003 + units * 7919 + (long) revenue);
        }
    }

    static final class LargeWs extends Base {
        private static final long PAGE = 4096;
        private static final long STRIDE = 0x9E3779B1L;
        private MemorySegment data;
        private long pages;

        private static long probe(long page) {
            return page * PAGE + (page & 511) * 8;
        }

        @Override
        public long setup(long bytes, long seed) {
            pages = Long.highestOneBit(bytes / PAGE);
            data = allocate(pages * PAGE);
            long s = seedOf(seed);
            for (long p = 0; p < pages; p++) {
                s = next(s);
                data.set(JAVA_LONG, probe(p), s >>> 8);
            }
            return pages * PAGE;
        }

        @Override
        public long run() {
            long sum = 0;
            long mask = pages - 1;
            for (long i = 0; i < pages; i++) {
                sum = sum * 31 + data.get(JAVA_LONG, probe((i * STRIDE) & mask));
            }
            return checksum(sum);
        }
    }

    static final class Growth extends Base {
        private MemorySegment space;
        private long blockBytes;
        private int count;
        private long salt;

        @Override
        public long setup(long bytes, long seed) {
            long b = Math.min(Math.max(bytes / 16, 1024), 1 << 20);
            blockBytes = b & ~7L;
            count = (int) (bytes / blockBytes);
            space = allocate(count * blockBytes);
            salt = next(seedOf(seed));
            return count * blockBytes;
        }

        @Override
        public long run() {
            long words = blockBytes / 8;
            long v = salt;
            for (int k = 0; k < count; k++) {
                long base = k * blockBytes; // block k: reused every pass, as the plain allocator does
                for (long w = 0; w < words; w++) {
                    space.set(JAVA_LONG, base + w * 8, v);
                    v += GOLDEN;
                }
            }
            long sum = 0;
            for (int k = 0; k < count; k++) {
                sum = sum * 31 + space.get(JAVA_LONG, k * blockBytes + (k % words) * 8);
            }
            return checksum(sum ^ count);
        }
    }

    static final class GenAllocScan extends Base {
        private static final long OBJ = 32;
        private static final int CYCLES = 4;
        private MemorySegment old;
        private MemorySegment nursery;
        private long oldN;
        private long nurseryN;
        private long cursor;
        private long runSeed;

        @Override
        public long setup(long bytes, long seed) {
            oldN = bytes / 2 / OBJ;
            nurseryN = bytes / 8 / OBJ;
            old = allocate(oldN * OBJ);
            nursery = allocate(nurseryN * OBJ);
            long s = seedOf(seed);
            for (long i = 0; i < oldN; i++) {
                s = next(s);
                old.set(JAVA_LONG, i * OBJ, i);
                old.set(JAVA_LONG, i * OBJ + 8, s >>> 8);
                old.set(JAVA_LONG, i * OBJ + 16, 0);
                old.set(JAVA_LONG, i * OBJ + 24, 1);
            }
            cursor = 0;
            runSeed = next(s);
            return (oldN + nurseryN) * OBJ;
        }

        @Override
        public long run() {
            long s = runSeed;
            long id = 0;
            for (int c = 0; c < CYCLES; c++) {
                long top = 0;
                for (long i = 0; i < nurseryN; i++, top += OBJ) {
                    s = next(s);
                    nursery.set(JAVA_LONG, top, id++);
                    nursery.set(JAVA_LONG, top + 8, s >>> 8);
                    nursery.set(JAVA_LONG, top + 16, i == 0 ? 0 : top - OBJ);
                    nursery.set(JAVA_LONG, top + 24, 0);
                }
                for (long at = 0; at < top; at += OBJ) {
                    long payload = nursery.get(JAVA_LONG, at + 8);
                    if ((payload & 7) == 0) {
                        long to = cursor * OBJ;
                        old.set(JAVA_LONG, to, nursery.get(JAVA_LONG, at));
                        old.set(JAVA_LONG, to + 8, payload);
                        old.set(JAVA_LONG, to + 16, nursery.get(JAVA_LONG, at + 16));
                        old.set(JAVA_LONG, to + 24, nursery.get(JAVA_LONG, at + 24) + 1);
                        cursor = cursor + 1 == oldN ? 0 : cursor + 1;
                    }
                }
            }
            long sum = 0;
            for (long i = 0; i < oldN; i++) {
                sum = sum * 31 + old.get(JAVA_LONG, i * OBJ + 8) + old.get(JAVA_LONG, i * OBJ + 24);
            }
            return checksum(sum ^ cursor);
        }
    }

    static final class Spill extends Base {
        private static final long STEP = 512;
        private MemorySegment data;
        private long probes;

        @Override
        public long setup(long bytes, long seed) {
            probes = bytes / STEP;
            data = allocate(probes * STEP);
            long s = seedOf(seed);
            for (long i = 0; i < probes; i++) {
                s = next(s);
                data.set(JAVA_LONG, i * STEP, s >>> 8);
            }
            return probes * STEP;
        }

        @Override
        public long run() {
            long sum = 0;
            for (long i = 0; i < probes; i++) {
                sum = sum * 31 + data.get(JAVA_LONG, i * STEP);
            }
            return checksum(sum);
        }
    }
}
