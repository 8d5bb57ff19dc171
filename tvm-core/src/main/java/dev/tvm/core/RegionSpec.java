package dev.tvm.core;

import java.util.Objects;

/**
 * Everything needed to create a region. Immutable; {@code withX} methods return copies.
 *
 * <pre>{@code
 * RegionSpec spec = RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(1L << 30).withName("weights");
 * }</pre>
 */
public final class RegionSpec {
    /** The largest region: a full 32-bit address space. */
    public static final long MAX_CAPACITY = 1L << 32;
    /** Capacities are rounded up to whole WebAssembly pages. */
    public static final long CAPACITY_GRANULE = 64 * 1024;
    /** Default page size of {@link AllocatorKind#PAGE} regions. */
    public static final int DEFAULT_PAGE_SIZE = 64 * 1024;

    private final RegionKind kind;
    private final long capacity;
    private final AllocatorKind allocator;
    private final PlacementPolicy policy;
    private final int pageSize;
    private final String name;
    private final boolean readOnly;

    private RegionSpec(
            RegionKind kind,
            long capacity,
            AllocatorKind allocator,
            PlacementPolicy policy,
            int pageSize,
            String name,
            boolean readOnly) {
        this.readOnly = readOnly;
        this.kind = kind;
        this.capacity = capacity;
        this.allocator = allocator;
        this.policy = policy;
        this.pageSize = pageSize;
        this.name = name;
    }

    /** A spec with the kind's defaults and the maximum capacity (4 GiB, reserved, not committed). */
    public static RegionSpec of(RegionKind kind) {
        Objects.requireNonNull(kind, "kind");
        return new RegionSpec(
                kind,
                MAX_CAPACITY,
                kind.defaultAllocator(),
                kind.defaultPolicy(),
                DEFAULT_PAGE_SIZE,
                kind.name(),
                false);
    }

    /**
     * A copy with another capacity in bytes: 1 to 4 GiB, rounded up to 64 KiB.
     *
     * @throws TvmException.InvalidArgumentException outside that range
     */
    public RegionSpec withCapacity(long bytes) {
        if (bytes <= 0 || bytes > MAX_CAPACITY) {
            throw new TvmException.InvalidArgumentException(
                    "region capacity " + bytes + " is outside 1.." + MAX_CAPACITY + " bytes");
        }
        long rounded = (bytes + CAPACITY_GRANULE - 1) & -CAPACITY_GRANULE;
        return new RegionSpec(kind, rounded, allocator, policy, pageSize, name, readOnly);
    }

    /** A copy with another allocator. */
    public RegionSpec withAllocator(AllocatorKind value) {
        return new RegionSpec(
                kind, capacity, Objects.requireNonNull(value, "allocator"), policy, pageSize, name, readOnly);
    }

    /** A copy with another placement policy. */
    public RegionSpec withPolicy(PlacementPolicy value) {
        return new RegionSpec(
                kind, capacity, allocator, Objects.requireNonNull(value, "policy"), pageSize, name, readOnly);
    }

    /**
     * A copy with another page size for {@link AllocatorKind#PAGE}: a power of two from 4 KiB to 1 MiB.
     */
    public RegionSpec withPageSize(int bytes) {
        if (bytes < 4096 || bytes > (1 << 20) || Integer.bitCount(bytes) != 1) {
            throw new TvmException.InvalidArgumentException(
                    "page size " + bytes + " is not a power of two from 4096 to 1048576");
        }
        return new RegionSpec(kind, capacity, allocator, policy, bytes, name, readOnly);
    }

    /** A copy with a label shown in descriptions and metrics. */
    public RegionSpec withName(String value) {
        return new RegionSpec(
                kind, capacity, allocator, policy, pageSize, Objects.requireNonNull(value, "name"), readOnly);
    }

    /**
     * A copy that is read-only or not: a read-only region refuses writes, stores, copies into it
     * and new allocations with {@link ErrorCode#READ_ONLY}. Its content comes from elsewhere
     * (an {@link ExternalLoader}, a snapshot).
     */
    public RegionSpec withReadOnly(boolean value) {
        return new RegionSpec(kind, capacity, allocator, policy, pageSize, name, value);
    }

    /** Whether the region refuses writes. */
    public boolean readOnly() {
        return readOnly;
    }

    /** What the region holds. */
    public RegionKind kind() {
        return kind;
    }

    /** The region's size in bytes, at most 4 GiB. */
    public long capacity() {
        return capacity;
    }

    /** How the region allocates. */
    public AllocatorKind allocator() {
        return allocator;
    }

    /** Where the region starts and whether it may be pinned or spilled. */
    public PlacementPolicy policy() {
        return policy;
    }

    /** The PAGE allocator's page size in bytes. */
    public int pageSize() {
        return pageSize;
    }

    /** A name for humans (metrics, messages); empty if none. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "RegionSpec[" + name + ", " + kind + ", " + capacity + " bytes, " + allocator + ", " + policy
                + (readOnly ? ", read-only" : "") + "]";
    }
}
