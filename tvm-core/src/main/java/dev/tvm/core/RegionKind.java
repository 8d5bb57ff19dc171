package dev.tvm.core;

/**
 * What a region holds. The kind picks the default allocator and placement policy; both can be
 * overridden per region with {@link RegionSpec}.
 *
 * <pre>
 * kind          allocator   tier  pinnable spillable  typical use
 * HOT_HEAP      FREE_LIST   HOT   yes      no         general mutable heap, compactable
 * OBJECT_ARENA  SLAB        HOT   yes      yes        many small fixed-size objects
 * BLOB_ARENA    BUMP        HOT   yes      yes        append-only byte blobs, reset as a whole
 * PAGE_STORE    PAGE        HOT   no       yes        page-granular storage, spills page by page
 * SCRATCH       BUMP        HOT   yes      no         per-request temporaries, reset often
 * CODE_CACHE    BUMP        HOT   yes      no         compiled artefacts, rarely freed
 * DEVICE_STATE  FREE_LIST   HOT   yes      no         small long-lived state shared with the host
 * </pre>
 */
public enum RegionKind {
    HOT_HEAP(AllocatorKind.FREE_LIST, new PlacementPolicy(Tier.HOT, true, false)),
    OBJECT_ARENA(AllocatorKind.SLAB, new PlacementPolicy(Tier.HOT, true, true)),
    BLOB_ARENA(AllocatorKind.BUMP, new PlacementPolicy(Tier.HOT, true, true)),
    PAGE_STORE(AllocatorKind.PAGE, new PlacementPolicy(Tier.HOT, false, true)),
    SCRATCH(AllocatorKind.BUMP, new PlacementPolicy(Tier.HOT, true, false)),
    CODE_CACHE(AllocatorKind.BUMP, new PlacementPolicy(Tier.HOT, true, false)),
    DEVICE_STATE(AllocatorKind.FREE_LIST, new PlacementPolicy(Tier.HOT, true, false));

    private static final RegionKind[] VALUES = values();

    private final AllocatorKind defaultAllocator;
    private final PlacementPolicy defaultPolicy;

    RegionKind(AllocatorKind defaultAllocator, PlacementPolicy defaultPolicy) {
        this.defaultAllocator = defaultAllocator;
        this.defaultPolicy = defaultPolicy;
    }

    /** The allocator a region of this kind gets unless its spec says otherwise. */
    public AllocatorKind defaultAllocator() {
        return defaultAllocator;
    }

    /** The placement policy a region of this kind gets unless its spec says otherwise. */
    public PlacementPolicy defaultPolicy() {
        return defaultPolicy;
    }

    /** The kind with this ordinal (the guest ABI's kind number), or {@code null}. */
    public static RegionKind fromOrdinal(long ordinal) {
        return ordinal >= 0 && ordinal < VALUES.length ? VALUES[(int) ordinal] : null;
    }
}
