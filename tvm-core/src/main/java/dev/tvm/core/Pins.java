package dev.tvm.core;

/**
 * A region's pin counts: all pins, and those taken by {@link Region#pinDirect()} (a subset).
 * Changed under the region's exclusive lock and read under either (see the lock protocol in
 * {@link Region}); {@link #heldRelaxed()} alone is read without the lock.
 */
final class Pins {
    private final Region region;
    private int count;
    private int direct;
    /** {@code count > 0}, published after every change: the residency manager reads it without the lock. */
    private volatile boolean held;

    Pins(Region region) {
        this.region = region;
    }

    /** All pins held. Lock held. */
    int count() {
        return count;
    }

    /** Pins held by direct access. Lock held. */
    int direct() {
        return direct;
    }

    /** Whether a pin is held, read without the lock (a hint for victim selection; eviction rechecks). */
    boolean heldRelaxed() {
        return held;
    }

    /**
     * Refuses a region whose placement policy is not pinnable.
     *
     * @throws TvmException.UnsupportedOperationTvmException if it is not
     */
    void checkPinnable() {
        if (!region.spec().policy().pinnable()) {
            throw TvmException.of(ErrorCode.UNSUPPORTED, region + " is not pinnable by its placement policy");
        }
    }

    /** Adds a pin, direct or not ({@link #checkPinnable} passed). Exclusive lock held. */
    void add(boolean directAccess) {
        count++;
        if (directAccess) {
            direct++;
        }
        held = true;
    }

    /**
     * Releases a pin, direct or not. Exclusive lock held.
     *
     * @throws TvmException.InvalidArgumentException if no such pin is held
     */
    void remove(boolean directAccess) {
        if (directAccess ? direct == 0 : count - direct == 0) {
            throw new TvmException.InvalidArgumentException(
                    directAccess
                            ? region + " has no direct pin"
                            : region + " is not pinned" + (direct > 0 ? " (except by direct access)" : ""));
        }
        count--;
        if (directAccess) {
            direct--;
        }
        held = count > 0;
    }
}
