package dev.tvm.chicory;

import com.dylibso.chicory.runtime.WasmRuntimeException;
import dev.tvm.core.ErrorCode;

/**
 * A trap raised by a TVM load or store (which have no result value to carry an error code). It
 * unwinds the guest like any WebAssembly trap.
 */
public final class TvmTrapException extends WasmRuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ErrorCode code;

    public TvmTrapException(ErrorCode code, String message, Throwable cause) {
        super("tvm trap " + code + " (" + code.code() + "): " + message, cause);
        this.code = code;
    }

    /** The failure kind. */
    public ErrorCode code() {
        return code;
    }
}
