package dev.tvm.bench.matrix;

import java.util.List;

/** The workload classes of the matrix, with their identifiers and default sizes. */
// sizes are List.of(...) constants: unmodifiable.
@SuppressWarnings("ImmutableEnumChecker")
public enum Workload {
    /** Sum every i64 of one array, in order. */
    SEQ_SUM("seq-sum", Sizes.STANDARD),
    /** Follow a random cyclic permutation of i32 indices (a pointer chase). */
    RANDOM_CHASE("random-chase", Sizes.STANDARD),
    /** Walk a singly linked list of 16-byte nodes allocated in shuffled order. */
    LIST_WALK("list-walk", Sizes.STANDARD),
    /** 90 % of accesses to a hot region, 9 % warm, 1 % cold (three separate allocations/regions). */
    MULTI_REGION("multi-region", Sizes.STANDARD),
    /** Filter one column (i32 keys) and sum two others (f64, i64) where it matches. */
    COLUMNAR("columnar", Sizes.STANDARD),
    /** Probe one i64 per 4 KiB page of a large working set. */
    LARGE_WS("large-ws", Sizes.LARGE),
    /** Allocate blocks and touch every byte until the working set is reached, then free all. */
    GROWTH("growth", Sizes.STANDARD),
    /** JVM-style generational allocation: a nursery of short-lived objects, survivors promoted, scanned. */
    GEN_ALLOC_SCAN("gen-alloc-scan", Sizes.STANDARD),
    /** A working set beyond the resident budget (TVM host variants spill; others just run it). */
    SPILL("spill", Sizes.LARGE);

    private final String id;
    private final List<Long> sizes;

    Workload(String id, List<Long> sizes) {
        this.id = id;
        this.sizes = sizes;
    }

    /** The identifier used in file names, JSON and on the command line. */
    public String id() {
        return id;
    }

    /** Working-set sizes in bytes, smallest first. */
    public List<Long> sizes() {
        return sizes;
    }

    public static Workload byId(String id) {
        for (Workload w : values()) {
            if (w.id.equals(id)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload '" + id + "'");
    }

    /** Size lists. */
    static final class Sizes {
        static final List<Long> STANDARD = List.of(16L << 10, 1L << 20, 64L << 20);
        static final List<Long> LARGE = List.of(64L << 20, 256L << 20, 1L << 30);

        private Sizes() {}
    }
}
