package dev.tvm.core.events;

import dev.tvm.core.HandleCodec;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A region was compacted; the duration includes faulting its spilled pages in first. */
@Name("dev.tvm.Compaction")
@Label("Compaction")
@Category({"TVM", "Regions"})
@Description("Live allocations of a region slid together and the freed tail released")
public final class CompactionEvent extends Event {
    @Label("Region Id")
    int regionId;

    @Label("Region Generation")
    int regionGeneration;

    @Label("Region Name")
    String regionName;

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
        event.regionId = HandleCodec.regionId(regionRef);
        event.regionGeneration = HandleCodec.regionGen(regionRef);
        event.regionName = name;
        event.liveAllocations = liveAllocations;
        event.allocationsMoved = allocationsMoved;
        event.bytesMoved = bytesMoved;
        event.touchedBefore = touchedBefore;
        event.touchedAfter = touchedAfter;
        event.bytesReclaimed = touchedBefore - touchedAfter;
        event.commit();
    }
}
