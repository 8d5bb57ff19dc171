package dev.tvm.core.events;

import java.util.Arrays;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * One batch of pages written to a directory's spill file with one gathering write. A batch may
 * gather pages of several regions; the duration is the write (checksums included).
 *
 * <p>No stack trace: the batch is written on behalf of whichever caller needed room, and its pages
 * are usually other regions' than that caller's, so the stack says nothing about them.
 */
@Name("dev.tvm.Spill")
@StackTrace(false)
@Label("Spill")
@Category({"TVM", "Residency"})
@Description("A batch of pages written to the spill file with one gathering write; the duration is the write")
public final class SpillEvent extends Event {
    @Label("Reason")
    @Description("'budget' (evicted to make room) or 'demotion' (Region.spill())")
    String reason;

    @Label("Regions")
    @Description("Ids of the regions whose pages the batch holds, comma-separated")
    String regionIds;

    @Label("Region Count")
    int regionCount;

    @Label("Pages")
    int pages;

    @Label("Bytes")
    @DataAmount
    long bytes;

    @Label("First Slot")
    @Description("The first spill-file slot of the run written")
    long firstSlot;

    @Label("Spill File")
    String file;

    @Label("Succeeded")
    @Description("False if the write failed; the pages then stayed resident")
    boolean succeeded;

    /** Starts timing a spill; null when no recording wants the event. Called by tvm-core. */
    public static SpillEvent start() {
        SpillEvent event = new SpillEvent();
        if (!event.isEnabled()) {
            return null;
        }
        event.begin();
        return event;
    }

    /**
     * Ends and commits a spill started with {@link #start()}; does nothing for null.
     *
     * @param regionIds the region id of each page of the batch (any order, repeats allowed)
     * @param firstSlot the run's first slot, or -1 if the write failed
     */
    public static void finish(
            SpillEvent event,
            boolean demotion,
            int[] regionIds,
            int pages,
            long bytes,
            long firstSlot,
            String file,
            boolean succeeded) {
        if (event == null) {
            return;
        }
        event.end();
        if (!event.shouldCommit()) {
            return;
        }
        event.reason = demotion ? "demotion" : "budget";
        int[] ids = Arrays.stream(regionIds, 0, pages).distinct().sorted().toArray();
        StringBuilder list = new StringBuilder();
        for (int id : ids) {
            list.append(list.isEmpty() ? "" : ",").append(id);
        }
        event.regionIds = list.toString();
        event.regionCount = ids.length;
        event.pages = pages;
        event.bytes = bytes;
        event.firstSlot = firstSlot;
        event.file = file;
        event.succeeded = succeeded;
        event.commit();
    }
}
