package dev.tvm.core;

import java.util.EnumMap;
import java.util.Map;

/**
 * An immutable snapshot of a region's counters (or, from {@link RegionDirectory#stats()}, their
 * sum over regions).
 *
 * @param allocations allocations made, batch members and leases included
 * @param frees allocations freed, one by one or by a reset
 * @param leases arena leases taken
 * @param bytesAllocated requested bytes of all allocations made
 * @param bytesFreed requested bytes of all allocations freed
 * @param liveAllocations allocations live at the snapshot
 * @param liveBytes requested bytes of the live allocations
 * @param usedBytes bytes the allocator holds for live allocations, rounding included
 * @param touchedBytes high-water mark of bytes handed out since the last reset or compaction
 * @param bytesRead bytes read through handles (bulk reads, loads, copy sources)
 * @param bytesWritten bytes written through handles (bulk writes, stores, copy targets)
 * @param compactions compactions run
 * @param bytesMoved bytes moved by compactions
 * @param resets resets run
 * @param handleFailures refused accesses by failure kind (kinds with zero are absent)
 */
public record RegionStats(
        long allocations,
        long frees,
        long leases,
        long bytesAllocated,
        long bytesFreed,
        long liveAllocations,
        long liveBytes,
        long usedBytes,
        long touchedBytes,
        long bytesRead,
        long bytesWritten,
        long compactions,
        long bytesMoved,
        long resets,
        Map<ErrorCode, Long> handleFailures) {

    /** Copies the failure counts, so the stats never change. */
    public RegionStats {
        handleFailures = Map.copyOf(handleFailures);
    }

    /** All zero. */
    public static final RegionStats EMPTY = new RegionStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of());

    /** This snapshot with the live figures zeroed: what a destroyed region leaves to the totals. */
    public RegionStats withoutLiveFigures() {
        return new RegionStats(
                allocations,
                frees,
                leases,
                bytesAllocated,
                bytesFreed,
                0,
                0,
                0,
                0,
                bytesRead,
                bytesWritten,
                compactions,
                bytesMoved,
                resets,
                handleFailures);
    }

    /** Refused accesses of one kind. */
    public long failures(ErrorCode code) {
        return handleFailures.getOrDefault(code, 0L);
    }

    /** Refused accesses of every kind. */
    public long totalFailures() {
        long sum = 0;
        for (long n : handleFailures.values()) {
            sum += n;
        }
        return sum;
    }

    /** Field-wise sum, for directory totals. */
    public RegionStats plus(RegionStats o) {
        Map<ErrorCode, Long> merged = new EnumMap<>(ErrorCode.class);
        merged.putAll(handleFailures);
        o.handleFailures.forEach((k, v) -> merged.merge(k, v, Long::sum));
        return new RegionStats(
                allocations + o.allocations,
                frees + o.frees,
                leases + o.leases,
                bytesAllocated + o.bytesAllocated,
                bytesFreed + o.bytesFreed,
                liveAllocations + o.liveAllocations,
                liveBytes + o.liveBytes,
                usedBytes + o.usedBytes,
                touchedBytes + o.touchedBytes,
                bytesRead + o.bytesRead,
                bytesWritten + o.bytesWritten,
                compactions + o.compactions,
                bytesMoved + o.bytesMoved,
                resets + o.resets,
                merged);
    }
}
