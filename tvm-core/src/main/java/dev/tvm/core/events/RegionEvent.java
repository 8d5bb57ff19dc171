package dev.tvm.core.events;

import dev.tvm.core.HandleCodec;
import jdk.jfr.Event;
import jdk.jfr.Label;

/**
 * The fields every per-region event carries: the region's id, generation and name. JFR records
 * non-private fields of an abstract event superclass as fields of each concrete event, under the
 * same names.
 */
abstract class RegionEvent extends Event {
    @Label("Region Id")
    int regionId;

    @Label("Region Generation")
    int regionGeneration;

    @Label("Region Name")
    String regionName;

    /** Fills the region fields from a region reference and the region's name (may be null). */
    final void region(int regionRef, String name) {
        regionId = HandleCodec.regionId(regionRef);
        regionGeneration = HandleCodec.regionGen(regionRef);
        regionName = name;
    }
}
