package dev.tvm.chicory;

import dev.tvm.core.TvmException;

/**
 * What one {@link Tenant} (one guest, its raw and typed paths together) may own in a shared
 * {@link dev.tvm.core.RegionDirectory}, so that no guest can exhaust the host's heap, the
 * directory's region ids or the process's address space for the others. A tenant owns the
 * regions it created; a region the host {@linkplain Tenant#grant granted} stays the host's
 * (the host chose its capacity). Refusals use the codes a guest already handles for the same
 * exhaustion (see {@code docs/raw-abi.md}, "Quotas"):
 *
 * <ul>
 *   <li>{@code maxRegions}: live regions it created, beyond which {@code region_create} fails
 *       with {@code TOO_MANY_REGIONS};
 *   <li>{@code maxReservedBytes}: the sum of those regions' capacities (address space reserved
 *       for it), beyond which {@code region_create} fails with {@code NO_MEMORY};
 *   <li>{@code maxHandles}: live allocations in those regions, beyond which {@code alloc},
 *       {@code alloc_batch} and {@code lease} fail with {@code TOO_MANY_HANDLES};
 *   <li>{@code maxResidentBytes}: bytes held by allocations in those regions ({@code used_bytes},
 *       the most they can make resident), beyond which allocation fails with {@code NO_MEMORY}.
 * </ul>
 *
 * @param maxRegions live regions the tenant created, at least 1
 * @param maxReservedBytes sum of their capacities in bytes, at least 64 KiB
 * @param maxHandles live allocations in them, at least 1
 * @param maxResidentBytes bytes their allocations hold, at least 1
 */
public record TenantQuota(int maxRegions, long maxReservedBytes, long maxHandles, long maxResidentBytes) {
    /**
     * The defaults, for a host running many tenants in one process:
     *
     * <ul>
     *   <li>256 regions: 256 tenants can each hold their full share of the directory's 65,535
     *       ids;
     *   <li>64 GiB reserved (16 regions of the 4 GiB maximum): 128 TiB of x86-64 user address
     *       space holds 2,000 such tenants, with room left for the JVM;
     *   <li>4,194,304 handles: a handle table slot costs 20 bytes of host heap, so at most 80 MiB
     *       per tenant (plus one table's doubling while it grows);
     *   <li>16 GiB resident: four full regions' worth of allocations.
     * </ul>
     */
    public static final TenantQuota DEFAULT = new TenantQuota(256, 64L << 30, 1L << 22, 16L << 30);

    /** No limits beyond the directory's own (for a host running its own, trusted guest). */
    public static final TenantQuota UNLIMITED =
            new TenantQuota(Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    /** Checks the limits (see the parameters). */
    public TenantQuota {
        if (maxRegions < 1 || maxReservedBytes < 64 * 1024 || maxHandles < 1 || maxResidentBytes < 1) {
            throw new TvmException.InvalidArgumentException("tenant quota " + maxRegions + " regions, "
                    + maxReservedBytes + " reserved bytes, " + maxHandles + " handles, " + maxResidentBytes
                    + " resident bytes: each must be positive (reserved at least 64 KiB)");
        }
    }

    /** This quota with another region count. */
    public TenantQuota withMaxRegions(int value) {
        return new TenantQuota(value, maxReservedBytes, maxHandles, maxResidentBytes);
    }

    /** This quota with another reserved-bytes limit. */
    public TenantQuota withMaxReservedBytes(long value) {
        return new TenantQuota(maxRegions, value, maxHandles, maxResidentBytes);
    }

    /** This quota with another handle count. */
    public TenantQuota withMaxHandles(long value) {
        return new TenantQuota(maxRegions, maxReservedBytes, value, maxResidentBytes);
    }

    /** This quota with another resident-bytes limit. */
    public TenantQuota withMaxResidentBytes(long value) {
        return new TenantQuota(maxRegions, maxReservedBytes, maxHandles, value);
    }
}
