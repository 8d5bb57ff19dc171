package dev.tvm.core;

import java.util.Objects;

/**
 * How the directory may treat a region's residency.
 *
 * @param initialTier the tier the region starts in
 * @param pinnable whether the region may be pinned (pinned regions are never moved or demoted)
 * @param spillable whether the region's bytes may be written out to disk under memory pressure
 */
public record PlacementPolicy(Tier initialTier, boolean pinnable, boolean spillable) {
    /** Checks that the tier is given. */
    public PlacementPolicy {
        Objects.requireNonNull(initialTier, "initialTier");
    }

    /** A copy with another initial tier. */
    public PlacementPolicy withInitialTier(Tier tier) {
        return new PlacementPolicy(tier, pinnable, spillable);
    }

    /** A copy with another pinnable flag. */
    public PlacementPolicy withPinnable(boolean value) {
        return new PlacementPolicy(initialTier, value, spillable);
    }

    /** A copy with another spillable flag. */
    public PlacementPolicy withSpillable(boolean value) {
        return new PlacementPolicy(initialTier, pinnable, value);
    }
}
