package dev.tvm.chicory.wit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The canonical ABI's static rules for the supported {@link WitType}s: size, alignment, field
 * offsets and flattening into core types, and the core signature of a function. Values are
 * converted by {@link FunctionAbi}, which compiles these rules once per function.
 *
 * <pre>
 * type                      size  align  flat
 * bool, u8, s8              1     1      i32
 * u16, s16                  2     2      i32
 * u32, s32, char            4     4      i32
 * u64, s64                  8     8      i64
 * f32 / f64                 4 / 8 4 / 8  f32 / f64
 * string, list&lt;T&gt;          8     4      i32 i32        (pointer, UTF-8 bytes / element count)
 * record, tuple             fields in order, each at its alignment; size rounded to the largest
 *                                         the fields' flat types in order
 * variant, enum, option,    discriminant (u8 up to 256 cases, u16, u32), payload at the largest
 *   result                  case alignment; size rounded to max(discriminant, case alignment)
 *                                         i32, then the cases' flat types joined slot by slot
 * flags                     1, 2 or 4 bytes (up to 8, 16, 32 flags)   i32
 * </pre>
 *
 * A function whose parameters flatten to more than {@link #MAX_FLAT_PARAMS} core values takes
 * one i32 pointer to them laid out as a tuple; one whose result flattens to more than {@link
 * #MAX_FLAT_RESULTS} value returns it through memory: an imported function ({@link
 * Direction#LOWER}) gets an extra last i32 parameter, the return area, where the host stores the
 * result; an exported one ({@link Direction#LIFT}) returns an i32 pointer to it.
 */
public final class CanonicalAbi {
    /** Above this many flat parameters, parameters travel in memory. */
    public static final int MAX_FLAT_PARAMS = 16;
    /** Above this many flat results, the result travels in memory. */
    public static final int MAX_FLAT_RESULTS = 1;

    private CanonicalAbi() {}

    /** Which side of the boundary the core function is on. */
    public enum Direction {
        /** A core function the guest imports and the host implements ({@code canon lower}). */
        LOWER,
        /** A core function the guest exports and the host calls ({@code canon lift}). */
        LIFT
    }

    /**
     * The core signature of a function.
     *
     * @param params the core parameter types
     * @param results the core result types (none or one)
     * @param paramsInMemory whether the parameters are passed as one pointer to a tuple
     * @param resultInMemory whether the result goes through memory (return area or returned pointer)
     */
    public record CoreSignature(
            List<CoreType> params, List<CoreType> results, boolean paramsInMemory, boolean resultInMemory) {
        /** Copies the lists, so a signature never changes. */
        public CoreSignature {
            params = List.copyOf(params);
            results = List.copyOf(results);
        }

        /** As in {@code wasm-objdump} and {@code guests/build.sh}: {@code (i32,i64)->i32}, {@code ()->nil}. */
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < params.size(); i++) {
                sb.append(i == 0 ? "" : ",").append(params.get(i));
            }
            sb.append(")->");
            sb.append(results.isEmpty() ? "nil" : results.get(0).toString());
            return sb.toString();
        }
    }

    /** Bytes a value of {@code type} occupies in linear memory. */
    public static int size(WitType type) {
        return Codec.of(type).size;
    }

    /** Alignment of {@code type} in linear memory. */
    public static int alignment(WitType type) {
        return Codec.of(type).align;
    }

    /** The core types {@code type} flattens to. */
    public static List<CoreType> flatten(WitType type) {
        return Arrays.asList(Codec.of(type).flat);
    }

    /** The offsets of a record's fields (or a tuple's elements), in order. */
    public static int[] fieldOffsets(WitType type) {
        Codec c = Codec.of(type);
        if (c instanceof Codec.RecordCodec r) {
            return r.offsets.clone();
        }
        throw new IllegalArgumentException(type.wit() + " is not a record or tuple");
    }

    /**
     * The offset of the payload of a variant, enum, option or result: the discriminant's size
     * rounded up to the largest case alignment.
     */
    public static int payloadOffset(WitType type) {
        Codec c = Codec.of(type);
        if (!(c instanceof Codec.VariantCodec)) {
            throw new IllegalArgumentException(type.wit() + " is not a variant");
        }
        List<WitType> cases = caseTypes(type);
        int caseAlign = 1;
        for (WitType t : cases) {
            if (t != null) {
                caseAlign = Math.max(caseAlign, alignment(t));
            }
        }
        return Codec.alignTo(Codec.discriminantSize(cases.size()), caseAlign);
    }

    /** Bytes of the discriminant of a variant with {@code cases} cases: 1, 2 or 4. */
    public static int discriminantSize(int cases) {
        return Codec.discriminantSize(cases);
    }

    private static List<WitType> caseTypes(WitType type) {
        List<WitType> out = new ArrayList<>();
        if (type instanceof WitType.VariantType v) {
            v.cases().forEach(c -> out.add(c.type()));
        } else if (type instanceof WitType.EnumType e) {
            e.cases().forEach(c -> out.add(null));
        } else if (type instanceof WitType.OptionType o) {
            out.add(null);
            out.add(o.inner());
        } else if (type instanceof WitType.ResultType r) {
            out.add(r.ok());
            out.add(r.error());
        }
        return out;
    }

    /** The core signature of {@code function} seen from {@code direction}. */
    public static CoreSignature signature(WitFunction function, Direction direction) {
        return FunctionAbi.of(function, direction).signature();
    }
}
