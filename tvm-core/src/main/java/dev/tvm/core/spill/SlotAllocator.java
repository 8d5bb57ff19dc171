package dev.tvm.core.spill;

import dev.tvm.core.TvmException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which slots of a spill file are free. Slots {@code [0, slotCount)} exist; a slot is either in a
 * free run or allocated. Free runs are kept in a map from first slot to length, always coalesced
 * (no two free runs touch), so a fragmented file has as few runs as possible.
 *
 * <p>Allocation is first fit over the free runs in slot order (the lowest run that is long enough,
 * which keeps the file compact at its low end), else it extends {@code slotCount}, starting inside
 * a free run at the end of the file if there is one. {@code maxRunHint} is an upper bound on the
 * longest free run, refreshed by every scan that fails, so repeated requests larger than any free
 * run extend the file without rescanning.
 *
 * <p>Not thread-safe: {@link SpillFile} guards it with its allocation lock.
 */
final class SlotAllocator {
    private final TreeMap<Long, Long> free = new TreeMap<>();
    private long slotCount;
    private long freeSlots;
    private long maxRunHint;
    private long lastLength;

    /** An allocator for a file with {@code slotCount} slots, all of them free. */
    SlotAllocator(long slotCount) {
        if (slotCount < 0) {
            throw new IllegalArgumentException("negative slot count " + slotCount);
        }
        this.slotCount = slotCount;
        if (slotCount > 0) {
            free.put(0L, slotCount);
            freeSlots = slotCount;
            maxRunHint = slotCount;
        }
    }

    /** Allocates {@code pages} contiguous slots and returns the first. */
    long allocate(long pages) {
        requirePositive(pages);
        if (pages <= maxRunHint) {
            long longest = 0;
            long found = -1;
            long foundLength = 0;
            for (Map.Entry<Long, Long> run : free.entrySet()) {
                long length = run.getValue();
                if (length >= pages) {
                    found = run.getKey();
                    foundLength = length;
                    break;
                }
                longest = Math.max(longest, length);
            }
            if (found >= 0) {
                free.remove(found);
                if (foundLength > pages) {
                    free.put(found + pages, foundLength - pages);
                }
                freeSlots -= pages;
                return found;
            }
            maxRunHint = longest;
        }
        long start = slotCount;
        Map.Entry<Long, Long> last = free.lastEntry();
        if (last != null && last.getKey() + last.getValue() == slotCount) {
            start = last.getKey();
            free.remove(start);
            freeSlots -= last.getValue();
        }
        slotCount = Math.addExact(start, pages);
        return start;
    }

    /**
     * Allocates between 1 and {@code pages} contiguous slots: as many as the lowest free run holds
     * (so scattered free slots are used before the file grows), else {@code pages} at the end of
     * the file. Returns the first slot; the length is {@code Math.min(pages, ...)}, given by
     * {@link #lastLength()}.
     */
    long allocateUpTo(long pages) {
        requirePositive(pages);
        Map.Entry<Long, Long> lowest = free.firstEntry();
        if (lowest == null) {
            lastLength = pages;
            return allocate(pages);
        }
        long first = lowest.getKey();
        long length = Math.min(pages, lowest.getValue());
        free.remove(first);
        if (lowest.getValue() > length) {
            free.put(first + length, lowest.getValue() - length);
        } else if (first + length == slotCount && length < pages) {
            // The lowest run ends the file: extend it instead of taking a short run.
            slotCount = Math.addExact(first, pages);
            freeSlots -= length;
            lastLength = pages;
            return first;
        }
        freeSlots -= length;
        lastLength = length;
        return first;
    }

    /** The length of the run the last {@link #allocateUpTo} returned. */
    long lastLength() {
        return lastLength;
    }

    /** Returns {@code [first, first + pages)}, which must be allocated, to the free runs. */
    void free(long first, long pages) {
        requirePositive(pages);
        if (!isAllocated(first, pages)) {
            throw new TvmException.InvalidArgumentException("slots " + range(first, pages)
                    + " are not all allocated (double free, or beyond the " + slotCount + " slots of the file)");
        }
        long start = first;
        long end = first + pages;
        Map.Entry<Long, Long> below = free.lowerEntry(first);
        if (below != null && below.getKey() + below.getValue() == first) {
            start = below.getKey();
            free.remove(start);
        }
        Long above = free.remove(end);
        if (above != null) {
            end += above;
        }
        free.put(start, end - start);
        freeSlots += pages;
        maxRunHint = Math.max(maxRunHint, end - start);
    }

    /** Takes {@code [first, first + pages)}, which must be free, out of the free runs. */
    void markUsed(long first, long pages) {
        requirePositive(pages);
        Map.Entry<Long, Long> run = first < 0 ? null : free.floorEntry(first);
        long end = first + pages;
        if (run == null || end < first || end > run.getKey() + run.getValue()) {
            throw new TvmException.InvalidArgumentException("slots " + range(first, pages)
                    + " are not all free (already in use, or beyond the " + slotCount + " slots of the file)");
        }
        long runStart = run.getKey();
        long runEnd = runStart + run.getValue();
        free.remove(runStart);
        if (runStart < first) {
            free.put(runStart, first - runStart);
        }
        if (end < runEnd) {
            free.put(end, runEnd - end);
        }
        freeSlots -= pages;
    }

    /** Whether every slot of {@code [first, first + pages)} exists and is allocated. */
    boolean isAllocated(long first, long pages) {
        if (first < 0 || pages <= 0 || first > slotCount - pages) {
            return false;
        }
        Map.Entry<Long, Long> atOrBelow = free.floorEntry(first);
        if (atOrBelow != null && atOrBelow.getKey() + atOrBelow.getValue() > first) {
            return false;
        }
        Long above = free.higherKey(first);
        return above == null || above >= first + pages;
    }

    /** Drops a free run that ends the file, so the file ends at its last allocated slot. */
    long trimTail() {
        Map.Entry<Long, Long> last = free.lastEntry();
        if (last != null && last.getKey() + last.getValue() == slotCount) {
            free.remove(last.getKey());
            freeSlots -= last.getValue();
            slotCount = last.getKey();
        }
        return slotCount;
    }

    long slotCount() {
        return slotCount;
    }

    long freeSlots() {
        return freeSlots;
    }

    int freeRuns() {
        return free.size();
    }

    static String range(long first, long pages) {
        return "[" + first + ", " + (first + pages) + ")";
    }

    private static void requirePositive(long pages) {
        if (pages <= 0) {
            throw new TvmException.InvalidArgumentException("a run needs at least one page, got " + pages);
        }
    }
}
