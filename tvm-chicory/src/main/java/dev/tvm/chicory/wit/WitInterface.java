package dev.tvm.chicory.wit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed WIT interface: its types (declared and {@code use}d, aliases resolved) and functions,
 * in declaration order.
 *
 * @param name the interface name
 * @param types type name to type, for every name visible in the interface
 * @param functions the functions, in declaration order
 */
public record WitInterface(String name, Map<String, WitType> types, List<WitFunction> functions) {
    /** Checks the name and copies the types and functions, keeping their order. */
    public WitInterface {
        Objects.requireNonNull(name, "name");
        types = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(types));
        functions = List.copyOf(functions);
    }

    /** The function {@code name}. */
    public WitFunction function(String functionName) {
        for (WitFunction f : functions) {
            if (f.name().equals(functionName)) {
                return f;
            }
        }
        throw new IllegalArgumentException("interface " + name + " has no function " + functionName);
    }

    /** The type visible as {@code typeName}. */
    public WitType type(String typeName) {
        WitType t = types.get(typeName);
        if (t == null) {
            throw new IllegalArgumentException("interface " + name + " has no type " + typeName);
        }
        return t;
    }
}
