package dev.tvm.chicory.wit;

import com.dylibso.chicory.runtime.WasmRuntimeException;

/**
 * A trap raised while lifting or lowering canonical-ABI values: a guest pointer that is out of
 * bounds or misaligned, invalid UTF-8, a discriminant outside its variant, an invalid {@code
 * char}, a {@code cabi_realloc} that returned an unusable pointer. It unwinds the guest like any
 * WebAssembly trap, as the canonical ABI's {@code trap()} does.
 */
public final class CanonicalAbiException extends WasmRuntimeException {
    private static final long serialVersionUID = 1L;

    /** A trap with this reason. */
    public CanonicalAbiException(String message) {
        super("canonical ABI trap: " + message);
    }

    /** A trap with this reason, caused by {@code cause}. */
    public CanonicalAbiException(String message, Throwable cause) {
        super("canonical ABI trap: " + message, cause);
    }
}
