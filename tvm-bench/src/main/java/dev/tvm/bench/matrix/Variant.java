package dev.tvm.bench.matrix;

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
    /** A plain Java loop over a MemorySegment: the near-physical limit, no wasm. */
    JAVA_SEGMENT("java-segment", null);

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

    public static Variant byId(String id) {
        for (Variant v : values()) {
            if (v.id.equals(id)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown variant '" + id + "'");
    }
}
