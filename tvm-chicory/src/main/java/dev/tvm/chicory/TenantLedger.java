package dev.tvm.chicory;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionStats;
import dev.tvm.core.TvmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one tenant owns, counted against its {@link TenantQuota}: the regions it created (through
 * its raw or typed path) and, over them, live allocations and the bytes those hold.
 *
 * <p>The allocation counters are upper bounds: every admitted allocation adds to them and nothing
 * subtracts (frees, resets and destroys by anyone), so the hot path never scans. When a request
 * would cross a limit, the ledger first recounts from the regions themselves and refuses only if
 * the exact figure is over. Every change here happens before the directory is touched, so an
 * {@code Error} between the two leaves at worst a count that is too high until the next recount,
 * never a region or allocation the ledger does not know of.
 */
final class TenantLedger {
    private final RegionDirectory directory;
    private final TenantQuota quota;

    /** {@code ownedGen[id]}: the generation of the owned region with that id, or 0. */
    private int[] ownedGen = new int[64];

    private final List<Region> owned = new ArrayList<>();
    private long reserved;
    private long handles;
    private long bytes;

    TenantLedger(RegionDirectory directory, TenantQuota quota) {
        this.directory = directory;
        this.quota = quota;
    }

    TenantQuota quota() {
        return quota;
    }

    /** Refuses a region of {@code capacity} bytes if it would cross the region or reserved quota. */
    synchronized void admitRegion(long capacity) {
        if (owned.size() >= quota.maxRegions() || capacity > quota.maxReservedBytes() - reserved) {
            recount();
        }
        if (owned.size() >= quota.maxRegions()) {
            throw TvmException.of(
                    ErrorCode.TOO_MANY_REGIONS,
                    "tenant quota: this guest owns " + owned.size() + " live regions, its limit; destroy one first");
        }
        if (capacity > quota.maxReservedBytes() - reserved) {
            throw TvmException.of(
                    ErrorCode.NO_MEMORY,
                    "tenant quota: a region of " + capacity + " bytes would take this guest's reserved address space"
                            + " to " + (reserved + capacity) + " bytes, above its limit of "
                            + quota.maxReservedBytes() + "; destroy regions or ask for smaller ones");
        }
    }

    /**
     * Records a region this tenant just created (after {@link #admitRegion}). The caller destroys
     * the region again if this throws (an {@code OutOfMemoryError} growing the table).
     */
    synchronized void recordRegion(Region region) {
        int id = region.id();
        if (id >= ownedGen.length) {
            ownedGen = Arrays.copyOf(ownedGen, Math.max(id + 1, ownedGen.length * 2));
        }
        owned.add(region);
        ownedGen[id] = HandleCodec.regionGen(region.ref());
        reserved += region.capacity();
    }

    /** Forgets a region this tenant destroyed. */
    synchronized void forgetRegion(int ref) {
        for (int i = 0; i < owned.size(); i++) {
            if (owned.get(i).ref() == ref) {
                forget(i);
                return;
            }
        }
    }

    private void forget(int index) {
        Region region = owned.get(index);
        ownedGen[region.id()] = 0;
        reserved -= region.capacity();
        owned.set(index, owned.getLast());
        owned.removeLast();
    }

    /** Whether this tenant created region {@code ref} (and has not been told it is gone). */
    boolean owns(int ref) {
        int id = HandleCodec.regionId(ref);
        int[] table = ownedGen;
        return id < table.length && table[id] == HandleCodec.regionGen(ref) && table[id] != 0;
    }

    /**
     * Refuses {@code count} allocations of {@code size} bytes in {@code region} if they would cross
     * the handle or resident quota; counts them otherwise. Regions the tenant does not own, and
     * sizes the region will refuse anyway, are not counted here.
     */
    void admitAllocations(Region region, long size, long count) {
        if (!owns(region.ref()) || size <= 0 || size > region.capacity() || count <= 0) {
            return;
        }
        synchronized (this) {
            long addBytes = size * count; // size <= 4 GiB, count <= 2^20: no overflow
            if (count > quota.maxHandles() - handles || addBytes > quota.maxResidentBytes() - bytes) {
                recount();
            }
            if (count > quota.maxHandles() - handles) {
                throw TvmException.of(
                        ErrorCode.TOO_MANY_HANDLES,
                        "tenant quota: this guest holds " + handles + " live allocations in its regions and may hold "
                                + quota.maxHandles() + "; free some first");
            }
            if (addBytes > quota.maxResidentBytes() - bytes) {
                throw TvmException.of(
                        ErrorCode.NO_MEMORY,
                        "tenant quota: " + addBytes + " more bytes would take this guest's allocations to "
                                + (bytes + addBytes) + " bytes, above its limit of " + quota.maxResidentBytes()
                                + "; free or reset first");
            }
            handles += count;
            bytes += addBytes;
        }
    }

    /** Exact figures from the regions; drops those destroyed elsewhere. */
    private void recount() {
        long h = 0;
        long b = 0;
        for (int i = owned.size() - 1; i >= 0; i--) {
            Region region = owned.get(i);
            RegionStats s;
            try {
                directory.region(region.ref());
                s = region.stats();
            } catch (TvmException gone) {
                forget(i);
                continue;
            }
            h += s.liveAllocations();
            b += s.usedBytes();
        }
        handles = h;
        bytes = b;
    }

    /** Forgets everything (the tenant left). */
    synchronized void clear() {
        owned.clear();
        ownedGen = new int[64];
        reserved = 0;
        handles = 0;
        bytes = 0;
    }
}
