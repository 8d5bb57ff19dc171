package dev.tvm.core.events;

import dev.tvm.core.RegionKind;
import dev.tvm.core.Tier;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Throttle;

/**
 * A region was created, destroyed, reset, pinned, unpinned or changed tier.
 *
 * <p>A guest may pin and unpin, or create and destroy, in a loop, so the event is throttled to
 * {@value #THROTTLE} by default, far above what a program that is not looping does; the {@code
 * throttle} setting of a recording changes that ({@code "off"} records every step, e.g. to audit
 * every pin).
 */
@Name("dev.tvm.RegionLifecycle")
@Throttle(RegionLifecycleEvent.THROTTLE)
@Label("Region Lifecycle")
@Category({"TVM", "Regions"})
@Description("A region was created, destroyed, reset, pinned or unpinned, or moved between tiers")
public final class RegionLifecycleEvent extends RegionEvent {
    /** The default rate limit of the event, at most this many events a second per recording. */
    public static final String THROTTLE = "1000/s";

    @Label("Action")
    @Description("CREATE, DESTROY, RESET, PIN, UNPIN or TIER_CHANGE")
    String action;

    @Label("Kind")
    String kind;

    @Label("Tier")
    @Description("The tier after the action")
    String tier;

    @Label("Previous Tier")
    @Description("The tier before a TIER_CHANGE; null for other actions")
    String previousTier;

    @Label("Capacity")
    @DataAmount
    long capacity;

    @Label("Pin Count")
    @Description("Pins held after the action")
    int pinCount;

    @Label("Freed Allocations")
    @Description("Allocations a RESET freed, or that were live at DESTROY")
    long allocations;

    /**
     * Emits one event if a recording wants it. Called by tvm-core.
     *
     * @param previous the tier before a {@link RegionAction#TIER_CHANGE}, else null
     * @param allocations allocations freed by a reset or live at a destroy, else 0
     */
    public static void emit(
            RegionAction action,
            int regionRef,
            String name,
            RegionKind kind,
            Tier tier,
            Tier previous,
            long capacity,
            int pinCount,
            long allocations) {
        RegionLifecycleEvent event = new RegionLifecycleEvent();
        if (!event.shouldCommit()) {
            return;
        }
        event.action = action.name();
        event.region(regionRef, name);
        event.kind = kind.name();
        event.tier = tier == null ? null : tier.name();
        event.previousTier = previous == null ? null : previous.name();
        event.capacity = capacity;
        event.pinCount = pinCount;
        event.allocations = allocations;
        event.commit();
    }
}
