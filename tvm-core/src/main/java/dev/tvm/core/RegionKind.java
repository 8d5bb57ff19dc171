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
    /** A general mutable heap (free list), compactable; stays resident. */
    HOT_HEAP(0, AllocatorKind.FREE_LIST, new PlacementPolicy(Tier.HOT, true, false)),
    /** Many small fixed-size objects (slab); may spill. */
    OBJECT_ARENA(1, AllocatorKind.SLAB, new PlacementPolicy(Tier.HOT, true, true)),
    /** Append-only byte blobs (bump), reset as a whole; may spill. */
    BLOB_ARENA(2, AllocatorKind.BUMP, new PlacementPolicy(Tier.HOT, true, true)),
    /** Page-granular storage (pages); spills page by page, never pinned. */
    PAGE_STORE(3, AllocatorKind.PAGE, new PlacementPolicy(Tier.HOT, false, true)),
    /** Per-request temporaries (bump), reset often; stays resident. */
    SCRATCH(4, AllocatorKind.BUMP, new PlacementPolicy(Tier.HOT, true, false)),
    /** Compiled artefacts (bump), rarely freed; stays resident. */
    CODE_CACHE(5, AllocatorKind.BUMP, new PlacementPolicy(Tier.HOT, true, false)),
    /** Small long-lived state shared with the host (free list); stays resident. */
    DEVICE_STATE(6, AllocatorKind.FREE_LIST, new PlacementPolicy(Tier.HOT, true, false));

    private static final RegionKind[] VALUES = values();

    private final int code;
    private final AllocatorKind defaultAllocator;
    // A record of an enum and two booleans: immutable, though not annotated @Immutable.
    @SuppressWarnings("ImmutableEnumChecker")
    private final PlacementPolicy defaultPolicy;

    RegionKind(int code, AllocatorKind defaultAllocator, PlacementPolicy defaultPolicy) {
        this.code = code;
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

    /**
     * The kind's number in the guest ABI ({@code tvm.create}'s kind, the WIT {@code region-kind}
     * case) and in snapshots. Fixed: a new kind takes the next free number.
     */
    public int code() {
        return code;
    }

    /** The kind with this {@link #code()}, or {@code null}. */
    public static RegionKind fromCode(long code) {
        return Codes.find(VALUES, RegionKind::code, code);
    }
}
