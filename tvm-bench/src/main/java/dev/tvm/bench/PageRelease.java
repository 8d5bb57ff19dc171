package dev.tvm.bench;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Gives whole pages of off-heap memory back to the OS with {@code madvise(MADV_DONTNEED)} (Linux),
 * as a spill does with a region's pages: afterwards they read zero and the next touch of each one
 * faults in a fresh zero-filled page. The plain baselines of {@link SpillBench} use it on memory
 * from an {@code Arena}, so they measure the system call itself without depending on tvm-core's
 * internal backing.
 */
// The baseline releases pages with madvise, as tvm-core does: a native downcall is the point.
@SuppressWarnings("restricted")
final class PageRelease {
    /** {@code MADV_DONTNEED} on Linux. */
    private static final int MADV_DONTNEED = 4;
    /** The page size the segments must be aligned to. */
    static final long PAGE_ALIGNMENT = 4096;

    private static final MethodHandle MADVISE = Linker.nativeLinker()
            .downcallHandle(
                    Linker.nativeLinker().defaultLookup().find("madvise").orElseThrow(),
                    FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private PageRelease() {}

    /** Releases {@code pages}, whose address and size must be multiples of {@link #PAGE_ALIGNMENT}. */
    static void release(MemorySegment pages) {
        if (pages.address() % PAGE_ALIGNMENT != 0 || pages.byteSize() % PAGE_ALIGNMENT != 0) {
            throw new IllegalArgumentException("not whole pages: " + pages);
        }
        int rc;
        try {
            rc = (int) MADVISE.invokeExact(pages, pages.byteSize(), MADV_DONTNEED);
        } catch (Throwable t) {
            throw new IllegalStateException("madvise downcall failed", t);
        }
        if (rc != 0) {
            throw new IllegalStateException("madvise(MADV_DONTNEED) of " + pages.byteSize() + " bytes returned " + rc);
        }
    }
}
