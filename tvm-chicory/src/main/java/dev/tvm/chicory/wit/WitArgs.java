package dev.tvm.chicory.wit;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The lifted arguments of one call, with typed accessors. Values follow the mapping in {@link
 * WitType}; an accessor used on the wrong type throws {@link ClassCastException} (a host bug, not
 * a guest error: the types come from the same WIT as the implementation).
 */
public final class WitArgs {
    private final WitFunction function;
    private final List<Object> values;

    /** The arguments {@code values} of a call of {@code function}. */
    public WitArgs(WitFunction function, List<Object> values) {
        this.function = function;
        this.values = values;
    }

    /** The function being called. */
    public WitFunction function() {
        return function;
    }

    /** All arguments, in order. */
    public List<Object> values() {
        return values;
    }

    /** How many arguments. */
    public int size() {
        return values.size();
    }

    /** The argument at {@code index}, as its Java value. */
    public Object get(int index) {
        return values.get(index);
    }

    /** An integer argument (any of u8..u64, s8..s64); u64 as its bit pattern. */
    public long integer(int index) {
        return (Long) values.get(index);
    }

    /** A {@code bool} argument. */
    public boolean bool(int index) {
        return (Boolean) values.get(index);
    }

    /** A {@code string} argument. */
    public String string(int index) {
        return (String) values.get(index);
    }

    /** A {@code list<u8>}. */
    public byte[] bytes(int index) {
        return (byte[]) values.get(index);
    }

    /** A {@code list<T>} argument (other than {@code list<u8>}), its elements as Java values. */
    @SuppressWarnings("unchecked")
    public List<Object> list(int index) {
        return (List<Object>) values.get(index);
    }

    /** A record, as field name to value. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> record(int index) {
        return (Map<String, Object>) values.get(index);
    }

    /** An enum argument's case name. */
    public String enumCase(int index) {
        return (String) values.get(index);
    }

    /**
     * An enum argument as the Java enum constant of the same name: case {@code hot-heap} is
     * constant {@code HOT_HEAP}.
     */
    public <E extends Enum<E>> E enumValue(int index, Class<E> type) {
        return Enum.valueOf(type, javaName(enumCase(index)));
    }

    /** {@code hot-heap} to {@code HOT_HEAP}. */
    public static String javaName(String witName) {
        return witName.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** {@code HOT_HEAP} to {@code hot-heap}. */
    public static String witName(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String toString() {
        return function.name() + values;
    }
}
