package dev.tvm.bench.matrix;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/** The memory models compared. M32 with {@code ByteArrayMemory} is the baseline of every ratio. */
public enum Variant {
    /** One 32-bit memory; Chicory's {@code ByteArrayMemory} (its fastest stock memory). V8: plain memory32. */
    M32("m32", "m32"),
    /** One 32-bit memory; Chicory's default {@code ByteBufferMemory}. Chicory only. */
    M32_BYTE_BUFFER("m32-bytebuffer", "m32"),
    /** memory64 (V8, GraalWasm). */
    M64("m64", "m64"),
    /** TVM host raw path: data in regions behind handles, reached through the {@code tvm} imports. */
    TVM_HOST("tvm-host", "host"),
    /** TVM-MM: the guest's memory 0 is an imported region (segment-backed), plain loads and stores. */
    TVM_MM("tvm-mm", "mm"),
    /** TVM-guest: the workload linked with a 4-pool shell (multi-memory, self-contained). */
    TVM_GUEST("tvm-guest", "shell"),
    /**
     * TVM paged: the M32 module unchanged, its memory 0 a paged region ({@code RegionMemories}) under
     * a resident budget that holds the working set: every access checks the page's access table.
     */
    TVM_PAGED("tvm-paged", "m32"),
    /**
     * As {@link #TVM_PAGED} with a resident budget of a quarter of the working set (at least 4 MiB):
     * passes fault pages back from the spill file. Sequential and list workloads only ({@link
     * #whyNot}).
     */
    TVM_PAGED_QUARTER("tvm-paged-q", "m32"),
    /** A plain Java loop over a MemorySegment: the near-physical limit, no wasm. */
    JAVA_SEGMENT("java-segment", null);

    private static final Set<Workload> QUARTER_WORKLOADS = EnumSet.of(Workload.SEQ_SUM, Workload.LIST_WALK);

    private final String id;
    private final String fileSuffix;

    Variant(String id, String fileSuffix) {
        this.id = id;
        this.fileSuffix = fileSuffix;
    }

    public String id() {
        return id;
    }

    /** Suffix of the variant's wasm file, {@code <workload>-<suffix>.wasm}; null when there is none. */
    public String fileSuffix() {
        return fileSuffix;
    }

    /**
     * Whether a run that names no variants includes this one. The paged variants run on request
     * ({@code --variants tvm-paged,tvm-paged-q}, or {@code PairedMatrix}): they would add half
     * again to the whole matrix's time and measure what {@code bench-results/issue-13-paged} does.
     */
    public boolean byDefault() {
        return this != TVM_PAGED && this != TVM_PAGED_QUARTER;
    }

    /**
     * Why this variant does not run {@code workload}, or null when it does: {@link
     * #TVM_PAGED_QUARTER} runs only the workloads whose passes a quarter budget can serve by paging.
     */
    public String whyNot(Workload workload) {
        if (this != TVM_PAGED_QUARTER || QUARTER_WORKLOADS.contains(workload)) {
            return null;
        }
        return id + " runs " + QUARTER_WORKLOADS.stream().map(Workload::id).collect(Collectors.joining(" and "))
                + " only: under a budget of 1/4 of the working set, " + workload.id()
                + "'s passes would fault on most accesses";
    }

    public static Variant byId(String id) {
        for (Variant v : values()) {
            if (v.id.equals(id)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown variant '" + id + "'");
    }
}
