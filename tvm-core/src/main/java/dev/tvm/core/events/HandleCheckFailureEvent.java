package dev.tvm.core.events;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * An access was refused because its handle or region reference did not check out: a stale or
 * forged handle, a destroyed region, or a range outside the allocation. Emitted where the refusal
 * is counted, just before the exception is thrown (guests see the same code as a negative
 * result).
 */
@Name("dev.tvm.HandleCheckFailure")
@Label("Handle Check Failure")
@Category({"TVM", "Handles"})
@Description("A handle or region reference was refused: stale, forged, destroyed region or out of bounds")
public final class HandleCheckFailureEvent extends Event {
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
