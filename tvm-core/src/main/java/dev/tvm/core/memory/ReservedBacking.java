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
// The one class that calls native code (mmap, madvise): its restricted-method uses are the point.
@SuppressWarnings("restricted")
public final class ReservedBacking implements Backing {
    // Linux <sys/mman.h> values, identical on x86-64 and aarch64.
    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final int MADV_DONTNEED = 4;
    private static final int MAP_FIXED = 0x10;
    private static final int O_RDONLY = 0;
    private static final long OS_PAGE = 4096;

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;
    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final boolean SUPPORTED;

    static {
        MethodHandle mmap = null, munmap = null, madvise = null, open = null, close = null;
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
                open = linker.downcallHandle(
                        libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                        Linker.Option.firstVariadicArg(2));
                close = linker.downcallHandle(
                        libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
                supported = true;
            } catch (RuntimeException | LinkageError e) {
                supported = false;
            }
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
        OPEN = open;
        CLOSE = close;
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

    /**
     * Maps {@code length} bytes of {@code file} from {@code fileOffset} over {@code [offset, offset
     * + length)} of this reservation, copy-on-write ({@code MAP_PRIVATE | MAP_FIXED}): the bytes
     * come from the file lazily, as the OS pages them in, and writes stay private to this
     * process. All three values must be multiples of the OS page size. On a mapped range, {@link
     * #discard} drops the private copies of written pages, so the range reads the file's bytes
     * again (not zeros); call {@link #remapAnonymous} for zeros.
     */
    public void mapFile(long offset, long length, ReadOnlyFile file, long fileOffset) {
        checkPageAligned(offset, length);
        checkPageAligned(fileOffset, 0);
        MemorySegment at = segment.asSlice(offset, length);
        MemorySegment result;
        try {
            result = (MemorySegment)
                    MMAP.invokeExact(at, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, file.fd, fileOffset);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
        if (result.address() != at.address()) {
            throw TvmException.of(
                    ErrorCode.NO_MEMORY,
                    "mmap could not map " + length + " bytes of " + file.path + " at offset " + fileOffset
                            + "; check vm.max_map_count");
        }
    }

    /** Replaces {@code [offset, offset + length)} with fresh anonymous memory that reads as zero. */
    public void remapAnonymous(long offset, long length) {
        checkPageAligned(offset, length);
        MemorySegment at = segment.asSlice(offset, length);
        MemorySegment result;
        try {
            result = (MemorySegment) MMAP.invokeExact(
                    at,
                    length,
                    PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
                    -1,
                    0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
        if (result.address() != at.address()) {
            throw TvmException.of(ErrorCode.NO_MEMORY, "mmap could not replace " + length + " bytes of a mapping");
        }
    }

    private static void checkPageAligned(long offset, long length) {
        if ((offset & (OS_PAGE - 1)) != 0 || (length & (OS_PAGE - 1)) != 0) {
            throw new IllegalArgumentException("not page-aligned: offset " + offset + ", length " + length);
        }
    }

    /**
     * A file opened read-only with {@code open(2)}, for {@link #mapFile}. Its descriptor stays
     * open until {@link #close()}; mappings made from it outlive the descriptor, as in POSIX.
     */
    public static final class ReadOnlyFile implements AutoCloseable {
        private final java.nio.file.Path path;
        private final int fd;
        private boolean closed;

        private ReadOnlyFile(java.nio.file.Path path, int fd) {
            this.path = path;
            this.fd = fd;
        }

        /** Opens {@code path} read-only. */
        public static ReadOnlyFile open(java.nio.file.Path path) {
            if (!SUPPORTED) {
                throw new UnsupportedOperationException("file mappings need Linux");
            }
            int fd;
            try (Arena scratch = Arena.ofConfined()) {
                fd = (int) OPEN.invokeExact(
                        scratch.allocateFrom(path.toAbsolutePath().toString()), O_RDONLY, 0);
            } catch (Throwable t) {
                throw new IllegalStateException("open downcall failed", t);
            }
            if (fd < 0) {
                throw TvmException.of(ErrorCode.SPILL_IO_ERROR, "cannot open " + path + " for mapping");
            }
            return new ReadOnlyFile(path, fd);
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                try {
                    int rc = (int) CLOSE.invokeExact(fd);
                    assert rc == 0 : "close failed";
                } catch (Throwable t) {
                    throw new IllegalStateException("close downcall failed", t);
                }
            }
        }
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
