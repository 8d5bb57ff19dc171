package dev.tvm.chicory.wit;

import java.util.Objects;

/**
 * The Java value of a WIT {@code variant}: the case name and its payload ({@code null} for a case
 * without payload).
 */
public record WitVariant(String caseName, Object payload) {
    /** Checks that the case is named. */
    public WitVariant {
        Objects.requireNonNull(caseName, "caseName");
    }

    /** A case without payload. */
    public static WitVariant of(String caseName) {
        return new WitVariant(caseName, null);
    }
}
