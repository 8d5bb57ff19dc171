package dev.tvm.core;

/** Where a region's bytes live. */
public enum Tier {
    /** Resident anonymous off-heap memory. */
    HOT,
    /** Resident, but mapped from a spill file that the OS may page out. */
    WARM,
    /** On disk only; faulted back in on access. */
    COLD,
    /** Loaded on demand from an external source. */
    EXTERNAL
}
