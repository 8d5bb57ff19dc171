package dev.tvm.jcstress;

import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import dev.tvm.core.TvmException;

/**
 * Shared fixtures of the jcstress tests. One directory per forked JVM: jcstress makes millions of
 * test states, and a directory per state would cost a 65,536-entry table each; every state gets
 * its own small region instead, so no two states share a handle table or a lock.
 */
final class Tvm {
    /** The directory every state's region lives in; never closed (the fork exits). */
    static final RegionDirectory DIR = RegionDirectory.builder().build();

    /** Bytes of a state's region: the smallest capacity. */
    static final long CAPACITY = RegionSpec.CAPACITY_GRANULE;

    /** What a test writes first. */
    static final long OLD = 0x0101_0101_0101_0101L;

    /** What a test writes into the allocation that replaces a freed one. */
    static final long NEW = 0x0202_0202_0202_0202L;

    /** Result code for an exception that is not a {@link TvmException}: never acceptable. */
    static final int UNEXPECTED = -100;

    private Tvm() {}

    /** A fresh 64 KiB HOT_HEAP region (free-list allocator: a freed block is reused first). */
    static Region hotHeap() {
        return DIR.create(RegionSpec.of(RegionKind.HOT_HEAP).withCapacity(CAPACITY));
    }

    /** Destroys a region a state made, ignoring a region an actor already destroyed. */
    static void destroyQuietly(Region region) {
        try {
            DIR.destroy(region.ref());
        } catch (TvmException alreadyGone) {
            // the test destroyed it itself
        }
    }

    /** The negative error code of a refusal, {@link #UNEXPECTED} for anything else. */
    static int code(RuntimeException e) {
        return e instanceof TvmException t ? t.code().code() : UNEXPECTED;
    }

    /** Classifies a loaded value: 1 OLD, 2 NEW, 3 zero, 4 anything else (garbage). */
    static int classify(long value) {
        if (value == OLD) {
            return 1;
        }
        if (value == NEW) {
            return 2;
        }
        return value == 0 ? 3 : 4;
    }
}
