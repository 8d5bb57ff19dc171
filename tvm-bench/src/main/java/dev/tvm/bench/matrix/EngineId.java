package dev.tvm.bench.matrix;

import static dev.tvm.bench.matrix.Variant.JAVA_SEGMENT;
import static dev.tvm.bench.matrix.Variant.M32;
import static dev.tvm.bench.matrix.Variant.M32_BYTE_BUFFER;
import static dev.tvm.bench.matrix.Variant.M64;
import static dev.tvm.bench.matrix.Variant.TVM_GUEST;
import static dev.tvm.bench.matrix.Variant.TVM_HOST;
import static dev.tvm.bench.matrix.Variant.TVM_MM;
import static dev.tvm.bench.matrix.Variant.TVM_PAGED;
import static dev.tvm.bench.matrix.Variant.TVM_PAGED_QUARTER;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a cell runs, and the one table of which engine runs which variant through which harness.
 * The plan, the JVM runner, the cell factory and the V8 runner all read it from here.
 *
 * <pre>
 * engine               harness  variants
 * chicory-compiler     JMH      m32 m32-bytebuffer tvm-host tvm-mm tvm-guest tvm-paged tvm-paged-q
 * chicory-interpreter  JMH      m32 m32-bytebuffer tvm-host tvm-mm tvm-guest tvm-paged tvm-paged-q
 * graalwasm            GRAAL    m64
 * node                 V8       m32 m64 tvm-guest
 * chromium             V8       m32 m64 tvm-guest
 * jvm                  JMH      java-segment
 * </pre>
 */
// Its one collection field is an EnumSet copy that never escapes (variants() returns a copy).
@SuppressWarnings("ImmutableEnumChecker")
public enum EngineId {
    /** Chicory's compiler (wasm to JVM bytecode). */
    CHICORY_COMPILER("chicory-compiler", Harness.JMH, Shared.CHICORY_LIMITATION, Shared.CHICORY_VARIANTS),
    /** Chicory's interpreter. */
    CHICORY_INTERPRETER("chicory-interpreter", Harness.JMH, Shared.CHICORY_LIMITATION, Shared.CHICORY_VARIANTS),
    /** GraalWasm with the Graal compiler, in its own JVM; memory64 only. */
    GRAALWASM("graalwasm", Harness.GRAAL, "the memory64 files only: Chicory runs the memory32 ones", M64),
    /** Node's V8. */
    NODE("node", Harness.V8, Shared.V8_LIMITATION, Shared.V8_VARIANTS),
    /** Chromium's V8, in a page. */
    CHROMIUM("chromium", Harness.V8, Shared.V8_LIMITATION, Shared.V8_VARIANTS),
    /** Plain Java (the JAVA_SEGMENT variant). */
    JVM("jvm", Harness.JMH, "a plain Java loop, no wasm", JAVA_SEGMENT);

    /** What measures an engine's cells. */
    public enum Harness {
        /** One JMH fork per cell of {@link MatrixBench}, in-process cells from {@link MatrixCells}. */
        JMH,
        /** {@code GraalMatrix} in its own JVM with the GraalWasm jars. */
        GRAAL,
        /** {@code engines/bench.mjs} on Node or in Chromium. */
        V8
    }

    /** What two engines share (a holder class: enum constants cannot read the enum's own statics). */
    private static final class Shared {
        static final Variant[] CHICORY_VARIANTS = {
            M32, M32_BYTE_BUFFER, TVM_HOST, TVM_MM, TVM_GUEST, TVM_PAGED, TVM_PAGED_QUARTER
        };
        static final String CHICORY_LIMITATION = "Chicory has no memory64, rejected at parse time";
        static final Variant[] V8_VARIANTS = {M32, M64, TVM_GUEST};
        static final String V8_LIMITATION = "V8 has no TVM host: no tvm imports, no imported regions";
    }

    private final String id;
    private final Harness harness;
    private final String limitation;
    private final Set<Variant> variants;

    EngineId(String id, Harness harness, String limitation, Variant... variants) {
        this.id = id;
        this.harness = harness;
        this.limitation = limitation;
        this.variants = EnumSet.copyOf(Arrays.asList(variants));
    }

    /** The engine's name on the command line and in results. */
    public String id() {
        return id;
    }

    /** What measures this engine's cells. */
    public Harness harness() {
        return harness;
    }

    /** Whether the engine runs in a JVM this project starts (JMH or GraalWasm), not in V8. */
    public boolean onJvm() {
        return harness != Harness.V8;
    }

    /** The variants this engine runs, in {@link Variant} order. */
    public List<Variant> variants() {
        return List.copyOf(variants);
    }

    /** Whether this engine runs {@code variant}. */
    public boolean runs(Variant variant) {
        return variants.contains(variant);
    }

    /** Why this engine does not run {@code variant}, or null when it does. */
    public String whyNot(Variant variant) {
        if (runs(variant)) {
            return null;
        }
        String where = Arrays.stream(values())
                .filter(e -> e.runs(variant))
                .map(EngineId::id)
                .collect(Collectors.joining(", "));
        return variant.id() + " does not run on " + id + " (" + limitation + "); " + variant.id() + " runs on " + where;
    }

    /** The engine named {@code id}; {@link IllegalArgumentException} for an unknown name. */
    public static EngineId byId(String id) {
        for (EngineId e : values()) {
            if (e.id.equals(id)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + id + "'");
    }
}
