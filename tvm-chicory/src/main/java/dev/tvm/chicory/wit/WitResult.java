package dev.tvm.chicory.wit;

/**
 * The Java value of a WIT {@code result<T, E>}: {@link #isOk()} with the {@code ok} payload, or
 * not with the {@code error} payload. A payload is {@code null} where the type has none ({@code
 * result<_, E>}'s ok case, for example).
 */
public record WitResult(boolean isOk, Object value) {
    private static final WitResult UNIT = new WitResult(true, null);

    /** {@code ok(value)}. */
    public static WitResult ok(Object value) {
        return value == null ? UNIT : new WitResult(true, value);
    }

    /** {@code ok} without payload. */
    public static WitResult ok() {
        return UNIT;
    }

    /** {@code error(value)}. */
    public static WitResult error(Object value) {
        return new WitResult(false, value);
    }

    /** The ok payload. @throws IllegalStateException if this is an error */
    public Object okValue() {
        if (!isOk) {
            throw new IllegalStateException("result is error(" + value + ")");
        }
        return value;
    }

    /** The error payload. @throws IllegalStateException if this is ok */
    public Object errorValue() {
        if (isOk) {
            throw new IllegalStateException("result is ok(" + value + ")");
        }
        return value;
    }
}
