package dev.tvm.core;

/**
 * Every failure kind of the substrate, with the stable negative code that guest ABIs return for
 * it. Codes never change meaning once published; new kinds take new numbers.
 */
public enum ErrorCode {
    /** An argument is out of its documented range (size 0, negative length, unknown kind...). */
    INVALID_ARGUMENT(-1),
    /** No live region has this id. */
    NO_SUCH_REGION(-2),
    /** The region id was reused: the reference or handle names an earlier, destroyed incarnation. */
    STALE_REGION(-3),
    /** The allocation was freed (or its region reset) after this handle was issued. */
    STALE_HANDLE(-4),
    /** The handle was never issued: null, a zero generation or a slot that never existed. */
    FORGED_HANDLE(-5),
    /** offset + length reaches outside the allocation (not merely the region). */
    OUT_OF_BOUNDS(-6),
    /** The region has no free space for the request. */
    REGION_FULL(-7),
    /** The caller holds no capability for the region (host bindings only). */
    ACCESS_DENIED(-8),
    /** The region is pinned and the operation would move, demote or destroy it. */
    PINNED(-9),
    /** The region's allocator or policy does not support the operation. */
    UNSUPPORTED(-10),
    /**
     * All 65,535 region ids are live, or the id space is exhausted; from a guest binding also: the
     * guest owns as many regions as its tenant quota allows.
     */
    TOO_MANY_REGIONS(-11),
    /** A guest pointer and length reach outside the guest's own linear memory. */
    GUEST_OUT_OF_BOUNDS(-12),
    /** The directory was closed. */
    CLOSED(-13),
    /**
     * The region's handle table is full (16,777,216 slots); from a guest binding also: the guest
     * holds as many live allocations as its tenant quota allows.
     */
    TOO_MANY_HANDLES(-14),
    /**
     * The host could not reserve or commit memory for a region (address space or mapping limits),
     * or a directory's resident budget cannot be met because nothing resident can be evicted
     * (pinned, not spillable, in use, or the spill file failed: the message and cause say which);
     * from a guest binding also: the guest's reserved or resident quota would be exceeded, or the
     * host ran out of heap during the call.
     */
    NO_MEMORY(-15),
    /**
     * Reading or writing a spill file failed (disk full, I/O error, closed channel); the spill file
     * stays usable and nothing written earlier is affected.
     */
    SPILL_IO_ERROR(-16),
    /**
     * Spilled bytes cannot be trusted: a page failed its CRC32C, the spill file is truncated, or its
     * header or metadata trailer is damaged.
     */
    SPILL_CORRUPT(-17),
    /** The region is read-only (an EXTERNAL region, or created read-only): no writes, no allocation. */
    READ_ONLY(-18);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /** The negative integer guests see. */
    public int code() {
        return code;
    }

    /** The kind for a code, or {@code null} if the code is not an error code. */
    public static ErrorCode fromCode(int code) {
        for (ErrorCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return null;
    }
}
