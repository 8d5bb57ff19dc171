package dev.tvm.core;

/**
 * Owns the bit layout of region references and allocation handles. In the JVM, nothing else in
 * the project shifts or masks these values. The layout is also part of the guest ABI ({@code
 * docs/raw-abi.md}), so code that runs in wasm does its own shifting with the same numbers: the
 * shells tvm-guest's {@code ShellGenerator} emits decode and encode handles in generated wasm
 * (taking every shift, mask and limit from the constants here), {@code guests/include/tvm.h}'s {@code
 * tvm_handle_region} shifts by 36, and hand-written test guests mask handles to forge them.
 * Changing the layout here changes the ABI and all of those with it.
 *
 * <p>A <b>region reference</b> is a positive 32-bit value naming one incarnation of a region:
 *
 * <pre>
 *  31    28 27                        12 11                 0
 * +--------+----------------------------+--------------------+
 * |  0000  |     region id (16 bits)    | region gen (12)    |
 * +--------+----------------------------+--------------------+
 * </pre>
 *
 * <p>A <b>handle</b> is a 64-bit value naming one allocation inside one region incarnation. Its
 * upper 28 bits are the region reference, so {@code handle >>> 36} recovers it:
 *
 * <pre>
 *  63                     48 47        36 35                        12 11         0
 * +-------------------------+------------+----------------------------+------------+
 * |    region id (16)       | region gen |     slot index (24)        | slot gen   |
 * |    1 .. 65535           | 1 .. 4095  |     0 .. 16,777,215        | 1 .. 4095  |
 * +-------------------------+------------+----------------------------+------------+
 * </pre>
 *
 * <p>Generation 0 is never issued, for regions or slots, so {@code 0} is never a valid region
 * reference or handle and serves as the null value in guest ABIs. A generation that reaches its
 * maximum retires its id or slot for good rather than wrapping, so a stale value can never
 * become valid again. Handles with region id 32768 and up are negative as signed {@code long}s;
 * callers must not treat the sign as an error flag.
 */
public final class HandleCodec {
    /** Bits of the region id. */
    public static final int REGION_ID_BITS = 16;
    /** Bits of the region generation. */
    public static final int REGION_GEN_BITS = 12;
    /** Bits of the slot index. */
    public static final int SLOT_BITS = 24;
    /** Bits of the slot generation. */
    public static final int SLOT_GEN_BITS = 12;

    /** Largest region id; ids start at 1. */
    public static final int MAX_REGION_ID = (1 << REGION_ID_BITS) - 1;
    /** Largest region generation; generations start at 1. */
    public static final int MAX_REGION_GEN = (1 << REGION_GEN_BITS) - 1;
    /** Largest slot index; slots start at 0. */
    public static final int MAX_SLOT = (1 << SLOT_BITS) - 1;
    /** Largest slot generation; generations start at 1. */
    public static final int MAX_SLOT_GEN = (1 << SLOT_GEN_BITS) - 1;

    /** The null handle and null region reference. */
    public static final long NULL = 0L;

    /**
     * Shift of the slot generation in a handle. The shifts are for code that decodes handles itself
     * (the generated wasm shells): a field is {@code (value >>> shift) & MAX_field}; the region id
     * is the top field, so {@code handle >>> REGION_ID_SHIFT} needs no mask.
     */
    public static final int SLOT_GEN_SHIFT = 0;
    /** Shift of the slot index in a handle. */
    public static final int SLOT_SHIFT = SLOT_GEN_BITS;
    /** Shift of the region reference (and of the region generation) in a handle. */
    public static final int REGION_REF_SHIFT = SLOT_GEN_BITS + SLOT_BITS;
    /** Shift of the region id in a handle. */
    public static final int REGION_ID_SHIFT = REGION_REF_SHIFT + REGION_GEN_BITS;
    /** Shift of the region id in a region reference. */
    public static final int REF_REGION_ID_SHIFT = REGION_GEN_BITS;

    private HandleCodec() {}

    /** Packs a region id and generation into a region reference. */
    public static int regionRef(int regionId, int regionGen) {
        return (regionId << REF_REGION_ID_SHIFT) | regionGen;
    }

    /** The id part of a region reference. */
    public static int regionId(int regionRef) {
        return (regionRef >>> REF_REGION_ID_SHIFT) & MAX_REGION_ID;
    }

    /** The generation part of a region reference. */
    public static int regionGen(int regionRef) {
        return regionRef & MAX_REGION_GEN;
    }

    /** Whether {@code value} could be a region reference at all (range check only). */
    public static boolean isWellFormedRegionRef(long value) {
        return value > 0
                && value <= Integer.MAX_VALUE
                && (value >>> (REGION_ID_BITS + REGION_GEN_BITS)) == 0
                && regionId((int) value) != 0
                && regionGen((int) value) != 0;
    }

    /** Packs a handle. */
    public static long handle(int regionRef, int slot, int slotGen) {
        return ((long) regionRef << REGION_REF_SHIFT)
                | ((long) slot << SLOT_SHIFT)
                | ((long) slotGen << SLOT_GEN_SHIFT);
    }

    /** The region reference a handle belongs to. */
    public static int regionRef(long handle) {
        return (int) (handle >>> REGION_REF_SHIFT);
    }

    /** The region id a handle belongs to. */
    public static int regionIdOf(long handle) {
        return (int) (handle >>> REGION_ID_SHIFT);
    }

    /** The region generation a handle was issued under. */
    public static int regionGenOf(long handle) {
        return (int) (handle >>> REGION_REF_SHIFT) & MAX_REGION_GEN;
    }

    /** The slot index of a handle. */
    public static int slot(long handle) {
        return (int) (handle >>> SLOT_SHIFT) & MAX_SLOT;
    }

    /** The slot generation of a handle. */
    public static int slotGen(long handle) {
        return (int) handle & MAX_SLOT_GEN;
    }

    /** A human-readable decoding, used in every error message about a handle. */
    public static String describe(long handle) {
        return String.format(
                "handle 0x%016x (region %d gen %d, slot %d gen %d)",
                handle, regionIdOf(handle), regionGenOf(handle), slot(handle), slotGen(handle));
    }

    /** A human-readable decoding of a region reference. */
    public static String describeRegion(int regionRef) {
        return String.format("region %d gen %d (ref 0x%07x)", regionId(regionRef), regionGen(regionRef), regionRef);
    }
}
