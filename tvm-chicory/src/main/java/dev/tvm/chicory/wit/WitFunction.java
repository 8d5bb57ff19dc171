package dev.tvm.chicory.wit;

import java.util.List;
import java.util.Objects;

/**
 * A WIT function: {@code name: func(params) -> result}.
 *
 * @param name the function name (kebab-case), also its core import name
 * @param params the parameters, in order
 * @param result the result type, or null for a function without result
 */
public record WitFunction(String name, List<Param> params, WitType result) {
    /** Checks the name and copies the parameters. */
    public WitFunction {
        Objects.requireNonNull(name, "name");
        params = List.copyOf(params);
    }

    /** A named parameter. */
    public record Param(String name, WitType type) {
        /** Checks that name and type are given. */
        public Param {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
        }
    }

    /** The parameter types, in order. */
    public List<WitType> paramTypes() {
        return params.stream().map(Param::type).toList();
    }

    /** The result types: none or one. */
    public List<WitType> resultTypes() {
        return result == null ? List.of() : List.of(result);
    }

    /** The WIT spelling, e.g. {@code alloc: func(region: u32, size: u64) -> result<handle, error-code>}. */
    public String wit() {
        StringBuilder sb = new StringBuilder(name).append(": func(");
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            sb.append(i == 0 ? "" : ", ")
                    .append(p.name())
                    .append(": ")
                    .append(p.type().wit());
        }
        sb.append(')');
        if (result != null) {
            sb.append(" -> ").append(result.wit());
        }
        return sb.toString();
    }
}
