package dev.tvm.bench.matrix;

/** Where a cell runs. */
public enum EngineId {
    CHICORY_COMPILER("chicory-compiler"),
    CHICORY_INTERPRETER("chicory-interpreter"),
    /** GraalWasm with the Graal compiler, in its own JVM; memory64 only. */
    GRAALWASM("graalwasm"),
    NODE("node"),
    CHROMIUM("chromium"),
    /** Plain Java (the JAVA_SEGMENT variant). */
    JVM("jvm");

    private final String id;

    EngineId(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static EngineId byId(String id) {
        for (EngineId e : values()) {
            if (e.id.equals(id)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + id + "'");
    }
}
