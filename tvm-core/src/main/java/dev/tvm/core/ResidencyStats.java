package dev.tvm.core;

/**
 * An immutable snapshot of a directory's residency: its budget, what is resident, and the spill
 * and fault traffic so far.
 *
 * @param budgetBytes the resident budget
 * @param residentBytes bytes resident now (64 KiB pages below each region's high-water mark)
 * @param peakResidentBytes the most ever resident at once
 * @param faults fault-ins (each may bring in a run of pages)
 * @param bytesFaulted bytes read back from the spill file
 * @param spills eviction batches written
 * @param bytesSpilled bytes written to the spill file
 * @param spillFailures eviction batches whose write failed (their pages stayed resident)
 * @param busySkips victims skipped because a concurrent accessor held their region
 * @param spillFileBytes current size of the spill file
 * @param droppedAccessRecords access records the lossy buffer dropped (the policy never saw them)
 * @param bytesDropped bytes of EXTERNAL pages evicted without a write (their loader reloads them)
 * @param demotions explicit demotions of whole regions to COLD ({@code Region.spill()})
 * @param promotions promotions of whole regions to HOT ({@code Region.load()}, or a WARM region
 *     copied into anonymous memory)
 * @param bytesEvictedClean bytes of pages evicted without a write: faulted in, unmodified, and
 *     still in the slot they came from
 * @param slotsReclaimed spill slots taken from resident pages under disk pressure, so that
 *     evictions could go on without the file growing
 * @param bytesWrittenBehind bytes of modified resident pages written ahead of their eviction
 *     (write-behind; included in {@code bytesSpilled}), so that evicting them later costs no write
 */
public record ResidencyStats(
        long budgetBytes,
        long residentBytes,
        long peakResidentBytes,
        long faults,
        long bytesFaulted,
        long spills,
        long bytesSpilled,
        long spillFailures,
        long busySkips,
        long spillFileBytes,
        long droppedAccessRecords,
        long bytesDropped,
        long demotions,
        long promotions,
        long bytesEvictedClean,
        long slotsReclaimed,
        long bytesWrittenBehind) {}
