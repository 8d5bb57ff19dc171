package dev.tvm.chicory;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.TvmException;
import java.util.List;

/**
 * What the raw ({@link TvmImports}) and typed ({@code dev.tvm.chicory.wit.TypedImports}) bindings
 * share, so both treat failures and tenant clean-up the same way. Not an API for guests' hosts.
 */
public final class BindingSupport {
    private BindingSupport() {}

    /**
     * A runtime exception that is not a {@link TvmException} means a host bug or an argument the
     * checks missed. It is reported as {@code INVALID_ARGUMENT} rather than thrown into the guest,
     * so no guest input can crash the host, and kept as the cause for diagnosis.
     */
    public static TvmException internal(RuntimeException e) {
        TvmException wrapped = new TvmException.InvalidArgumentException("host rejected the call: " + e);
        wrapped.initCause(e);
        return wrapped;
    }

    /**
     * The host ran out of heap inside an import: the guest sees {@code NO_MEMORY} (its call failed
     * and changed nothing it can observe, see {@code docs/raw-abi.md}); the error is kept as the
     * cause.
     */
    public static TvmException outOfMemory(OutOfMemoryError e) {
        TvmException wrapped = TvmException.of(ErrorCode.NO_MEMORY, "the host ran out of memory: " + e.getMessage());
        wrapped.initCause(e);
        return wrapped;
    }

    /**
     * Any other {@code Error} inside an import (a host bug or a broken JVM): reported to the guest
     * as a trap with this exception, the error kept as the cause, instead of unwinding through
     * the guest and the host's call as an {@code Error}.
     */
    public static TvmException hostError(Error e) {
        TvmException wrapped = new TvmException.InvalidArgumentException("host error in the call: " + e);
        wrapped.initCause(e);
        return wrapped;
    }

    /**
     * Destroys the regions a guest created, skipping those destroyed elsewhere or pinned by
     * another holder (the directory keeps those), and forgets them.
     */
    public static void destroyCreated(RegionDirectory directory, List<Integer> created) {
        if (!directory.isClosed()) {
            for (int ref : created) {
                try {
                    directory.destroy(ref);
                } catch (TvmException alreadyGoneOrPinned) {
                    // destroyed elsewhere, or pinned by another holder: leave it to the directory
                }
            }
        }
        created.clear();
    }
}
