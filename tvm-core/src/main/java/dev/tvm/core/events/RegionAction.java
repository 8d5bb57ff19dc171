package dev.tvm.core.events;

/** What happened to a region, as reported by {@link RegionLifecycleEvent}. */
public enum RegionAction {
    /** The region was created (its tier is the initial one). */
    CREATE,
    /** The region was destroyed, explicitly or by closing its directory. */
    DESTROY,
    /** Every allocation was freed at once. */
    RESET,
    /** A pin was taken ({@code Region.pin()} or {@code pinDirect()}). */
    PIN,
    /** A pin was released ({@code Region.unpin()} or {@code unpinDirect()}). */
    UNPIN,
    /** The region moved between tiers explicitly: {@code spill()}, {@code load()} or a WARM copy-in. */
    TIER_CHANGE
}
