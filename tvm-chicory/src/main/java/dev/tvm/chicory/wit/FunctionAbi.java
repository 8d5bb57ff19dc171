package dev.tvm.chicory.wit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The canonical ABI of one function, compiled from its WIT description: its core signature, and
 * the conversions of its parameters and result between Java values and core values plus guest
 * memory. Immutable and thread-safe; each call takes the guest's {@link AbiContext}.
 *
 * <p>For an import ({@link CanonicalAbi.Direction#LOWER}, what {@link WitHost} binds), the host
 * {@linkplain #liftArguments lifts the arguments} the guest passed and {@linkplain #lowerResult
 * lowers its result} back, into the return area when the result does not fit one core value. For
 * an export ({@link CanonicalAbi.Direction#LIFT}), the host {@linkplain #lowerArguments lowers
 * arguments} (into memory from {@code cabi_realloc} when they exceed 16 core values) and
 * {@linkplain #liftResult lifts the result}.
 */
public final class FunctionAbi {
    private final WitFunction function;
    private final CanonicalAbi.Direction direction;
    private final List<Codec> params;
    private final Codec.RecordCodec paramTuple;
    private final Codec result;
    private final CoreType[] flatParams;
    private final CoreType[] coreParams;
    private final CoreType[] coreResults;
    private final boolean paramsInMemory;
    private final boolean resultInMemory;

    private FunctionAbi(WitFunction function, CanonicalAbi.Direction direction) {
        this.function = function;
        this.direction = direction;
        List<Codec> ps = new ArrayList<>();
        for (WitType t : function.paramTypes()) {
            ps.add(Codec.of(t));
        }
        this.params = List.copyOf(ps);
        this.paramTuple = Codec.tuple(new WitType.TupleType(function.paramTypes()), function.paramTypes());
        this.result = function.result() == null ? null : Codec.of(function.result());
        this.flatParams = paramTuple.flat;
        this.paramsInMemory = flatParams.length > CanonicalAbi.MAX_FLAT_PARAMS;
        CoreType[] resultFlat = result == null ? new CoreType[0] : result.flat;
        this.resultInMemory = resultFlat.length > CanonicalAbi.MAX_FLAT_RESULTS;
        List<CoreType> cp = new ArrayList<>(paramsInMemory ? List.of(CoreType.I32) : Arrays.asList(flatParams));
        List<CoreType> cr = new ArrayList<>(Arrays.asList(resultFlat));
        if (resultInMemory) {
            cr.clear();
            if (direction == CanonicalAbi.Direction.LOWER) {
                cp.add(CoreType.I32); // the return area
            } else {
                cr.add(CoreType.I32); // a pointer to the result
            }
        }
        this.coreParams = cp.toArray(new CoreType[0]);
        this.coreResults = cr.toArray(new CoreType[0]);
    }

    /** Compiles {@code function} for {@code direction}. */
    public static FunctionAbi of(WitFunction function, CanonicalAbi.Direction direction) {
        return new FunctionAbi(Objects.requireNonNull(function, "function"), Objects.requireNonNull(direction));
    }

    /** The WIT function this ABI lowers. */
    public WitFunction function() {
        return function;
    }

    /** Whether the guest imports the function (lower) or exports it (lift). */
    public CanonicalAbi.Direction direction() {
        return direction;
    }

    /** The core signature. */
    public CanonicalAbi.CoreSignature signature() {
        return new CanonicalAbi.CoreSignature(
                Arrays.asList(coreParams), Arrays.asList(coreResults), paramsInMemory, resultInMemory);
    }

    private void requireDirection(CanonicalAbi.Direction want, String what) {
        if (direction != want) {
            throw new IllegalStateException(
                    what + " applies to " + want + " functions; " + function.name() + " was compiled for " + direction);
        }
    }

    private void checkArity(long[] core) {
        if (core.length != coreParams.length) {
            throw new IllegalArgumentException(
                    function.name() + " takes " + coreParams.length + " core arguments, got " + core.length);
        }
    }

    // ---------------------------------------------------------------- imports (LOWER)

    /** The Java arguments of an import call, lifted from its core arguments. */
    public List<Object> liftArguments(AbiContext cx, long[] core) {
        requireDirection(CanonicalAbi.Direction.LOWER, "liftArguments");
        checkArity(core);
        return liftParams(cx, core);
    }

    private List<Object> liftParams(AbiContext cx, long[] core) {
        Object[] args = new Object[params.size()];
        if (paramsInMemory) {
            int ptr =
                    cx.checkRange((int) core[0], paramTuple.size, paramTuple.align, "parameters of " + function.name());
            for (int i = 0; i < args.length; i++) {
                args[i] = params.get(i).load(cx, ptr + paramTuple.offsets[i]);
            }
        } else {
            Codec.FlatIn in = new Codec.ArrayIn(core, flatParams, 0);
            for (int i = 0; i < args.length; i++) {
                args[i] = params.get(i).liftFlat(cx, in);
            }
        }
        return Arrays.asList(args);
    }

    /**
     * Lowers an import's Java result: stores it in the return area (the last core argument) and
     * returns null, or returns its one core value; null for a function without result.
     */
    public long[] lowerResult(AbiContext cx, Object value, long[] core) {
        requireDirection(CanonicalAbi.Direction.LOWER, "lowerResult");
        checkArity(core);
        if (result == null) {
            return null;
        }
        if (resultInMemory) {
            int ptr = cx.checkRange(
                    (int) core[core.length - 1], result.size, result.align, "return area of " + function.name());
            result.store(cx, value, ptr);
            return null;
        }
        Codec.ArrayOut out = new Codec.ArrayOut(result.flat);
        result.lowerFlat(cx, value, out);
        return out.values;
    }

    // ---------------------------------------------------------------- exports (LIFT)

    /** The core arguments for calling an export with Java arguments. */
    public long[] lowerArguments(AbiContext cx, List<?> args) {
        requireDirection(CanonicalAbi.Direction.LIFT, "lowerArguments");
        if (args.size() != params.size()) {
            throw new IllegalArgumentException(
                    function.name() + " takes " + params.size() + " arguments, got " + args.size());
        }
        if (paramsInMemory) {
            int ptr = cx.allocate(paramTuple.align, paramTuple.size, "parameters of " + function.name());
            paramTuple.store(cx, args, ptr);
            return new long[] {ptr};
        }
        Codec.ArrayOut out = new Codec.ArrayOut(flatParams);
        for (int i = 0; i < params.size(); i++) {
            params.get(i).lowerFlat(cx, args.get(i), out);
        }
        return out.values;
    }

    /** The Java result of an export call, lifted from its core results; null without result. */
    public Object liftResult(AbiContext cx, long[] core) {
        requireDirection(CanonicalAbi.Direction.LIFT, "liftResult");
        if (result == null) {
            return null;
        }
        if (core == null || core.length != coreResults.length) {
            throw new IllegalArgumentException(function.name() + " returns " + coreResults.length + " core values");
        }
        if (resultInMemory) {
            int ptr = cx.checkRange((int) core[0], result.size, result.align, "result of " + function.name());
            return result.load(cx, ptr);
        }
        return result.liftFlat(cx, new Codec.ArrayIn(core, result.flat, 0));
    }
}
