package dev.tvm.core.events;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Throttle;

/**
 * An access was refused because its handle or region reference did not check out: a stale or
 * forged handle, a destroyed region, or a range outside the allocation. Emitted where the refusal
 * is counted, just before the exception is thrown (guests see the same code as a negative
 * result).
 *
 * <p>A guest can make refusals as fast as it can call, so the event is throttled to {@value
 * #THROTTLE} by default: a recording then holds a sample of a flood rather than all of it (every
 * refusal is still counted in the region's and directory's metrics). A recording changes the rate
 * with the {@code throttle} setting, e.g. {@code <setting name="throttle">off</setting>} in a
 * {@code .jfc} file or {@code recording.enable("dev.tvm.HandleCheckFailure").with("throttle",
 * "off")}. The stack trace stays on: for a host caller it names the code that used the bad handle,
 * and only events that pass the throttle pay for it.
 */
@Name("dev.tvm.HandleCheckFailure")
@Throttle(HandleCheckFailureEvent.THROTTLE)
@Label("Handle Check Failure")
@Category({"TVM", "Handles"})
@Description("A handle or region reference was refused: stale, forged, destroyed region or out of bounds")
public final class HandleCheckFailureEvent extends Event {
    /** The default rate limit of the event, at most this many events a second per recording. */
    public static final String THROTTLE = "100/s";

    @Label("Error Code")
    @Description("ErrorCode name, e.g. STALE_HANDLE")
    String code;

    @Label("Error Number")
    @Description("The negative code guests see")
    int errorNumber;

    @Label("Region Id")
    @Description("The region the handle or reference names")
    int regionId;

    @Label("Region Generation")
    int regionGeneration;

    @Label("Slot")
    @Description("The handle-table slot the handle names (0 for a region reference)")
    int slot;

    @Label("Slot Generation")
    int slotGeneration;

    @Label("Handle")
    @Description("The raw 64-bit handle, 0 when only a region reference was given")
    long handle;

    @Label("Decoded")
    @Description("The handle or reference decoded: region id and generation, slot and slot generation")
    String decoded;

    /** Emits one event for a refused handle if a recording wants it. Called by tvm-core. */
    public static void emit(ErrorCode code, long handle) {
        HandleCheckFailureEvent event = new HandleCheckFailureEvent();
        if (!event.shouldCommit()) {
            return;
        }
        int ref = HandleCodec.regionRef(handle);
        event.fill(code, ref);
        event.slot = HandleCodec.slot(handle);
        event.slotGeneration = HandleCodec.slotGen(handle);
        event.handle = handle;
        event.decoded = HandleCodec.describe(handle);
        event.commit();
    }

    /** Emits one event for a refused region reference if a recording wants it. Called by tvm-core. */
    public static void emitForRegion(ErrorCode code, int regionRef) {
        HandleCheckFailureEvent event = new HandleCheckFailureEvent();
        if (!event.shouldCommit()) {
            return;
        }
        event.fill(code, regionRef);
        event.decoded = HandleCodec.describeRegion(regionRef);
        event.commit();
    }

    private void fill(ErrorCode errorCode, int regionRef) {
        code = errorCode.name();
        errorNumber = errorCode.code();
        regionId = HandleCodec.regionId(regionRef);
        regionGeneration = HandleCodec.regionGen(regionRef);
    }
}
