package dev.tvm.chicory.memory;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ConstantEvaluators;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import dev.tvm.core.GuestPages;
import dev.tvm.core.memory.Backing;
import dev.tvm.core.memory.BackingFactory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * A Chicory linear memory over a {@link MemorySegment}: little-endian, bounds-checked against
 * the current size, with lock-free atomics and working {@code memory.atomic.wait/notify}.
 *
 * <p>This is the project's only {@link Memory} class, on purpose: compiled Chicory modules call
 * memory through one interface call site, and instances of one module using different memory
 * classes make it megamorphic (measured 1.6–4.7x slower). Both flavours below are this class.
 *
 * <h2>Ownership</h2>
 *
 * <ul>
 *   <li><b>Owning</b> ({@link #create(MemoryLimits)}, {@link #factory()}): reserves {@code
 *       maximumPages() * 64 KiB} up front from a {@link Backing} (lazily committed address space
 *       where the platform has it), so growing never copies and {@link #segment()} never moves.
 *       The backing is freed by {@link #close()}; if a memory is dropped unclosed (for instance when
 *       {@code Instance.builder(...).build()} fails after creating it), a {@link Cleaner} frees it
 *       once the memory is unreachable. Chicory never closes memories: whoever built the instance
 *       closes {@code (SegmentMemory) instance.memory()} when done with it.
 *   <li><b>View</b> ({@link #wrap}): over a segment someone else owns. It never frees anything;
 *       {@link #close()} is a no-op. The segment's size bounds growth.
 * </ul>
 *
 * <h2>Bounds and traps</h2>
 *
 * Only the first {@link #pages()} pages are addressable: accesses go through a slice of exactly
 * that size, re-sliced on {@link #grow}. Out-of-bounds accesses throw {@link
 * WasmRuntimeException} with a message starting {@code "out of bounds memory access"}, like
 * Chicory's own memories; misaligned atomics throw {@code WasmRuntimeException("unaligned
 * atomic")}. After {@link #close()} any access throws {@link IllegalStateException}.
 *
 * <p>Thread safety: as safe as wasm needs. Grows are serialized; a grow made by one thread is
 * visible to another after any synchronizing action between them (an atomic, wait/notify, {@link
 * #pages()}).
 */
public final class SegmentMemory implements Memory, AutoCloseable {
    // Plain accesses: wasm allows any alignment, so the unaligned layouts, pinned to little-endian.
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // Atomics: unaligned layouts support no atomic access modes, so aligned ones. Byte and short
    // handles only offer volatile get/set (no CAS or RMW), so their RMWs run on the enclosing int.
    private static final VarHandle A_BYTE = ValueLayout.JAVA_BYTE.varHandle();
    private static final VarHandle A_SHORT =
            ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle A_INT =
            ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle A_LONG =
            ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private static final int PAGE_SHIFT = 16;
    private static final int PAGE_BYTES = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_BYTES - 1;
    private static final String OOB = "out of bounds memory access";

    private static final Cleaner CLEANER = Cleaner.create();

    /** The access table of every memory that is not paged: every page loads and stores. */
    private static final byte[] UNPAGED = new byte[GuestPages.TABLE_ENTRIES];

    static {
        Arrays.fill(UNPAGED, GuestPages.WRITE);
    }

    /** Bytes a bulk operation on a paged memory makes resident at a time (16 pages). */
    private static final int PAGED_CHUNK = 1 << 20;

    private final MemoryLimits limits;
    private final int maxPages;
    /** Everything growth may ever use: the reservation, or the wrapped segment. */
    private final MemorySegment whole;
    /** Null for views. */
    private final Backing backing;
    /** Null unless paged. */
    private final GuestPages paging;
    /** {@link #paging}'s access table, or {@link #UNPAGED}: checked on every access. */
    private final byte[] rights;
    /** Asked before every grow. */
    private final MemoryLimiter limiter;
    /** Whether rights are read with acquire: a shared paged memory (see {@link #right}). */
    private final boolean ordered;

    private final Cleaner.Cleanable cleanable;
    private final Object growLock = new Object();
    /** Null unless shared: only shared memories can have waiters. */
    private final WaitQueues waiters;

    // The addressable pages. Deliberately not volatile so the JIT may keep it in a register in
    // hot loops; MemorySegment is immutable, so a racy read sees a complete (if older) slice.
    private MemorySegment visible;
    // Published after 'visible' (volatile write/read), so observing N pages implies N are mapped.
    private volatile int pageCount;

    // Chicory shares this array with the Instance, which drops segments by writing into it
    // (data.drop); never copy it, or memory.init would miss drops.
    private DataSegment[] dataSegments;
    // DataSegment.data() clones on every call; cache one copy per segment object for memory.init.
    // Slots hold immutable pairs, so racing memory.init calls on a shared memory at worst clone twice.
    private SegmentBytes[] segmentBytes;

    /** Whether {@link #initialize} leaves the contents as they are (see {@link #keepContentOnInitialize}). */
    private boolean contentInPlace;

    private record SegmentBytes(DataSegment segment, byte[] data) {}

    private SegmentMemory(MemoryLimits limits, int maxPages, MemorySegment whole, Backing backing) {
        this(limits, maxPages, whole, backing, null, MemoryLimiter.UNLIMITED);
    }

    private SegmentMemory(
            MemoryLimits limits,
            int maxPages,
            MemorySegment whole,
            Backing backing,
            GuestPages paging,
            MemoryLimiter limiter) {
        this.limiter = limiter;
        this.limits = limits;
        this.maxPages = maxPages;
        this.whole = whole;
        this.backing = backing;
        this.paging = paging;
        this.rights = paging == null ? UNPAGED : paging.accessTable();
        // Another thread may grant pages while a guest runs: in a shared memory, or in a region the
        // host reaches through handles meanwhile (an import).
        this.ordered = paging != null && (limits.shared() || !paging.ownsRegion());
        this.cleanable = backing == null ? null : CLEANER.register(this, backing::close);
        this.waiters = limits.shared() ? new WaitQueues() : null;
        int initial = limits.initialPages();
        this.visible = whole.asSlice(0, (long) initial << PAGE_SHIFT);
        this.pageCount = initial;
    }

    /**
     * An owning memory for {@code limits}, reserved with {@link BackingFactory#defaultFactory()}.
     *
     * @throws UninstantiableException if the initial size exceeds the maximum Chicory allows
     */
    public static SegmentMemory create(MemoryLimits limits) {
        return create(limits, BackingFactory.defaultFactory());
    }

    /**
     * An owning memory whose backing comes from {@code factory}, sized for the clamped maximum
     * ({@code min(limits.maximumPages(), 32767)} pages). A factory that commits eagerly (such as
     * {@code ArenaBacking}) allocates that whole maximum now: declare a maximum in such setups.
     */
    public static SegmentMemory create(MemoryLimits limits, BackingFactory factory) {
        Objects.requireNonNull(factory, "factory");
        int max = Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
        if (limits.initialPages() > max) {
            throw new UninstantiableException("memory of " + limits.initialPages()
                    + " initial pages exceeds the runtime maximum of " + max + " pages");
        }
        if (max == 0) {
            // Nothing can ever be addressed; a zero-length reservation is not a thing.
            return new SegmentMemory(limits, 0, MemorySegment.NULL, null);
        }
        Backing backing = factory.create((long) max << PAGE_SHIFT);
        try {
            return new SegmentMemory(limits, max, backing.segment(), backing);
        } catch (RuntimeException | Error e) {
            backing.close();
            throw e;
        }
    }

    /**
     * A factory for {@code Instance.builder(module).withMemoryFactory(...)} making owning memories
     * with {@link BackingFactory#defaultFactory()}.
     */
    public static Function<MemoryLimits, Memory> factory() {
        return SegmentMemory::create;
    }

    /** As {@link #factory()}, with backings from {@code backingFactory}. */
    public static Function<MemoryLimits, Memory> factory(BackingFactory backingFactory) {
        Objects.requireNonNull(backingFactory, "backingFactory");
        return limits -> create(limits, backingFactory);
    }

    /**
     * A view over {@code segment}, which stays owned by the caller and must outlive this memory.
     * The first {@code limits.initialPages()} pages are addressable as they are (not zeroed); growth
     * is allowed up to {@code min(limits.maximumPages(), segment.byteSize() / 64 KiB, 32767)} pages
     * and zeroes the pages it adds, as wasm requires.
     *
     * <p>A read-only segment gives a read-only memory: every write fails with the segment's own
     * check ({@code IllegalArgumentException: Attempt to write a read-only segment} on JDK 25),
     * which unwinds the guest like a trap and changes nothing; the check costs no extra branch here.
     *
     * @throws IllegalArgumentException if the segment is not 8-byte aligned (atomics
     *     need aligned addresses; heap segments over {@code byte[]} never are), or is smaller than
     *     the initial pages
     */
    public static SegmentMemory wrap(MemorySegment segment, MemoryLimits limits) {
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(limits, "limits");
        if (segment.maxByteAlignment() < Long.BYTES) {
            throw new IllegalArgumentException(
                    "segment must be 8-byte aligned for atomics, its alignment is " + segment.maxByteAlignment());
        }
        long capacityPages = segment.byteSize() >>> PAGE_SHIFT;
        int max = (int) Math.min(Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES), capacityPages);
        if (limits.initialPages() > max) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes cannot hold "
                    + limits.initialPages() + " initial pages within a maximum of " + max);
        }
        return new SegmentMemory(limits, max, segment, null);
    }

    /**
     * A paged memory over a guest memory region ({@link dev.tvm.core.RegionDirectory#createGuestMemory}):
     * every load and store checks its page's entry in the region's access table and faults the
     * page in when it is missing, so the memory's pages count against the directory's resident
     * budget and spill like any region's. Growth is bounded by {@code min(limits.maximumPages(),
     * region capacity / 64 KiB, 32767)} pages; the pages it adds read as zero. The region stays
     * owned by the caller: {@link #close()} does nothing. Threads running guest code on it bracket
     * that with {@link GuestPages#enter()} and {@link GuestPages#exit()}; the bulk operations
     * ({@link #readBytes}, {@link #write}, {@link #fill}, {@link #copy}) enter by themselves, so a
     * host may call them between guest calls, but single loads and stores made by host code
     * outside a guest call must be bracketed too.
     *
     * @throws IllegalArgumentException if the region cannot hold the initial pages
     */
    public static SegmentMemory paged(GuestPages pages, MemoryLimits limits) {
        return paged(pages, limits, MemoryLimiter.UNLIMITED);
    }

    /** As {@link #paged(GuestPages, MemoryLimits)}, asking {@code limiter} before every grow. */
    public static SegmentMemory paged(GuestPages pages, MemoryLimits limits, MemoryLimiter limiter) {
        Objects.requireNonNull(pages, "pages");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(limiter, "limiter");
        MemorySegment region = pages.segment();
        int max = (int) Math.min(Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES), region.byteSize() >>> PAGE_SHIFT);
        if (limits.initialPages() > max) {
            throw new IllegalArgumentException(pages.region() + " cannot hold " + limits.initialPages()
                    + " initial pages within a maximum of " + max);
        }
        SegmentMemory memory =
                new SegmentMemory(limits, max, region.asSlice(0, (long) max << PAGE_SHIFT), null, pages, limiter);
        memory.paging.discard(0, (long) limits.initialPages() << PAGE_SHIFT); // wasm memory starts zeroed
        return memory;
    }

    /**
     * A paged memory of {@code pages} pages over a region that already holds data and that guests
     * import ({@link dev.tvm.core.Region#importPaged()}): nothing is cleared, it cannot grow, and
     * its accesses check the access table with acquire semantics (the host may fault pages in
     * through handles while a guest runs). Bracket guest calls with {@link GuestPages#enter()} and
     * {@link GuestPages#exit()} as for {@link #paged}.
     *
     * @throws IllegalArgumentException if the region is smaller than {@code pages} pages
     */
    public static SegmentMemory pagedView(GuestPages paging, int pages) {
        Objects.requireNonNull(paging, "paging");
        MemorySegment region = paging.segment();
        if (pages < 0 || pages > RUNTIME_MAX_PAGES || ((long) pages << PAGE_SHIFT) > region.byteSize()) {
            throw new IllegalArgumentException(paging.region() + " cannot hold " + pages + " pages");
        }
        return new SegmentMemory(
                new MemoryLimits(pages, pages),
                pages,
                region.asSlice(0, (long) pages << PAGE_SHIFT),
                null,
                paging,
                MemoryLimiter.UNLIMITED);
    }

    /**
     * Makes the instantiation leave the contents as they are: the {@link #zero()} and {@link
     * #initialize} that Chicory calls when it builds the instance clear nothing and write no
     * active data segment (the segments are still kept for {@code memory.init}). For a memory
     * whose contents are in place before the instance is built, such as one mapped from the image
     * of an initialized instance. Later calls behave as usual.
     */
    public void keepContentOnInitialize() {
        this.contentInPlace = true;
    }

    /** The paging of a {@link #paged} memory, or null for other memories. */
    public GuestPages paging() {
        return paging;
    }

    /**
     * The currently addressable bytes ({@code pages() * 64 KiB}), for zero-copy host access. It
     * never moves (growth stays inside the reservation or wrapped segment), but it does not grow
     * either: call again after a grow. Valid until {@link #close()} (for views, as long as the
     * wrapped segment is).
     *
     * @throws UnsupportedOperationException for a {@link #paged} memory, whose pages may not be
     *     in memory: use {@link #readBytes} and {@link #write}
     */
    public MemorySegment segment() {
        if (paging != null) {
            throw new UnsupportedOperationException("a paged memory has no stable segment: use readBytes/write");
        }
        return visible;
    }

    /**
     * Frees the backing of an owning memory; idempotent. A no-op for views. Instances still using
     * the memory then fail with {@link IllegalStateException} on access.
     */
    @Override
    public void close() {
        if (cleanable != null) {
            cleanable.clean();
        }
    }

    // ---------------------------------------------------------------- size

    @Override
    public int pages() {
        return pageCount;
    }

    @Override
    public int grow(int delta) {
        synchronized (growLock) {
            int old = pageCount;
            // delta is a u32: a negative int is >= 2^31 pages, more than any memory may have.
            if (delta < 0 || (long) old + delta > maxPages) {
                return -1;
            }
            if (delta > 0
                    && !limiter.growing(
                            (long) old << PAGE_SHIFT,
                            (long) (old + delta) << PAGE_SHIFT,
                            (long) maxPages << PAGE_SHIFT)) {
                return -1;
            }
            if (delta > 0) {
                long from = (long) old << PAGE_SHIFT;
                long bytes = (long) delta << PAGE_SHIFT;
                if (paging != null) {
                    paging.discard(from, bytes); // zero without faulting anything in
                } else if (backing == null) {
                    // A view's spare capacity holds whatever its owner left there; wasm wants zeros.
                    whole.asSlice(from, bytes).fill((byte) 0);
                }
                visible = whole.asSlice(0, from + bytes);
                pageCount = old + delta;
            }
            return old;
        }
    }

    @Override
    public int initialPages() {
        return limits.initialPages();
    }

    /** The clamped maximum: at most 32767 pages, and for views at most what the segment holds. */
    @Override
    public int maximumPages() {
        return maxPages;
    }

    @Override
    public boolean shared() {
        return limits.shared();
    }

    // ---------------------------------------------------------------- data segments

    @Override
    public void initialize(Instance instance, DataSegment[] dataSegments) {
        initialize(instance, dataSegments, 0);
    }

    @Override
    public void initialize(Instance instance, DataSegment[] dataSegments, int memoryIndex) {
        this.dataSegments = dataSegments;
        boolean keep = contentInPlace;
        contentInPlace = false; // one instantiation only
        if (dataSegments == null) {
            this.segmentBytes = null;
            return;
        }
        this.segmentBytes = new SegmentBytes[dataSegments.length];
        for (DataSegment s : dataSegments) {
            if (s instanceof ActiveDataSegment active) {
                if (active.index() != memoryIndex || keep) {
                    continue;
                }
                int offset = (int) ConstantEvaluators.computeConstantValue(instance, active.offsetInstructions())[0];
                byte[] data = active.data();
                long limit = visible.byteSize();
                // The offset is a u32: negative ints are past 2 GiB, beyond any Chicory memory.
                if (offset < 0 || offset + (long) data.length > limit) {
                    throw new UninstantiableException(OOB + ": data segment at " + Integer.toUnsignedString(offset)
                            + " of " + data.length + " bytes but limit is: " + limit);
                }
                write(offset, data, 0, data.length);
            } else if (!(s instanceof PassiveDataSegment)) {
                throw new ChicoryException("Data segment should be active or passive: " + s);
            }
        }
    }

    @Override
    public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
        write(dest, segmentData(segmentId), offset, size);
    }

    private byte[] segmentData(int segmentId) {
        DataSegment[] segments = dataSegments;
        SegmentBytes[] cache = segmentBytes;
        if (segments == null) {
            throw new ChicoryException("memory.init on a memory no instance has initialized");
        }
        DataSegment segment = segments[segmentId];
        SegmentBytes cached = cache[segmentId];
        // Identity check: a drop replaces the array element, which invalidates the cached copy.
        @SuppressWarnings("ReferenceEquality")
        boolean stale = cached == null || cached.segment() != segment;
        if (stale) {
            cached = new SegmentBytes(segment, segment.data());
            cache[segmentId] = cached;
        }
        return cached.data();
    }

    @Override
    public void drop(int segment) {
        dataSegments[segment] = PassiveDataSegment.EMPTY;
    }

    // ---------------------------------------------------------------- bulk

    @Override
    public void write(int addr, byte[] data, int offset, int size) {
        MemorySegment v = visible;
        // Checks both ranges before copying a byte, as memory.init must.
        if (offset < 0 || size < 0 || offset > data.length - size || !fits(addr, size, v)) {
            throw oob(addr, size);
        }
        if (paging == null) {
            MemorySegment.copy(data, offset, v, BYTE, Integer.toUnsignedLong(addr), size);
            return;
        }
        inPieces(
                addr, size, true, (at, done, n) -> MemorySegment.copy(data, offset + (int) done, v, BYTE, at, (int) n));
    }

    @Override
    public byte[] readBytes(int addr, int len) {
        MemorySegment v = visible;
        if (len < 0 || !fits(addr, len, v)) {
            throw oob(addr, len);
        }
        byte[] out = new byte[len];
        if (paging == null) {
            MemorySegment.copy(v, BYTE, Integer.toUnsignedLong(addr), out, 0, len);
            return out;
        }
        inPieces(addr, len, false, (at, done, n) -> MemorySegment.copy(v, BYTE, at, out, (int) done, (int) n));
        return out;
    }

    @Override
    public void zero() {
        MemorySegment v = visible;
        if (contentInPlace) {
            return; // Chicory's instantiation clearing a memory whose contents are already in place
        }
        if (paging != null) {
            paging.discard(0, v.byteSize());
        } else if (backing != null) {
            // Hands untouched/committed pages back to the OS instead of faulting them all in.
            backing.discard(0, v.byteSize());
        } else {
            v.fill((byte) 0);
        }
    }

    @Override
    public void fill(byte value, int fromIndex, int toIndex) {
        // Chicory passes toIndex = offset + size in int arithmetic; the difference recovers size
        // even when that sum overflowed.
        int size = toIndex - fromIndex;
        MemorySegment v = visible;
        if (!fits(fromIndex, size, v)) {
            throw oob(fromIndex, size);
        }
        if (paging == null) {
            v.asSlice(Integer.toUnsignedLong(fromIndex), size).fill(value);
            return;
        }
        inPieces(fromIndex, size, true, (at, done, n) -> v.asSlice(at, n).fill(value));
    }

    @Override
    public void copy(int dest, int src, int size) {
        MemorySegment v = visible;
        if (!fits(src, size, v) || !fits(dest, size, v)) {
            throw oob(fits(dest, size, v) ? src : dest, size);
        }
        if (paging == null) {
            MemorySegment.copy(v, src, v, dest, size); // memmove semantics
            return;
        }
        paging.enter();
        try {
            if (accessible(src, size, false) && accessible(dest, size, true)) {
                MemorySegment.copy(v, src, v, dest, size);
                return;
            }
            // Not all resident: chunk by chunk through a buffer, so that making one range resident
            // can never evict the other; backwards when the ranges overlap with dest above.
            byte[] buffer = new byte[Math.min(size, PAGED_CHUNK)];
            boolean backwards = Integer.toUnsignedLong(dest) > Integer.toUnsignedLong(src);
            for (long done = 0; done < size; ) {
                int n = (int) Math.min(PAGED_CHUNK, size - done);
                long from = backwards ? size - done - n : done;
                paging.fault(Integer.toUnsignedLong(src) + from, n, false);
                MemorySegment.copy(v, BYTE, Integer.toUnsignedLong(src) + from, buffer, 0, n);
                paging.fault(Integer.toUnsignedLong(dest) + from, n, true);
                MemorySegment.copy(buffer, 0, v, BYTE, Integer.toUnsignedLong(dest) + from, n);
                done += n;
            }
        } finally {
            paging.exit();
        }
    }

    /** Whether {@code [addr, addr + size)} (addr a u32) lies inside the visible pages. */
    private static boolean fits(int addr, long size, MemorySegment v) {
        return size >= 0 && Integer.toUnsignedLong(addr) + size <= v.byteSize();
    }

    /** Whether every page of the (in-bounds) range allows the access without a fault. */
    private boolean accessible(int addr, long size, boolean write) {
        if (paging == null || size <= 0) {
            return true;
        }
        long start = Integer.toUnsignedLong(addr);
        int last = (int) ((start + size - 1) >>> PAGE_SHIFT);
        byte needed = write ? GuestPages.WRITE : GuestPages.READ;
        for (int p = (int) (start >>> PAGE_SHIFT); p <= last; p++) {
            if (right(p) < needed) {
                return false;
            }
        }
        return true;
    }

    /** One piece of a bulk operation: {@code n} bytes at {@code at}, {@code done} bytes into it. */
    @FunctionalInterface
    private interface Piece {
        void run(long at, long done, long n);
    }

    /**
     * Runs a bulk operation on an in-bounds range of a paged memory (unpaged ones do it inline: a
     * lambda per call through one shared call site costs an allocation and a virtual call, measured
     * 3x a ByteArrayMemory on fill-heavy guests): in one piece when every page allows it, else in chunks, each made resident just before its piece runs, so a range larger than
     * the resident budget works. On a paged memory the calling thread is {@linkplain
     * GuestPages#enter() inside} it meanwhile.
     */
    private void inPieces(int addr, long size, boolean write, Piece piece) {
        long start = Integer.toUnsignedLong(addr);
        // Entered for the whole operation, so a host thread may use it between calls too.
        paging.enter();
        try {
            if (accessible(addr, size, write)) {
                piece.run(start, 0, size);
                return;
            }
            for (long done = 0; done < size; ) {
                long n = Math.min(PAGED_CHUNK - ((start + done) & (PAGED_CHUNK - 1)), size - done);
                paging.fault(start + done, n, write);
                piece.run(start + done, done, n);
                done += n;
            }
        } finally {
            paging.exit();
        }
    }

    // ---------------------------------------------------------------- loads and stores

    @Override
    public byte read(int addr) {
        return at(addr, 1).get(BYTE, addr);
    }

    @Override
    public void writeByte(int addr, byte data) {
        atWrite(addr, 1).set(BYTE, addr, data);
    }

    @Override
    public short readShort(int addr) {
        return at(addr, 2).get(SHORT, addr);
    }

    @Override
    public long readU16(int addr) {
        return readShort(addr) & 0xFFFFL;
    }

    @Override
    public void writeShort(int addr, short data) {
        atWrite(addr, 2).set(SHORT, addr, data);
    }

    @Override
    public int readInt(int addr) {
        return at(addr, 4).get(INT, addr);
    }

    @Override
    public void writeI32(int addr, int data) {
        atWrite(addr, 4).set(INT, addr, data);
    }

    @Override
    public long readLong(int addr) {
        return at(addr, 8).get(LONG, addr);
    }

    @Override
    public void writeLong(int addr, long data) {
        atWrite(addr, 8).set(LONG, addr, data);
    }

    /** Raw bits, sign-extended like Chicory's memories do (callers narrow to int). */
    @Override
    public long readF32(int addr) {
        return readInt(addr);
    }

    @Override
    public float readFloat(int addr) {
        return at(addr, 4).get(FLOAT, addr);
    }

    @Override
    public void writeF32(int addr, float data) {
        atWrite(addr, 4).set(FLOAT, addr, data);
    }

    /** Raw bits. */
    @Override
    public long readF64(int addr) {
        return readLong(addr);
    }

    @Override
    public double readDouble(int addr) {
        return at(addr, 8).get(DOUBLE, addr);
    }

    @Override
    public void writeF64(int addr, double data) {
        atWrite(addr, 8).set(DOUBLE, addr, data);
    }

    // ---------------------------------------------------------------- atomics
    // Alignment is checked before bounds, as Chicory's interpreter and compiler do.

    @Override
    public void atomicFence() {
        VarHandle.fullFence();
    }

    @Override
    public byte atomicReadByte(int addr) {
        return (byte) A_BYTE.getVolatile(at(addr, 1), (long) addr);
    }

    @Override
    public short atomicReadShort(int addr) {
        aligned(addr, 2);
        return (short) A_SHORT.getVolatile(at(addr, 2), (long) addr);
    }

    @Override
    public int atomicReadInt(int addr) {
        aligned(addr, 4);
        return (int) A_INT.getVolatile(at(addr, 4), (long) addr);
    }

    @Override
    public long atomicReadLong(int addr) {
        aligned(addr, 8);
        return (long) A_LONG.getVolatile(at(addr, 8), (long) addr);
    }

    @Override
    public void atomicWriteByte(int addr, byte value) {
        A_BYTE.setVolatile(atWrite(addr, 1), (long) addr, value);
    }

    @Override
    public void atomicWriteShort(int addr, short value) {
        aligned(addr, 2);
        A_SHORT.setVolatile(atWrite(addr, 2), (long) addr, value);
    }

    @Override
    public void atomicWriteInt(int addr, int value) {
        aligned(addr, 4);
        A_INT.setVolatile(atWrite(addr, 4), (long) addr, value);
    }

    @Override
    public void atomicWriteLong(int addr, long value) {
        aligned(addr, 8);
        A_LONG.setVolatile(atWrite(addr, 8), (long) addr, value);
    }

    @Override
    public int atomicAddInt(int addr, int delta) {
        aligned(addr, 4);
        return (int) A_INT.getAndAdd(atWrite(addr, 4), (long) addr, delta);
    }

    @Override
    public int atomicAndInt(int addr, int mask) {
        aligned(addr, 4);
        return (int) A_INT.getAndBitwiseAnd(atWrite(addr, 4), (long) addr, mask);
    }

    @Override
    public int atomicOrInt(int addr, int mask) {
        aligned(addr, 4);
        return (int) A_INT.getAndBitwiseOr(atWrite(addr, 4), (long) addr, mask);
    }

    @Override
    public int atomicXorInt(int addr, int mask) {
        aligned(addr, 4);
        return (int) A_INT.getAndBitwiseXor(atWrite(addr, 4), (long) addr, mask);
    }

    @Override
    public int atomicXchgInt(int addr, int value) {
        aligned(addr, 4);
        return (int) A_INT.getAndSet(atWrite(addr, 4), (long) addr, value);
    }

    @Override
    public int atomicCmpxchgInt(int addr, int expected, int replacement) {
        aligned(addr, 4);
        return (int) A_INT.compareAndExchange(atWrite(addr, 4), (long) addr, expected, replacement);
    }

    @Override
    public long atomicAddLong(int addr, long delta) {
        aligned(addr, 8);
        return (long) A_LONG.getAndAdd(atWrite(addr, 8), (long) addr, delta);
    }

    @Override
    public long atomicAndLong(int addr, long mask) {
        aligned(addr, 8);
        return (long) A_LONG.getAndBitwiseAnd(atWrite(addr, 8), (long) addr, mask);
    }

    @Override
    public long atomicOrLong(int addr, long mask) {
        aligned(addr, 8);
        return (long) A_LONG.getAndBitwiseOr(atWrite(addr, 8), (long) addr, mask);
    }

    @Override
    public long atomicXorLong(int addr, long mask) {
        aligned(addr, 8);
        return (long) A_LONG.getAndBitwiseXor(atWrite(addr, 8), (long) addr, mask);
    }

    @Override
    public long atomicXchgLong(int addr, long value) {
        aligned(addr, 8);
        return (long) A_LONG.getAndSet(atWrite(addr, 8), (long) addr, value);
    }

    @Override
    public long atomicCmpxchgLong(int addr, long expected, long replacement) {
        aligned(addr, 8);
        return (long) A_LONG.compareAndExchange(atWrite(addr, 8), (long) addr, expected, replacement);
    }

    @Override
    public short atomicAddShort(int addr, short delta) {
        aligned(addr, 2);
        return (short) subwordUpdate(addr, 2, ADD, delta);
    }

    @Override
    public short atomicAndShort(int addr, short mask) {
        aligned(addr, 2);
        return (short) subwordUpdate(addr, 2, AND, mask);
    }

    @Override
    public short atomicOrShort(int addr, short mask) {
        aligned(addr, 2);
        return (short) subwordUpdate(addr, 2, OR, mask);
    }

    @Override
    public short atomicXorShort(int addr, short mask) {
        aligned(addr, 2);
        return (short) subwordUpdate(addr, 2, XOR, mask);
    }

    @Override
    public short atomicXchgShort(int addr, short value) {
        aligned(addr, 2);
        return (short) subwordUpdate(addr, 2, XCHG, value);
    }

    @Override
    public short atomicCmpxchgShort(int addr, short expected, short replacement) {
        aligned(addr, 2);
        return (short) subwordCmpxchg(addr, 2, expected, replacement);
    }

    @Override
    public byte atomicAddByte(int addr, byte delta) {
        return (byte) subwordUpdate(addr, 1, ADD, delta);
    }

    @Override
    public byte atomicAndByte(int addr, byte mask) {
        return (byte) subwordUpdate(addr, 1, AND, mask);
    }

    @Override
    public byte atomicOrByte(int addr, byte mask) {
        return (byte) subwordUpdate(addr, 1, OR, mask);
    }

    @Override
    public byte atomicXorByte(int addr, byte mask) {
        return (byte) subwordUpdate(addr, 1, XOR, mask);
    }

    @Override
    public byte atomicXchgByte(int addr, byte value) {
        return (byte) subwordUpdate(addr, 1, XCHG, value);
    }

    @Override
    public byte atomicCmpxchgByte(int addr, byte expected, byte replacement) {
        return (byte) subwordCmpxchg(addr, 1, expected, replacement);
    }

    private static final int ADD = 0;
    private static final int AND = 1;
    private static final int OR = 2;
    private static final int XOR = 3;
    private static final int XCHG = 4;

    /**
     * Read-modify-write of a 1- or 2-byte value (already aligned) by CAS on its enclosing aligned
     * int, which lies inside the memory whenever the value does (sizes are multiples of 64 KiB).
     * Returns the old value zero-extended.
     */
    private int subwordUpdate(int addr, int bytes, int op, int operand) {
        long word = addr & ~3L;
        int shift = (addr & 3) << 3;
        int valueMask = bytes == 1 ? 0xFF : 0xFFFF;
        int mask = valueMask << shift;
        MemorySegment v = atWrite(addr, bytes);
        int oldWord = (int) A_INT.getVolatile(v, word);
        while (true) {
            int old = (oldWord >>> shift) & valueMask;
            int updated;
            switch (op) {
                case ADD -> updated = old + operand;
                case AND -> updated = old & operand;
                case OR -> updated = old | operand;
                case XOR -> updated = old ^ operand;
                default -> updated = operand;
            }
            int newWord = (oldWord & ~mask) | ((updated << shift) & mask);
            int witness = (int) A_INT.compareAndExchange(v, word, oldWord, newWord);
            if (witness == oldWord) {
                return old;
            }
            oldWord = witness;
        }
    }

    private int subwordCmpxchg(int addr, int bytes, int expected, int replacement) {
        long word = addr & ~3L;
        int shift = (addr & 3) << 3;
        int valueMask = bytes == 1 ? 0xFF : 0xFFFF;
        int mask = valueMask << shift;
        int expect = expected & valueMask;
        MemorySegment v = atWrite(addr, bytes);
        int oldWord = (int) A_INT.getVolatile(v, word);
        while (true) {
            int old = (oldWord >>> shift) & valueMask;
            if (old != expect) {
                return old;
            }
            int newWord = (oldWord & ~mask) | ((replacement << shift) & mask);
            int witness = (int) A_INT.compareAndExchange(v, word, oldWord, newWord);
            if (witness == oldWord) {
                return old;
            }
            oldWord = witness;
        }
    }

    // ---------------------------------------------------------------- wait / notify

    /**
     * {@code memory.atomic.wait32}: 0 when woken, 1 when the value differs, 2 on timeout
     * (nanoseconds; negative waits forever). Traps on unshared memories.
     */
    @Override
    public int atomicWait(int addr, int expected, long timeout) {
        aligned(addr, 4);
        at(addr, 4);
        return requireWaiters().await(this, addr, false, expected, timeout);
    }

    /** {@code memory.atomic.wait64}; see {@link #atomicWait(int, int, long)}. */
    @Override
    public int atomicWait(int addr, long expected, long timeout) {
        aligned(addr, 8);
        at(addr, 8);
        return requireWaiters().await(this, addr, true, expected, timeout);
    }

    /**
     * {@code memory.atomic.notify}: wakes up to {@code maxThreads} (a u32; negative means more than
     * 2^31) waiters on {@code addr} in arrival order and returns how many it woke. Always 0 on
     * unshared memories.
     */
    @Override
    public int atomicNotify(int addr, int maxThreads) {
        aligned(addr, 4);
        at(addr, 4);
        if (waiters == null) {
            return 0;
        }
        return waiters.wake(addr, Integer.toUnsignedLong(maxThreads));
    }

    /** Unsupported: the default atomics that used it are all overridden. */
    @Override
    @Deprecated(forRemoval = true)
    @SuppressWarnings("removal")
    public Object lock(int address) {
        throw new UnsupportedOperationException("SegmentMemory atomics are lock-free");
    }

    @Override
    @Deprecated(forRemoval = true)
    @SuppressWarnings("removal")
    public int waitOn(int address, int expected, long timeout) {
        return atomicWait(address, expected, timeout);
    }

    @Override
    @Deprecated(forRemoval = true)
    @SuppressWarnings("removal")
    public int waitOn(int address, long expected, long timeout) {
        return atomicWait(address, expected, timeout);
    }

    @Override
    @Deprecated(forRemoval = true)
    @SuppressWarnings("removal")
    public int notify(int address, int maxThreads) {
        return atomicNotify(address, maxThreads);
    }

    private WaitQueues requireWaiters() {
        if (waiters == null) {
            throw new WasmRuntimeException("expected shared memory");
        }
        return waiters;
    }

    /**
     * FIFO waiter queues per address, like a futex table. The value check and the enqueue happen
     * under one lock, and notify dequeues under it, so a notify that follows the store a waiter
     * missed always finds that waiter: no lost wake-ups. Waiters park outside the lock.
     */
    private static final class WaitQueues {
        private final Map<Integer, ArrayDeque<Waiter>> queues = new HashMap<>();

        int await(SegmentMemory memory, int addr, boolean wide, long expected, long timeout) {
            Waiter me;
            synchronized (queues) {
                long current = wide ? memory.atomicReadLong(addr) : memory.atomicReadInt(addr);
                if (current != expected) {
                    return 1;
                }
                if (timeout == 0) {
                    return 2;
                }
                me = new Waiter(Thread.currentThread());
                queues.computeIfAbsent(addr, k -> new ArrayDeque<>()).addLast(me);
            }
            long start = System.nanoTime();
            boolean interrupted = false;
            while (!me.woken) {
                if (timeout < 0) {
                    LockSupport.park(this);
                } else {
                    long remaining = timeout - (System.nanoTime() - start);
                    if (remaining <= 0) {
                        break;
                    }
                    LockSupport.parkNanos(this, remaining);
                }
                if (Thread.interrupted()) {
                    interrupted = true;
                    break;
                }
            }
            synchronized (queues) {
                if (!me.woken) {
                    ArrayDeque<Waiter> queue = queues.get(addr);
                    queue.remove(me);
                    if (queue.isEmpty()) {
                        queues.remove(addr);
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
                if (!me.woken) {
                    throw new ChicoryInterruptedException("Thread interrupted");
                }
            }
            return me.woken ? 0 : 2;
        }

        int wake(int addr, long max) {
            synchronized (queues) {
                ArrayDeque<Waiter> queue = queues.get(addr);
                if (queue == null) {
                    return 0;
                }
                int woken = 0;
                while (woken < max && !queue.isEmpty()) {
                    Waiter w = queue.pollFirst();
                    w.woken = true;
                    LockSupport.unpark(w.thread);
                    woken++;
                }
                if (queue.isEmpty()) {
                    queues.remove(addr);
                }
                return woken;
            }
        }
    }

    private static final class Waiter {
        final Thread thread;
        // Set under the queue lock, read by the parked thread without it.
        volatile boolean woken;

        Waiter(Thread thread) {
            this.thread = thread;
        }
    }

    // ---------------------------------------------------------------- traps

    private static void aligned(int addr, int size) {
        if ((addr & (size - 1)) != 0) {
            throw new WasmRuntimeException("unaligned atomic");
        }
    }

    /**
     * The visible pages, after checking that {@code [addr, addr + size)} lies inside them.
     *
     * <p>Why check here when the segment checks anyway: translating the segment's
     * IndexOutOfBoundsException with a try/catch in every accessor measured 1.4-2x slower once
     * inlined into Chicory's compiled loops. This branch is shaped like the segment's own check
     * ({@code Preconditions.checkIndex(offset, byteSize - size + 1)}: unsigned compare against the
     * same bound) so C2 can fold the two; the segment's check remains as the safety net.
     */
    private MemorySegment at(int addr, int size) {
        MemorySegment v = visible;
        long bound = v.byteSize() - size + 1;
        // A negative addr sign-extends to a huge unsigned value, so it fails the compare too.
        if (bound < 0 || Long.compareUnsigned(addr, bound) >= 0) {
            throw oob(addr, size, v.byteSize());
        }
        // The page's right (always there unless paged), and the rare access into the next page.
        if (right(addr >>> PAGE_SHIFT) == GuestPages.NONE || (addr & PAGE_MASK) > PAGE_BYTES - size) {
            fault(addr, size, false);
        }
        return v;
    }

    /** As {@link #at}, for a store: the page must be writable. */
    private MemorySegment atWrite(int addr, int size) {
        MemorySegment v = visible;
        long bound = v.byteSize() - size + 1;
        if (bound < 0 || Long.compareUnsigned(addr, bound) >= 0) {
            throw oob(addr, size, v.byteSize());
        }
        if (right(addr >>> PAGE_SHIFT) != GuestPages.WRITE || (addr & PAGE_MASK) > PAGE_BYTES - size) {
            fault(addr, size, true);
        }
        return v;
    }

    /**
     * A page's right. A plain read, unless this is a shared paged memory. A memory that one thread
     * uses at a time (wasm's unshared memories) sees every revocation made while it was idle
     * through its {@link GuestPages#enter()} (a monitor, after the evicting thread's release of it)
     * and makes every grant itself, in its own faults, so program order suffices; the acquire read
     * costs 3x on a tight loop (bench-results/issue-13-paged, PageCheckBench), as C2 then keeps the
     * loop's loads in order. Threads sharing a paged memory see each other's grants, which must be
     * read with acquire so the page's bytes are seen too.
     */
    private byte right(int page) {
        byte right = rights[page];
        if (ordered) {
            VarHandle.acquireFence(); // a fence, not a VarHandle read: keeps this method tiny for inlining
        }
        return right;
    }

    /** The slow path of a paged access: makes its page(s) resident (and writable); see {@link GuestPages}. */
    private void fault(int addr, int size, boolean write) {
        if (paging != null) {
            paging.fault(Integer.toUnsignedLong(addr), size, write);
        }
    }

    private WasmRuntimeException oob(int addr, long size) {
        return oob(addr, size, visible.byteSize());
    }

    private static WasmRuntimeException oob(int addr, long size, long limit) {
        return new WasmRuntimeException(
                OOB + ": attempted to access address: " + addr + " but limit is: " + limit + " and size: " + size);
    }
}
