package dev.tvm.chicory;

import com.dylibso.chicory.runtime.WasmRuntimeException;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.TvmException;

/**
 * A trap raised by a TVM load or store (which have no result value to carry an error code). It
 * unwinds the guest like any WebAssembly trap.
 */
public final class TvmTrapException extends WasmRuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ErrorCode code;

    /** A trap of kind {@code code} with {@code message}, caused by {@code cause}. */
    public TvmTrapException(ErrorCode code, String message, Throwable cause) {
        super("tvm trap " + code + " (" + code.code() + "): " + message, cause);
        this.code = code;
    }

    /** The trap that reports {@code failure} to the guest: its code and message, it as the cause. */
    public static TvmTrapException of(TvmException failure) {
        return new TvmTrapException(failure.code(), failure.getMessage(), failure);
    }

    /** The failure kind. */
    public ErrorCode code() {
        return code;
    }
}
