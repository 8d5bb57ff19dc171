package dev.tvm.core;

/**
 * The root of every failure the substrate reports. Unchecked: a bad handle is a programming
 * error of the caller, like an out-of-bounds array index.
 *
 * <p>Each {@link ErrorCode} maps to exactly one subclass, and closely related codes share one:
 * {@link NoSuchRegionException} ({@code NO_SUCH_REGION}, {@code STALE_REGION}), {@link
 * InvalidHandleException} ({@code STALE_HANDLE}, {@code FORGED_HANDLE}), {@link
 * CapacityExceededException} ({@code REGION_FULL}, {@code TOO_MANY_REGIONS}, {@code
 * TOO_MANY_HANDLES}, {@code NO_MEMORY}) and {@link SpillException} ({@code SPILL_IO_ERROR},
 * {@code SPILL_CORRUPT}); every other code has a subclass of its own. So there are fewer
 * subclasses than codes: catch a family by type, and tell its codes apart with {@link #code()}.
 * {@link #of} is the mapping; its switch is exhaustive, so a new code does not compile until it
 * is given a subclass.
 */
public class TvmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    protected TvmException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    protected TvmException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The failure kind. */
    public ErrorCode code() {
        return code;
    }

    /** Creates the subclass that matches {@code code}. */
    public static TvmException of(ErrorCode code, String message) {
        return switch (code) {
            case INVALID_ARGUMENT -> new InvalidArgumentException(message);
            case NO_SUCH_REGION, STALE_REGION -> new NoSuchRegionException(code, message);
            case STALE_HANDLE, FORGED_HANDLE -> new InvalidHandleException(code, message);
            case OUT_OF_BOUNDS -> new OutOfBoundsException(message);
            case REGION_FULL, TOO_MANY_REGIONS, TOO_MANY_HANDLES, NO_MEMORY -> new CapacityExceededException(
                    code, message);
            case ACCESS_DENIED -> new AccessDeniedException(message);
            case PINNED -> new RegionPinnedException(message);
            case UNSUPPORTED -> new UnsupportedOperationTvmException(message);
            case GUEST_OUT_OF_BOUNDS -> new GuestOutOfBoundsException(message);
            case CLOSED -> new DirectoryClosedException(message);
            case SPILL_IO_ERROR, SPILL_CORRUPT -> new SpillException(code, message, null);
            case READ_ONLY -> new ReadOnlyException(message);
        };
    }

    /** {@link #of(ErrorCode, String)} with a cause. */
    public static TvmException of(ErrorCode code, String message, Throwable cause) {
        if (code == ErrorCode.SPILL_IO_ERROR || code == ErrorCode.SPILL_CORRUPT) {
            return new SpillException(code, message, cause);
        }
        TvmException e = of(code, message);
        e.initCause(cause);
        return e;
    }

    /** An argument outside its documented range. */
    public static final class InvalidArgumentException extends TvmException {
        private static final long serialVersionUID = 1L;

        /** An exception with this message. */
        public InvalidArgumentException(String message) {
            super(ErrorCode.INVALID_ARGUMENT, message);
        }
    }

    /** The region does not exist, or the reference names a destroyed incarnation. */
    public static final class NoSuchRegionException extends TvmException {
        private static final long serialVersionUID = 1L;

        /** An exception with this code (one of this kind's) and message. */
        public NoSuchRegionException(ErrorCode code, String message) {
            super(code, message);
        }
    }

    /** A handle that is stale (freed) or forged (never issued). */
    public static final class InvalidHandleException extends TvmException {
        private static final long serialVersionUID = 1L;

        /** An exception with this code (one of this kind's) and message. */
        public InvalidHandleException(ErrorCode code, String message) {
            super(code, message);
        }
    }

    /** An access reaching outside its allocation. */
    public static final class OutOfBoundsException extends TvmException {
        private static final long serialVersionUID = 1L;

        /** An exception with this message. */
        public OutOfBoundsException(String message) {
            super(ErrorCode.OUT_OF_BOUNDS, message);
        }
    }

    /** A region, handle table or the id space is full, or memory could not be reserved. */
    public static final class CapacityExceededException extends TvmException {
        private static final long serialVersionUID = 1L;

        /** An exception with this code (one of this kind's) and message. */
        public CapacityExceededException(ErrorCode code, String message) {
            super(code, message);
        }
    }

    /** The caller holds no capability for the region. */
    public static final class AccessDeniedException extends TvmException {
        private static final long serialVersionUID = 1L;

        /** An exception with this message. */
        public AccessDeniedException(String message) {
            super(ErrorCode.ACCESS_DENIED, message);
        }
    }

    /** The region is pinned. */
    public static final class RegionPinnedException extends TvmException {
        private static final long serialVersionUID = 1L;

        /** An exception with this message. */
        public RegionPinnedException(String message) {
            super(ErrorCode.PINNED, message);
        }
    }

    /** The operation is not supported by the region's allocator or policy. */
    public static final class UnsupportedOperationTvmException extends TvmException {
        private static final long serialVersionUID = 1L;

        /** An exception with this message. */
        public UnsupportedOperationTvmException(String message) {
            super(ErrorCode.UNSUPPORTED, message);
        }
    }

    /** A guest pointer outside the guest's linear memory. */
    public static final class GuestOutOfBoundsException extends TvmException {
        private static final long serialVersionUID = 1L;

        /** An exception with this message. */
        public GuestOutOfBoundsException(String message) {
            super(ErrorCode.GUEST_OUT_OF_BOUNDS, message);
        }
    }

    /** The directory is closed. */
    public static final class DirectoryClosedException extends TvmException {
        private static final long serialVersionUID = 1L;

        /** An exception with this message. */
        public DirectoryClosedException(String message) {
            super(ErrorCode.CLOSED, message);
        }
    }

    /**
     * A spill file could not be read or written ({@link ErrorCode#SPILL_IO_ERROR}) or is damaged
     * ({@link ErrorCode#SPILL_CORRUPT}).
     */
    public static final class SpillException extends TvmException {
        private static final long serialVersionUID = 1L;

        /** An exception with this code, message and cause. */
        public SpillException(ErrorCode code, String message, Throwable cause) {
            super(code, message, cause);
        }
    }

    /** A write to, or allocation in, a read-only region. */
    public static final class ReadOnlyException extends TvmException {
        private static final long serialVersionUID = 1L;

        /** An exception with this message. */
        public ReadOnlyException(String message) {
            super(ErrorCode.READ_ONLY, message);
        }
    }
}
