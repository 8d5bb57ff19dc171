package dev.tvm.core.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * Pages of a region were brought back into memory by the access (or load, pin, compaction) that
 * needed them. The event's duration is the fault latency that access waited: making room (which
 * may spill other pages, see {@link SpillEvent}), reading and checksumming the pages.
 */
@Name("dev.tvm.Fault")
@Label("Page Fault")
@Category({"TVM", "Residency"})
@Description("Spilled or external pages faulted back into memory; the duration is the latency the access waited")
public final class FaultEvent extends RegionEvent {
    @Label("First Page")
    @Description("Index of the first faulted 64 KiB page in the region")
    int firstPage;

    @Label("Pages")
    @Description("Pages made resident, read-ahead included")
    int pages;

    @Label("Read-Ahead Pages")
    @Description("Pages read along because their slots followed on, not needed by the access itself")
    int readAheadPages;

    @Label("Bytes")
    @DataAmount
    long bytes;

    @Label("Source")
    @Description("'spill file' or 'external loader'")
    String source;

    /** Starts timing a fault; null when no recording wants the event. Called by tvm-core. */
    public static FaultEvent start() {
        FaultEvent event = new FaultEvent();
        if (!event.isEnabled()) {
            return null;
        }
        event.begin();
        return event;
    }

    /** Ends and commits a fault started with {@link #start()}; does nothing for null. */
    public static void finish(
            FaultEvent event,
            int regionRef,
            String name,
            int firstPage,
            int pages,
            int readAheadPages,
            long bytes,
            boolean external) {
        if (event == null) {
            return;
        }
        event.end();
        if (!event.shouldCommit()) {
            return;
        }
        event.region(regionRef, name);
        event.firstPage = firstPage;
        event.pages = pages;
        event.readAheadPages = readAheadPages;
        event.bytes = bytes;
        event.source = external ? "external loader" : "spill file";
        event.commit();
    }
}
