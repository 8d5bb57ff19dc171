package dev.tvm.chicory;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.TvmException;
import java.util.Objects;

/**
 * A hibernation snapshot could not be written, read or resumed. {@link #reason()} says which of
 * the kinds below it is; the message names the file, what is wrong and what to do.
 *
 * <p>Whatever the reason, a failed {@link Hibernation} operation leaves what it was given as it
 * was: a failed write leaves the instance untouched and any older file at the path in place; a
 * failed resume returns no instance (the memories it made for one are closed when they are {@link
 * AutoCloseable}).
 */
public final class HibernationException extends TvmException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** The snapshot was taken of another module: the module bytes' SHA-256 differs. */
        FOREIGN_MODULE(ErrorCode.INVALID_ARGUMENT),
        /** The file ends before the snapshot does. */
        TRUNCATED(ErrorCode.SPILL_CORRUPT),
        /** A checksum, a count, a value or the file's structure is wrong; or it is no snapshot. */
        CORRUPT(ErrorCode.SPILL_CORRUPT),
        /** The file is a snapshot of a format version this code does not know. */
        UNKNOWN_VERSION(ErrorCode.SPILL_CORRUPT),
        /** The instance holds state a snapshot cannot carry (an open directory, a host reference). */
        REFUSED(ErrorCode.UNSUPPORTED),
        /**
         * The instance or WASI options given to resume do not fit the snapshot (other import
         * values, memory limits, arguments).
         */
        MISMATCH(ErrorCode.INVALID_ARGUMENT),
        /** Reading or writing the file failed (a full disk, a missing directory). */
        IO_ERROR(ErrorCode.SPILL_IO_ERROR);

        private final ErrorCode code;

        Reason(ErrorCode code) {
            this.code = code;
        }
    }

    private final Reason reason;

    /** An exception of {@code reason} with {@code message}, caused by {@code cause} (may be null). */
    public HibernationException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(reason, "reason").code, message, cause);
        this.reason = reason;
    }

    /** An exception of {@code reason} with {@code message}. */
    public HibernationException(Reason reason, String message) {
        this(reason, message, null);
    }

    /** What went wrong. */
    public Reason reason() {
        return reason;
    }
}
