package dev.tvm.core.memory;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.TvmException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Anonymous memory reserved with {@code mmap(MAP_NORESERVE)} and committed by the OS page by page
 * as it is first touched, so a 4 GiB region costs address space, not RAM, until it is used.
 * {@link #discard} returns whole pages with {@code madvise(MADV_DONTNEED)}, after which they read
 * as zero. This is how wasmtime reserves linear memories; here it is reached through {@code
 * java.lang.foreign}, which needs {@code --enable-native-access=ALL-UNNAMED}.
 *
 * <p>Linux x86-64 and aarch64 only; {@link #isSupported()} says whether this platform qualifies.
 */
public final class ReservedBacking implements Backing {
    // Linux <sys/mman.h> values, identical on x86-64 and aarch64.
    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final int MADV_DONTNEED = 4;
    private static final long OS_PAGE = 4096;

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;
    private static final boolean SUPPORTED;

    static {
        MethodHandle mmap = null, munmap = null, madvise = null;
        boolean supported = false;
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                mmap = linker.downcallHandle(
                        libc.find("mmap").orElseThrow(),
                        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
                munmap = linker.downcallHandle(
                        libc.find("munmap").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
                madvise = linker.downcallHandle(
                        libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
                supported = true;
            } catch (RuntimeException | LinkageError e) {
                supported = false;
            }
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
        SUPPORTED = supported;
    }

    private final Arena arena;
    private final MemorySegment segment;

    private ReservedBacking(Arena arena, MemorySegment segment) {
        this.arena = arena;
        this.segment = segment;
    }

    /** Whether anonymous reservations are available on this platform. */
    public static boolean isSupported() {
        return SUPPORTED;
    }

    /**
     * Reserves {@code capacity} bytes of address space.
     *
     * @throws TvmException.CapacityExceededException ({@link ErrorCode#NO_MEMORY}) if the kernel
     *     refuses the mapping
     */
    public static ReservedBacking reserve(long capacity) {
        if (!SUPPORTED) {
            throw new UnsupportedOperationException("anonymous reservations need Linux; use ArenaBacking");
        }
        if (capacity <= 0) {
            throw new TvmException.InvalidArgumentException("capacity must be positive, was " + capacity);
        }
        long length = (capacity + OS_PAGE - 1) & -OS_PAGE;
        MemorySegment base;
        try {
            base = (MemorySegment) MMAP.invokeExact(
                    MemorySegment.NULL,
                    length,
                    PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                    -1,
                    0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
        if (base.address() == -1L || base.address() == 0L) {
            throw TvmException.of(
                    ErrorCode.NO_MEMORY,
                    "mmap could not reserve " + length + " bytes of address space;"
                            + " check 'ulimit -v' and /proc/sys/vm/overcommit_memory");
        }
        long address = base.address();
        Arena arena = Arena.ofShared();
        MemorySegment segment = base.reinterpret(capacity, arena, ignored -> unmap(address, length));
        return new ReservedBacking(arena, segment);
    }

    private static void unmap(long address, long length) {
        try {
            int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
            assert rc == 0 : "munmap failed";
        } catch (Throwable t) {
            throw new IllegalStateException("munmap downcall failed", t);
        }
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public long capacity() {
        return segment.byteSize();
    }

    @Override
    public void discard(long offset, long length) {
        if (length <= 0) {
            return;
        }
        long end = offset + length;
        long firstPage = (offset + OS_PAGE - 1) & -OS_PAGE;
        long lastPage = end & -OS_PAGE;
        if (firstPage >= lastPage) {
            segment.asSlice(offset, length).fill((byte) 0);
            return;
        }
        segment.asSlice(offset, firstPage - offset).fill((byte) 0);
        segment.asSlice(lastPage, end - lastPage).fill((byte) 0);
        int rc;
        try {
            rc = (int) MADVISE.invokeExact(
                    segment.asSlice(firstPage, lastPage - firstPage), lastPage - firstPage, MADV_DONTNEED);
        } catch (Throwable t) {
            throw new IllegalStateException("madvise downcall failed", t);
        }
        if (rc != 0) {
            // MADV_DONTNEED on a private anonymous mapping does not fail for valid ranges; zero by hand anyway.
            segment.asSlice(firstPage, lastPage - firstPage).fill((byte) 0);
        }
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
