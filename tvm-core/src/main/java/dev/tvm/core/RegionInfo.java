package dev.tvm.core;

/**
 * A description of one region at one moment.
 *
 * @param ref the region reference (id and generation)
 * @param name the label given at creation
 * @param kind the region kind
 * @param allocator the allocation strategy
 * @param policy the placement policy
 * @param tier the current tier
 * @param capacity the size of its address space in bytes
 * @param pinCount how many pins are held (0 = unpinned)
 * @param stats its counters
 * @param residentBytes bytes of its pages in memory now
 * @param spilledBytes bytes of its pages in the spill file now
 */
public record RegionInfo(
        int ref,
        String name,
        RegionKind kind,
        AllocatorKind allocator,
        PlacementPolicy policy,
        Tier tier,
        long capacity,
        int pinCount,
        RegionStats stats,
        long residentBytes,
        long spilledBytes) {

    /** The region id, 1..65535. */
    public int id() {
        return HandleCodec.regionId(ref);
    }

    /** The generation of the id. */
    public int generation() {
        return HandleCodec.regionGen(ref);
    }
}
