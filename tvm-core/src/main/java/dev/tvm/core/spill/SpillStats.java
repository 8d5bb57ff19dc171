package dev.tvm.core.spill;

/**
 * A snapshot of one {@link SpillFile}. The counters are cumulative since the file was created or
 * opened; the call counts are channel calls (one positional or gathering write or read each), so
 * {@code bytesWritten / writeCalls} shows how well writes were coalesced.
 *
 * @param pageSize bytes per slot
 * @param fileSize the file's current length in bytes (header, slots and any trailer), or -1 if it
 *     could not be read
 * @param slotCount slots in the file, allocated or free
 * @param slotsInUse allocated slots
 * @param freeSlots free slots, reused before the file grows
 * @param freeRuns maximal runs of free slots (1 free run of 10 slots is less fragmented than 10)
 * @param bytesWritten payload and metadata bytes written
 * @param bytesRead payload bytes read
 * @param writeCalls channel write calls
 * @param readCalls channel read calls
 * @param mapCalls runs mapped with {@link SpillFile#mapRun}
 * @param ioErrors operations that failed with {@code SPILL_IO_ERROR}
 * @param corruptions reads that failed with {@code SPILL_CORRUPT}
 */
public record SpillStats(
        int pageSize,
        long fileSize,
        long slotCount,
        long slotsInUse,
        long freeSlots,
        int freeRuns,
        long bytesWritten,
        long bytesRead,
        long writeCalls,
        long readCalls,
        long mapCalls,
        long ioErrors,
        long corruptions) {}
