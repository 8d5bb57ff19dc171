package dev.tvm.core.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Throttle;

/**
 * A region was compacted; the duration includes faulting its spilled pages in first.
 *
 * <p>A guest may call {@code compact} in a loop on a region with nothing to move, so the event is
 * throttled to {@value #THROTTLE} by default; the {@code throttle} setting of a recording changes
 * that ({@code "off"} records every compaction).
 */
@Name("dev.tvm.Compaction")
@Throttle(CompactionEvent.THROTTLE)
@Label("Compaction")
@Category({"TVM", "Regions"})
@Description("Live allocations of a region slid together and the freed tail released")
public final class CompactionEvent extends RegionEvent {
    /** The default rate limit of the event, at most this many events a second per recording. */
    public static final String THROTTLE = "100/s";

    @Label("Live Allocations")
    long liveAllocations;

    @Label("Allocations Moved")
    int allocationsMoved;

    @Label("Bytes Moved")
    @DataAmount
    long bytesMoved;

    @Label("Footprint Before")
    @Description("High-water mark before: bytes in use or in holes")
    @DataAmount
    long touchedBefore;

    @Label("Footprint After")
    @DataAmount
    long touchedAfter;

    @Label("Bytes Reclaimed")
    @DataAmount
    long bytesReclaimed;

    /** Starts timing a compaction; null when no recording wants the event. Called by tvm-core. */
    public static CompactionEvent start() {
        CompactionEvent event = new CompactionEvent();
        if (!event.isEnabled()) {
            return null;
        }
        event.begin();
        return event;
    }

    /** Ends and commits a compaction started with {@link #start()}; does nothing for null. */
    public static void finish(
            CompactionEvent event,
            int regionRef,
            String name,
            long liveAllocations,
            int allocationsMoved,
            long bytesMoved,
            long touchedBefore,
            long touchedAfter) {
        if (event == null) {
            return;
        }
        event.end();
        if (!event.shouldCommit()) {
            return;
        }
        event.region(regionRef, name);
        event.liveAllocations = liveAllocations;
        event.allocationsMoved = allocationsMoved;
        event.bytesMoved = bytesMoved;
        event.touchedBefore = touchedBefore;
        event.touchedAfter = touchedAfter;
        event.bytesReclaimed = touchedBefore - touchedAfter;
        event.commit();
    }
}
