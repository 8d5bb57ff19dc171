package dev.tvm.chicory.wit;

/** A {@code .wit} text the {@link WitParser} cannot read: a syntax error or an unsupported feature. */
public final class WitParseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A parse error described by {@code message} (it names the line and column). */
    public WitParseException(String message) {
        super(message);
    }
}
