package dev.tvm.core;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one region. {@code record*} methods are called on the access path and cost a
 * striped add each; {@link #snapshot} reads them into an immutable {@link RegionStats}. Counters
 * only grow: a snapshot minus an earlier snapshot is the activity in between.
 */
final class RegionMetrics {
    private static final ErrorCode[] CODES = ErrorCode.values();

    private final LongAdder allocations = new LongAdder();
    private final LongAdder frees = new LongAdder();
    private final LongAdder leases = new LongAdder();
    private final LongAdder bytesAllocated = new LongAdder();
    private final LongAdder bytesFreed = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder compactions = new LongAdder();
    private final LongAdder bytesMoved = new LongAdder();
    private final LongAdder resets = new LongAdder();
    private final Map<ErrorCode, LongAdder> failures = new EnumMap<>(ErrorCode.class);

    RegionMetrics() {
        for (ErrorCode code : CODES) {
            failures.put(code, new LongAdder());
        }
    }

    void recordAllocation(long bytes) {
        allocations.increment();
        bytesAllocated.add(bytes);
    }

    void recordAllocations(int count, long bytes) {
        allocations.add(count);
        bytesAllocated.add(bytes);
    }

    void recordLease() {
        leases.increment();
    }

    void recordFree(long bytes) {
        frees.increment();
        bytesFreed.add(bytes);
    }

    void recordFrees(long count, long bytes) {
        frees.add(count);
        bytesFreed.add(bytes);
    }

    void recordRead(long bytes) {
        bytesRead.add(bytes);
    }

    void recordWrite(long bytes) {
        bytesWritten.add(bytes);
    }

    void recordCompaction(long moved) {
        compactions.increment();
        bytesMoved.add(moved);
    }

    void recordReset() {
        resets.increment();
    }

    void recordFailure(ErrorCode code) {
        failures.get(code).increment();
    }

    RegionStats snapshot(long liveAllocations, long liveBytes, long usedBytes, long touchedBytes) {
        Map<ErrorCode, Long> byKind = new EnumMap<>(ErrorCode.class);
        for (ErrorCode code : CODES) {
            long n = failures.get(code).sum();
            if (n != 0) {
                byKind.put(code, n);
            }
        }
        return new RegionStats(
                allocations.sum(),
                frees.sum(),
                leases.sum(),
                bytesAllocated.sum(),
                bytesFreed.sum(),
                liveAllocations,
                liveBytes,
                usedBytes,
                touchedBytes,
                bytesRead.sum(),
                bytesWritten.sum(),
                compactions.sum(),
                bytesMoved.sum(),
                resets.sum(),
                byKind);
    }
}
