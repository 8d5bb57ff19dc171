package dev.tvm.chicory.wit;

import dev.tvm.chicory.TvmImports;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import dev.tvm.core.Region;
import dev.tvm.core.TvmException;

/**
 * The raw path's capability rule, applied to typed calls. The capability table itself is the
 * {@link TvmImports} instance's (so a guest that imports both paths has one table, and {@link
 * TvmImports#grant} covers both); this class only classifies a refusal exactly as {@code
 * TvmImports} does, using its public {@link TvmImports#holds}:
 *
 * <ul>
 *   <li>a region argument of 0 is {@code NO_SUCH_REGION}, any other value that is not a positive
 *       i32 is {@code ACCESS_DENIED};
 *   <li>a region or handle the instance holds passes to the directory, which reports dead
 *       regions and handles itself;
 *   <li>otherwise: the null handle is {@code FORGED_HANDLE}; an earlier generation of a region id
 *       the instance holds now is {@code STALE_REGION}; anything else is {@code ACCESS_DENIED}.
 * </ul>
 */
final class Capabilities {
    private final TvmImports tvm;

    Capabilities(TvmImports tvm) {
        this.tvm = tvm;
    }

    /** The live region {@code refArg} names, if this instance may use it. */
    Region region(long refArg) {
        if (refArg <= 0 || refArg > Integer.MAX_VALUE) {
            throw TvmException.of(
                    refArg == 0 ? ErrorCode.NO_SUCH_REGION : ErrorCode.ACCESS_DENIED,
                    "region argument " + refArg + " is not a region reference");
        }
        int ref = (int) refArg;
        check(ref, null);
        return tvm.directory().region(ref);
    }

    /** Fails unless this instance may use the region of {@code handle}. */
    void checkHandle(long handle) {
        check(HandleCodec.regionRef(handle), handle);
    }

    private void check(int ref, Long handle) {
        if (tvm.holds(ref)) {
            return;
        }
        if (handle != null && handle == HandleCodec.NULL) {
            throw TvmException.of(ErrorCode.FORGED_HANDLE, "the null handle names no allocation");
        }
        String subject = handle != null ? HandleCodec.describe(handle) : HandleCodec.describeRegion(ref);
        int id = HandleCodec.regionId(ref);
        int gen = HandleCodec.regionGen(ref);
        if (id != 0 && gen != 0) {
            // TvmImports compares with the generation it holds for this id; holds() reveals it.
            for (int later = gen + 1; later <= HandleCodec.MAX_REGION_GEN; later++) {
                if (tvm.holds(HandleCodec.regionRef(id, later))) {
                    throw TvmException.of(ErrorCode.STALE_REGION, subject + " names a destroyed region");
                }
            }
        }
        throw TvmException.of(ErrorCode.ACCESS_DENIED, subject + " names a region this guest holds no capability for");
    }
}
