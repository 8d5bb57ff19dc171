package dev.tvm.core.memory;

/** Creates the {@link Backing} for a new region. */
@FunctionalInterface
public interface BackingFactory {
    /**
     * Creates a backing of exactly {@code capacity} bytes, all reading as zero.
     *
     * @throws dev.tvm.core.TvmException.CapacityExceededException if the memory cannot be reserved
     */
    Backing create(long capacity);

    /**
     * The best factory for this platform: lazily committed anonymous mappings where the OS offers
     * them ({@link ReservedBacking}), eager arena memory otherwise.
     */
    static BackingFactory defaultFactory() {
        return ReservedBacking.isSupported() ? ReservedBacking::reserve : ArenaBacking::allocate;
    }
}
