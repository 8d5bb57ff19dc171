package dev.tvm.core;

/**
 * An immutable snapshot of a directory's totals.
 *
 * @param liveRegions regions live now
 * @param regionsCreated regions ever created
 * @param regionsDestroyed regions ever destroyed
 * @param unresolvedFailures refusals of references or handles that named no live region
 * @param totals the sum of every region's counters, destroyed regions included (live figures
 *     such as {@code liveBytes} cover live regions only)
 */
public record DirectoryStats(
        int liveRegions, long regionsCreated, long regionsDestroyed, long unresolvedFailures, RegionStats totals) {}
