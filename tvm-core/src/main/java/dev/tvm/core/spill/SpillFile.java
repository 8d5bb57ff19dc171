package dev.tvm.core.spill;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.TvmException;
import dev.tvm.core.TvmException.SpillException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntFunction;
import java.util.zip.CRC32C;

/**
 * The spill file of one region directory: cold pages are written to page-sized <em>slots</em> of
 * this file and their memory released; on access they are read back (or mapped) from their slots.
 * This class is the file layer only: it hands out slots, moves bytes, checksums them and keeps the
 * file's format; which page lives in which slot is the caller's page table.
 *
 * <h2>One file per directory</h2>
 *
 * All regions of a directory share one spill file rather than one file each: one file descriptor
 * however many regions spill; space freed by one region is reused by any other (a region that
 * shrinks does not strand disk space in its own file); and one file to snapshot, copy or delete.
 * The price is one lock for the allocation metadata, shared by every region. It is held only to
 * pick or release slots (a map update); all I/O runs outside it with positional {@link
 * FileChannel} reads and writes ({@code pread}/{@code pwrite}), which need no shared file position,
 * so threads spilling or faulting disjoint slots proceed in parallel.
 *
 * <h2>File format</h2>
 *
 * Modelled on wasmtime's mmap-friendly artifacts: payloads page-aligned so they can be read or
 * mapped in place and lazily, metadata appended at the end with a fixed-size footer so a reader
 * finds it with one read. All integers are little-endian.
 *
 * <pre>
 * offset 0         pageSize      pageSize*(1+i)              pageSize*(1+n)            size-36     size
 * +----------------+-------------+---- ... ----+-------------+-------------------------+-----------+
 * | header block   | slot 0      |   slot i    | slot n-1    | metadata bytes          | footer    |
 * | pageSize bytes | pageSize B  |             | pageSize B  | (any length)            | 36 bytes  |
 * +----------------+-------------+---- ... ----+-------------+-------------------------+-----------+
 *                                                            \__ trailer: only after writeMetadata __/
 *
 * header, at offset 0 (the rest of the block is zero):
 *    0  magic            8 bytes  "TVMSPILL"
 *    8  format version   u32      1
 *   12  page size        u32      power of two, 4 KiB .. 16 MiB (64 KiB for region pages)
 *   16  flags            u32      bit 0 CLEAN: the file ends with a trailer that describes it
 *   20  header CRC32C    u32      of bytes 0..19
 *
 * footer, the last 36 bytes of the file:
 *    0  metadata offset  u64      = pageSize * (1 + slot count): right after the last slot
 *    8  metadata length  u64
 *   16  metadata CRC32C  u32      of the metadata bytes
 *   20  slot count       u64      n
 *   28  magic            8 bytes  "TVMTRAIL"
 * </pre>
 *
 * A file that is only used as swap never gets a trailer. {@link #writeMetadata} appends one after
 * the last allocated slot (cutting off free slots at the end and any older trailer), forces the
 * file, and only then sets CLEAN in the header and forces again. The first write after that clears
 * CLEAN (and forces) before any slot changes, so a crash can never leave a CLEAN file whose slots
 * disagree with its metadata. {@link #open} accepts only CLEAN files with a consistent trailer.
 *
 * <h2>Checksums</h2>
 *
 * Every write computes the CRC32C of each page and returns them; the caller keeps them in its page
 * table and hands them back to {@link #readRun}, which verifies every page and fails with {@code
 * SPILL_CORRUPT} naming the page, slot and file offset. The file itself stores no per-page
 * checksums (they would have to be written, and read, next to every page); whatever the caller
 * persists in the metadata trailer survives a reopen.
 *
 * <h2>Failures</h2>
 *
 * Every {@link IOException} (disk full, EIO, closed channel) becomes a {@link SpillException} with
 * {@link ErrorCode#SPILL_IO_ERROR} naming the file, the operation, the slot range, the file offset
 * and the cause; damage becomes {@link ErrorCode#SPILL_CORRUPT}. The file stays usable after
 * either: methods that allocate ({@link #spill}, {@link SpillQueue#flush}) free the slots of a
 * failed write again and cut the file back so a partial write gives its disk space back, and a
 * write only touches its own slots, so nothing written earlier is disturbed. If the channel itself
 * was closed under the file (an interrupted thread closes a {@code FileChannel} for everyone) the
 * failing operation reopens it through the {@link SpillChannelFactory}; the next operation works.
 * Misuse (a run that is not allocated, a segment that is not a whole number of pages) is {@link
 * ErrorCode#INVALID_ARGUMENT}; use after {@link #close()} is {@link ErrorCode#CLOSED}.
 *
 * <p><b>Never overwrite a live run in place.</b> A write that fails half way leaves its slots half
 * old, half new. Spill a page to a fresh run ({@link #spill}, {@link SpillQueue}), switch the page
 * table to it, then free the old run: a failure then costs nothing that was already on disk.
 *
 * <h2>Thread safety</h2>
 *
 * All methods are thread-safe. Reads and writes of disjoint runs run in parallel; two threads
 * writing or reading the same run at once get no guarantee beyond what the OS gives. {@link
 * #writeMetadata} and {@link #close()} wait for I/O in flight and hold off new I/O while they run.
 * Gathering writes ({@link SpillQueue}) need the channel's position and so are serialized with each
 * other, but not with positional reads and writes. Lock order: I/O gate, allocation lock, header
 * lock.
 */
public final class SpillFile implements AutoCloseable {
    /** The page size of region pages: 64 KiB. */
    public static final int DEFAULT_PAGE_SIZE = 64 * 1024;
    /** The smallest page size the format allows. */
    public static final int MIN_PAGE_SIZE = 4096;
    /** The largest page size the format allows. */
    public static final int MAX_PAGE_SIZE = 16 << 20;
    /** The format version this class writes and reads. */
    public static final int FORMAT_VERSION = 1;

    static final int HEADER_BYTES = 24;
    static final int FOOTER_BYTES = 36;
    static final int FLAG_CLEAN = 1;
    private static final byte[] MAGIC = "TVMSPILL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRAILER_MAGIC = "TVMTRAIL".getBytes(StandardCharsets.US_ASCII);
    /** The largest single positional transfer (a ByteBuffer holds at most 2 GiB). */
    private static final long MAX_TRANSFER = 1L << 30;
    /** Consecutive zero-byte transfers after which a channel is declared stuck. */
    private static final int MAX_STALLS = 16;

    private final Path path;
    private final int pageSize;
    private final SpillChannelFactory factory;
    private final SlotAllocator slots;
    private final ReentrantLock allocLock = new ReentrantLock();
    /** Shared by every I/O; exclusive for writeMetadata and close. */
    private final ReentrantReadWriteLock ioGate = new ReentrantReadWriteLock();
    /** Held around position + gathering write. */
    private final ReentrantLock positionLock = new ReentrantLock();

    private final Object headerLock = new Object();
    private final Object channelLock = new Object();

    private volatile FileChannel channel;
    private volatile boolean clean;
    private volatile boolean closed;
    private volatile byte[] metadata;

    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder writeCalls = new LongAdder();
    private final LongAdder readCalls = new LongAdder();
    private final LongAdder mapCalls = new LongAdder();
    private final LongAdder ioErrors = new LongAdder();
    private final LongAdder corruptions = new LongAdder();

    private SpillFile(
            Path path,
            int pageSize,
            SpillChannelFactory factory,
            FileChannel channel,
            SlotAllocator slots,
            boolean clean,
            byte[] metadata) {
        this.path = path;
        this.pageSize = pageSize;
        this.factory = factory;
        this.channel = channel;
        this.slots = slots;
        this.clean = clean;
        this.metadata = metadata;
    }

    // ------------------------------------------------------------------ create and open

    /** {@link #create(Path, int, SpillChannelFactory)} with the default channel factory. */
    public static SpillFile create(Path path, int pageSize) {
        return create(path, pageSize, SpillChannelFactory.DEFAULT);
    }

    /**
     * Creates an empty spill file at {@code path}, replacing any file there: a header block and no
     * slots.
     *
     * @param pageSize bytes per slot, a power of two from {@link #MIN_PAGE_SIZE} to {@link
     *     #MAX_PAGE_SIZE}
     * @throws SpillException {@code SPILL_IO_ERROR} if the file cannot be created
     */
    public static SpillFile create(Path path, int pageSize, SpillChannelFactory factory) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(factory, "factory");
        if (!validPageSize(pageSize)) {
            throw new TvmException.InvalidArgumentException("spill page size must be a power of two from "
                    + MIN_PAGE_SIZE + " to " + MAX_PAGE_SIZE + ", was " + pageSize);
        }
        FileChannel ch = null;
        try {
            ch = factory.open(path);
            ch.truncate(0);
            ByteBuffer block = ByteBuffer.allocate(pageSize);
            block.put(header(pageSize, 0)).rewind();
            while (block.hasRemaining()) {
                if (ch.write(block, block.position()) <= 0) {
                    throw new IOException("the header write made no progress");
                }
            }
        } catch (IOException e) {
            closeQuietly(ch, e);
            throw new SpillException(
                    ErrorCode.SPILL_IO_ERROR, "spill file " + path + ": create failed: " + describe(e), e);
        }
        return new SpillFile(path, pageSize, factory, ch, new SlotAllocator(0), false, new byte[0]);
    }

    /** {@link #open(Path, SpillChannelFactory)} with the default channel factory. */
    public static SpillFile open(Path path) {
        return open(path, SpillChannelFactory.DEFAULT);
    }

    /**
     * Reopens a spill file that {@link #writeMetadata} left CLEAN, validating header and trailer.
     * Its slots exist but are all free until the caller declares the ones its metadata references
     * with {@link #markUsed}; do that before allocating anything.
     *
     * @throws SpillException {@code SPILL_CORRUPT} if the header's magic, version, page size or CRC
     *     is wrong, the file has no valid trailer (never snapshotted, written after its last
     *     snapshot, or truncated) or the metadata fails its CRC; {@code SPILL_IO_ERROR} if it cannot
     *     be read
     */
    public static SpillFile open(Path path, SpillChannelFactory factory) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(factory, "factory");
        if (!Files.isRegularFile(path)) {
            throw new SpillException(
                    ErrorCode.SPILL_IO_ERROR, "spill file " + path + ": open failed: no such file", null);
        }
        FileChannel ch = null;
        try {
            ch = factory.open(path);
            long size = ch.size();
            if (size < HEADER_BYTES) {
                throw corrupt(path, "truncated: " + size + " bytes, shorter than the " + HEADER_BYTES + "-byte header");
            }
            ByteBuffer h = readExactly(ch, 0, HEADER_BYTES);
            byte[] magic = new byte[8];
            h.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw corrupt(path, "not a spill file: bad magic " + printable(magic) + " (expected TVMSPILL)");
            }
            int version = h.getInt(8);
            int pageSize = h.getInt(12);
            int flags = h.getInt(16);
            int storedCrc = h.getInt(20);
            byte[] covered = new byte[20];
            h.get(0, covered);
            int actualCrc = crc(covered, 0, covered.length);
            if (storedCrc != actualCrc) {
                throw corrupt(
                        path, "header CRC32C mismatch: stored " + hex(storedCrc) + ", computed " + hex(actualCrc));
            }
            if (version != FORMAT_VERSION) {
                throw corrupt(
                        path, "unsupported format version " + version + " (this build reads " + FORMAT_VERSION + ")");
            }
            if (!validPageSize(pageSize)) {
                throw corrupt(path, "invalid page size " + pageSize + " in the header");
            }
            if ((flags & ~FLAG_CLEAN) != 0) {
                throw corrupt(path, "unknown header flags " + hex(flags));
            }
            if ((flags & FLAG_CLEAN) == 0) {
                throw corrupt(
                        path,
                        "no valid metadata trailer: the file was never snapshotted with writeMetadata, or was"
                                + " written to after its last snapshot");
            }
            if (size < (long) pageSize + FOOTER_BYTES) {
                throw corrupt(
                        path,
                        "truncated: " + size + " bytes, too short for a " + pageSize + "-byte header block and"
                                + " a footer");
            }
            ByteBuffer f = readExactly(ch, size - FOOTER_BYTES, FOOTER_BYTES);
            long metaOffset = f.getLong(0);
            long metaLength = f.getLong(8);
            int metaCrc = f.getInt(16);
            long slotCount = f.getLong(20);
            byte[] trailerMagic = new byte[TRAILER_MAGIC.length];
            f.get(28, trailerMagic);
            if (!Arrays.equals(trailerMagic, TRAILER_MAGIC)) {
                throw corrupt(
                        path,
                        "truncated or damaged: no trailer at the end of the " + size + "-byte file (bad trailer"
                                + " magic " + printable(trailerMagic) + ")");
            }
            long maxSlots = Long.MAX_VALUE / pageSize - 2;
            if (slotCount < 0
                    || slotCount > maxSlots
                    || metaOffset != (long) pageSize * (1 + slotCount)
                    || metaLength < 0
                    || metaLength > Integer.MAX_VALUE - 16) {
                throw corrupt(
                        path,
                        "damaged trailer: metadata offset " + metaOffset + ", length " + metaLength + ", slot count "
                                + slotCount);
            }
            long expectedSize = metaOffset + metaLength + FOOTER_BYTES;
            if (expectedSize != size) {
                throw corrupt(
                        path,
                        (size < expectedSize ? "truncated" : "damaged") + ": the trailer describes a file of "
                                + expectedSize + " bytes (" + slotCount + " slots, " + metaLength
                                + " metadata bytes), the file has " + size);
            }
            byte[] meta = readExactly(ch, metaOffset, (int) metaLength).array();
            int actualMetaCrc = crc(meta, 0, meta.length);
            if (actualMetaCrc != metaCrc) {
                throw corrupt(
                        path, "metadata CRC32C mismatch: stored " + hex(metaCrc) + ", computed " + hex(actualMetaCrc));
            }
            return new SpillFile(path, pageSize, factory, ch, new SlotAllocator(slotCount), true, meta);
        } catch (IOException e) {
            closeQuietly(ch, e);
            throw new SpillException(
                    ErrorCode.SPILL_IO_ERROR, "spill file " + path + ": open failed: " + describe(e), e);
        } catch (RuntimeException e) {
            closeQuietly(ch, e);
            throw e;
        }
    }

    // ------------------------------------------------------------------ slots

    /** The file. */
    public Path path() {
        return path;
    }

    /** Bytes per slot. */
    public int pageSize() {
        return pageSize;
    }

    /** The file offset of {@code slot}: {@code pageSize * (1 + slot)}. */
    public long slotOffset(long slot) {
        if (slot < 0) {
            throw new TvmException.InvalidArgumentException("negative slot " + slot);
        }
        return Math.multiplyExact(pageSize, Math.addExact(slot, 1));
    }

    /**
     * Allocates {@code pages} contiguous slots and returns the first. Free runs are reused first
     * (first fit: the lowest free run that is long enough); otherwise the file grows. The slots'
     * contents are undefined until written.
     */
    public long allocateRun(int pages) {
        ensureOpen();
        allocLock.lock();
        try {
            return slots.allocate(pages);
        } finally {
            allocLock.unlock();
        }
    }

    /**
     * Frees {@code [firstSlot, firstSlot + pages)}, which must be allocated (any part of a run may
     * be freed on its own). Adjacent free runs are coalesced. Close any mapping of the run first.
     * The file does not shrink; see {@link #trim()}.
     *
     * @throws TvmException.InvalidArgumentException if any of the slots is not allocated (a double
     *     free)
     */
    public void freeRun(long firstSlot, int pages) {
        allocLock.lock();
        try {
            slots.free(firstSlot, pages);
        } finally {
            allocLock.unlock();
        }
    }

    /**
     * Declares {@code [firstSlot, firstSlot + pages)} allocated after {@link #open}: the slots the
     * caller's metadata references. They must exist and be free.
     */
    public void markUsed(long firstSlot, int pages) {
        allocLock.lock();
        try {
            slots.markUsed(firstSlot, pages);
        } finally {
            allocLock.unlock();
        }
    }

    /**
     * Cuts the file back to its last allocated slot, giving the space of free slots at the end back
     * to the file system (a header-only file if nothing is allocated). Free slots in the middle stay
     * part of the file for reuse. Any trailer is cut off too, so the file is no longer CLEAN.
     *
     * @return bytes released
     */
    public long trim() {
        FileChannel ch = enter();
        long target = -1;
        try {
            allocLock.lock();
            try {
                target = slotOffset(slots.trimTail());
                long size = ch.size();
                if (size <= target) {
                    return 0;
                }
                ensureDirty(ch);
                ch.truncate(target);
                return size - target;
            } finally {
                allocLock.unlock();
            }
        } catch (IOException e) {
            throw ioFailure(ch, "trim to " + target + " bytes", e);
        } finally {
            exit();
        }
    }

    // ------------------------------------------------------------------ writes

    /**
     * Writes {@code src} to the allocated run starting at {@code firstSlot}, page {@code i} of
     * {@code src} to slot {@code firstSlot + i}, with as few positional writes as possible: one per
     * GiB, continued after short writes.
     *
     * @param src a whole number of pages, on or off heap; must not change during the call
     * @return the CRC32C of each page, for {@link #readRun}
     * @throws SpillException {@code SPILL_IO_ERROR}; the run stays allocated (it is the caller's)
     *     and its contents are undefined; other slots are untouched
     */
    public int[] writeRun(long firstSlot, MemorySegment src) {
        int pages = pagesOf(src, "src");
        requireAllocated(firstSlot, pages, "write");
        int[] crcs = checksums(src);
        long offset = slotOffset(firstSlot);
        FileChannel ch = enter();
        try {
            ensureDirty(ch);
            writeFully(ch, src, offset);
        } catch (IOException e) {
            throw ioFailure(ch, "write of slots " + SlotAllocator.range(firstSlot, pages), offset, src.byteSize(), e);
        } finally {
            exit();
        }
        return crcs;
    }

    /**
     * Allocates a run for {@code src}, writes it there and returns where it went. A failed write
     * frees its slots again (and gives back any disk space a partial write took) before the
     * exception propagates, so no failed write leaves a slot behind. The directory itself does not
     * call this: its evictor spills through a {@link SpillQueue} (same allocation and failure
     * handling, one gathering write for pages that are not contiguous in memory); this is the
     * one-call form for a caller whose pages are one contiguous segment.
     *
     * @throws SpillException {@code SPILL_IO_ERROR}; nothing stays allocated
     */
    public SpillRun spill(MemorySegment src) {
        int pages = pagesOf(src, "src");
        long first = allocateRun(pages);
        try {
            return new SpillRun(first, writeRun(first, src));
        } catch (RuntimeException e) {
            releaseFailedRun(first, pages, e);
            throw e;
        }
    }

    /** A queue that coalesces single-page spills into one gathering write per batch. */
    public SpillQueue newQueue() {
        return new SpillQueue(this);
    }

    /** One run for all of {@code pages}, written with gathering writes; see {@link SpillQueue}. */
    SpillRun writeBatch(MemorySegment[] pages) {
        int[] crcs = new int[pages.length];
        ByteBuffer[] buffers = new ByteBuffer[pages.length];
        for (int i = 0; i < pages.length; i++) {
            if (pages[i].byteSize() != pageSize) {
                throw new TvmException.InvalidArgumentException(
                        "page " + i + " of the batch is " + pages[i].byteSize() + " bytes, not " + pageSize);
            }
            crcs[i] = crc(pages[i]);
            buffers[i] = pages[i].asByteBuffer();
        }
        long first = allocateRun(pages.length);
        long offset = slotOffset(first);
        try {
            FileChannel ch = enter();
            try {
                ensureDirty(ch);
                gatherFully(ch, buffers, offset);
            } catch (IOException e) {
                throw ioFailure(
                        ch,
                        "gathering write of " + pages.length + " queued pages to slots "
                                + SlotAllocator.range(first, pages.length),
                        offset,
                        (long) pages.length * pageSize,
                        e);
            } finally {
                exit();
            }
        } catch (RuntimeException e) {
            releaseFailedRun(first, pages.length, e);
            throw e;
        }
        return new SpillRun(first, crcs);
    }

    /**
     * Writes {@code count} pages, each to its own slot: page {@code i} goes to {@code slots[i]} if
     * that is {@code >= 0} (rewritten in place: the caller owns the slot), else to a slot allocated
     * here and stored into {@code slots[i]}. Free slots anywhere in the file are used before it
     * grows. Pages whose slots follow on are written together with one gathering write.
     *
     * @return the CRC32C of each page
     * @throws SpillException {@code SPILL_IO_ERROR}, naming the file, the bytes the write needed
     *     and, for a full file system, the space it has left; slots allocated here are freed again
     *     (and {@code slots[i]} reset to -1), slots the caller gave are left allocated with
     *     undefined contents; other slots are untouched
     */
    public int[] writePages(MemorySegment[] pages, long[] slots, int count) {
        int[] crcs = new int[count];
        for (int i = 0; i < count; i++) {
            if (pages[i].byteSize() != pageSize) {
                throw new TvmException.InvalidArgumentException(
                        "page " + i + " is " + pages[i].byteSize() + " bytes, not " + pageSize);
            }
            crcs[i] = crc(pages[i]);
        }
        boolean[] fresh = new boolean[count];
        ensureOpen();
        allocLock.lock();
        try {
            for (int i = 0; i < count; ) {
                if (slots[i] >= 0) {
                    i++;
                    continue;
                }
                int missing = 0;
                for (int j = i; j < count; j++) {
                    missing += slots[j] < 0 ? 1 : 0;
                }
                long first = this.slots.allocateUpTo(missing);
                long length = this.slots.lastLength();
                for (long k = 0; k < length; i++) {
                    if (slots[i] < 0) {
                        slots[i] = first + k++;
                        fresh[i] = true;
                    }
                }
            }
        } finally {
            allocLock.unlock();
        }
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(slots[a], slots[b]));
        long offset = -1;
        long bytes = 0;
        RuntimeException failure = null;
        FileChannel ch = enter();
        try {
            ensureDirty(ch);
            for (int start = 0; start < count; ) {
                int end = start + 1;
                while (end < count && slots[order[end]] == slots[order[end - 1]] + 1) {
                    end++;
                }
                ByteBuffer[] buffers = new ByteBuffer[end - start];
                for (int k = start; k < end; k++) {
                    buffers[k - start] = pages[order[k]].asByteBuffer();
                }
                offset = slotOffset(slots[order[start]]);
                bytes = (long) (end - start) * pageSize;
                gatherFully(ch, buffers, offset);
                start = end;
            }
        } catch (IOException e) {
            failure = ioFailure(
                    ch, "write of " + count + " pages (" + (long) count * pageSize + " bytes)", offset, bytes, e);
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            exit();
        }
        if (failure != null) {
            for (int i = 0; i < count; i++) {
                if (fresh[i]) {
                    try {
                        freeRun(slots[i], 1);
                    } catch (RuntimeException suppressed) {
                        failure.addSuppressed(suppressed);
                    }
                    slots[i] = -1;
                }
            }
            try {
                trim(); // give back what a partial write past the end took
            } catch (RuntimeException suppressed) {
                failure.addSuppressed(suppressed);
            }
            throw failure;
        }
        return crcs;
    }

    // ------------------------------------------------------------------ reads

    /**
     * Reads the allocated run starting at {@code firstSlot} into {@code dst} with as few positional
     * reads as possible, then verifies page {@code i} against {@code crcs[crcOffset + i]}.
     *
     * @param what names the run in error messages, e.g. "region 3 gen 1 pages 16..31"; page {@code
     *     i} is reported as {@code what + " (page i of the run)"} for runs longer than one page
     * @throws SpillException {@code SPILL_CORRUPT} if a page fails its CRC (naming {@code what}, the
     *     slot and the file offset) or the file ends before the run ("truncated"), {@code
     *     SPILL_IO_ERROR} if the read fails; {@code dst}'s contents are then undefined
     */
    public void readRun(long firstSlot, MemorySegment dst, int[] crcs, int crcOffset, String what) {
        Objects.requireNonNull(what, "what");
        int pages = pagesOf(dst, "dst");
        readRun(firstSlot, dst, crcs, crcOffset, pages == 1 ? i -> what : i -> what + " (page " + i + " of the run)");
    }

    /**
     * {@link #readRun(long, MemorySegment, int[], int, String)} with a name per page: {@code
     * what.apply(i)} names page {@code i} of the run (e.g. {@code i -> "region 3 gen 1 page " + (16 +
     * i)}), evaluated only for an error.
     */
    public void readRun(long firstSlot, MemorySegment dst, int[] crcs, int crcOffset, IntFunction<String> what) {
        int pages = pagesOf(dst, "dst");
        Objects.requireNonNull(what, "what");
        if (dst.isReadOnly()) {
            throw new TvmException.InvalidArgumentException("dst is read-only");
        }
        if (crcOffset < 0 || crcOffset > crcs.length - pages) {
            throw new TvmException.InvalidArgumentException("crcs[" + crcOffset + ", " + ((long) crcOffset + pages)
                    + ") is outside the " + crcs.length + " checksums given");
        }
        requireAllocated(firstSlot, pages, "read");
        long offset = slotOffset(firstSlot);
        long got;
        long size = -1;
        FileChannel ch = enter();
        try {
            got = readFully(ch, dst, offset);
            if (got < dst.byteSize()) {
                size = ch.size();
            }
        } catch (IOException e) {
            throw ioFailure(ch, "read of slots " + SlotAllocator.range(firstSlot, pages), offset, dst.byteSize(), e);
        } finally {
            exit();
        }
        if (got < dst.byteSize()) {
            corruptions.increment();
            int page = (int) (got / pageSize);
            throw corrupt(
                    path,
                    "truncated: " + what.apply(page) + " (slot " + (firstSlot + page) + ", file offset "
                            + (offset + (long) page * pageSize) + ") lies beyond the end of the file ("
                            + size + " bytes); read of slots " + SlotAllocator.range(firstSlot, pages)
                            + " got " + got + " of " + dst.byteSize() + " bytes");
        }
        int bad = -1;
        int badCount = 0;
        int badActual = 0;
        for (int i = 0; i < pages; i++) {
            int actual = crc(dst.asSlice((long) i * pageSize, pageSize));
            if (actual != crcs[crcOffset + i]) {
                if (bad < 0) {
                    bad = i;
                    badActual = actual;
                }
                badCount++;
            }
        }
        if (bad >= 0) {
            corruptions.increment();
            throw corrupt(
                    path,
                    "checksum mismatch in " + what.apply(bad) + " (slot " + (firstSlot + bad) + ", file offset "
                            + (offset + (long) bad * pageSize) + "): expected CRC32C "
                            + hex(crcs[crcOffset + bad]) + ", found " + hex(badActual)
                            + (badCount > 1
                                    ? "; " + (badCount - 1) + " more of the run's " + pages + " pages differ"
                                    : ""));
        }
    }

    // ------------------------------------------------------------------ mapping

    /**
     * Maps the allocated run starting at {@code firstSlot} into memory for the WARM tier: the OS
     * pages it in on access and may write it back and drop it under memory pressure, with no copy.
     * The mapping lives until {@code arena} is closed, independently of this file (even after
     * {@link #close()}).
     *
     * <p><b>Writes through a READ_WRITE mapping bypass the checksums</b>: they change the slots
     * without new CRCs, so the caller must recompute them with {@link #checksums} before trusting
     * {@link #readRun} on those slots again. Mapping READ_WRITE also clears CLEAN. A mapping does not
     * reserve disk space: write the run with {@link #writeRun} first, so its blocks exist, rather
     * than mapping slots beyond the end of the file (a store that finds the disk full would then be
     * a fault, not an exception). Close the arena before freeing the run.
     *
     * @throws SpillException {@code SPILL_CORRUPT} if a read-only mapping would reach past the end
     *     of the file (truncated), {@code SPILL_IO_ERROR} if the mapping fails
     */
    public MemorySegment mapRun(long firstSlot, int pages, Arena arena, boolean readOnly) {
        Objects.requireNonNull(arena, "arena");
        requireAllocated(firstSlot, pages, "map");
        long offset = slotOffset(firstSlot);
        long length = (long) pages * pageSize;
        FileChannel ch = enter();
        try {
            if (readOnly) {
                long size = ch.size();
                if (size < offset + length) {
                    corruptions.increment();
                    throw corrupt(
                            path,
                            "truncated: cannot map slots " + SlotAllocator.range(firstSlot, pages) + " (bytes "
                                    + offset + ".." + (offset + length) + ") read-only, the file has " + size
                                    + " bytes");
                }
            } else {
                ensureDirty(ch);
            }
            MemorySegment mapped = ch.map(
                    readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE, offset, length, arena);
            mapCalls.increment();
            return mapped;
        } catch (IOException e) {
            throw ioFailure(ch, "map of slots " + SlotAllocator.range(firstSlot, pages), offset, length, e);
        } finally {
            exit();
        }
    }

    /** The CRC32C of each page of {@code pages} (a whole number of pages), as {@link #writeRun} returns them. */
    public int[] checksums(MemorySegment pages) {
        if (pages.byteSize() % pageSize != 0) {
            throw new TvmException.InvalidArgumentException(
                    "segment of " + pages.byteSize() + " bytes is not a whole number of " + pageSize + "-byte pages");
        }
        int[] crcs = new int[Math.toIntExact(pages.byteSize() / pageSize)];
        for (int i = 0; i < crcs.length; i++) {
            crcs[i] = crc(pages.asSlice((long) i * pageSize, pageSize));
        }
        return crcs;
    }

    // ------------------------------------------------------------------ metadata trailer

    /**
     * Snapshots the file: appends {@code metadata} (the caller's page tables and checksums, in any
     * encoding) and the footer right after the last allocated slot, cuts off anything after them
     * (free slots at the end, an older trailer), forces the file, then marks the header CLEAN and
     * forces again. Waits for I/O in flight. The file stays usable; its next write clears CLEAN.
     *
     * @throws SpillException {@code SPILL_IO_ERROR}; the file is then not CLEAN
     */
    public void writeMetadata(byte[] metadata) {
        Objects.requireNonNull(metadata, "metadata");
        byte[] copy = metadata.clone();
        ioGate.writeLock().lock();
        try {
            ensureOpen();
            FileChannel ch = channel;
            long offset = -1;
            try {
                ensureDirty(ch);
                long slotCount;
                allocLock.lock();
                try {
                    slotCount = slots.trimTail();
                } finally {
                    allocLock.unlock();
                }
                offset = slotOffset(slotCount);
                ByteBuffer trailer =
                        ByteBuffer.allocate(copy.length + FOOTER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                trailer.put(copy)
                        .putLong(offset)
                        .putLong(copy.length)
                        .putInt(crc(copy, 0, copy.length))
                        .putLong(slotCount)
                        .put(TRAILER_MAGIC)
                        .flip();
                writeFully(ch, trailer, offset);
                ch.truncate(offset + trailer.capacity());
                ch.force(true);
                writeHeader(ch, FLAG_CLEAN);
                ch.force(true);
                clean = true;
                this.metadata = copy;
            } catch (IOException e) {
                throw ioFailure(ch, "metadata write", offset, copy.length + FOOTER_BYTES, e);
            }
        } finally {
            ioGate.writeLock().unlock();
        }
    }

    /** The metadata of the last {@link #writeMetadata} or {@link #open} (a copy); empty if none. */
    public byte[] metadata() {
        return metadata.clone();
    }

    // ------------------------------------------------------------------ stats and close

    /** A consistent snapshot of the allocation state and the cumulative counters. */
    public SpillStats stats() {
        long size;
        try {
            size = channel.size();
        } catch (IOException e) {
            size = -1;
        }
        long slotCount;
        long freeSlots;
        int freeRuns;
        allocLock.lock();
        try {
            slotCount = slots.slotCount();
            freeSlots = slots.freeSlots();
            freeRuns = slots.freeRuns();
        } finally {
            allocLock.unlock();
        }
        return new SpillStats(
                pageSize,
                size,
                slotCount,
                slotCount - freeSlots,
                freeSlots,
                freeRuns,
                bytesWritten.sum(),
                bytesRead.sum(),
                writeCalls.sum(),
                readCalls.sum(),
                mapCalls.sum(),
                ioErrors.sum(),
                corruptions.sum());
    }

    /**
     * Waits for I/O in flight and closes the channel. Does not snapshot: call {@link
     * #writeMetadata} first to reopen the file later, or delete it after closing. Mappings stay
     * valid until their arenas close. Idempotent.
     */
    @Override
    public void close() {
        ioGate.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            channel.close();
        } catch (IOException e) {
            throw new SpillException(
                    ErrorCode.SPILL_IO_ERROR, "spill file " + path + ": close failed: " + describe(e), e);
        } finally {
            ioGate.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "SpillFile[" + path + ", pageSize " + pageSize + "]";
    }

    // ------------------------------------------------------------------ internals

    private FileChannel enter() {
        ioGate.readLock().lock();
        if (closed) {
            ioGate.readLock().unlock();
            throw closedException();
        }
        return channel;
    }

    private void exit() {
        ioGate.readLock().unlock();
    }

    private void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private TvmException closedException() {
        return TvmException.of(ErrorCode.CLOSED, "spill file " + path + " is closed");
    }

    /** Clears CLEAN, durably, before the first change to a CLEAN file. */
    private void ensureDirty(FileChannel ch) throws IOException {
        if (!clean) {
            return;
        }
        synchronized (headerLock) {
            if (clean) {
                writeHeader(ch, 0);
                ch.force(false);
                clean = false;
            }
        }
    }

    private void writeHeader(FileChannel ch, int flags) throws IOException {
        writeFully(ch, ByteBuffer.wrap(header(pageSize, flags)), 0);
    }

    private static byte[] header(int pageSize, int flags) {
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.put(MAGIC).putInt(FORMAT_VERSION).putInt(pageSize).putInt(flags);
        h.putInt(crc(h.array(), 0, 20));
        return h.array();
    }

    private void requireAllocated(long firstSlot, int pages, String op) {
        boolean allocated;
        long slotCount;
        allocLock.lock();
        try {
            allocated = slots.isAllocated(firstSlot, pages);
            slotCount = slots.slotCount();
        } finally {
            allocLock.unlock();
        }
        if (!allocated) {
            throw new TvmException.InvalidArgumentException("spill file " + path + ": " + op + " of slots "
                    + SlotAllocator.range(firstSlot, pages) + ", which are not all allocated (free, or beyond the "
                    + slotCount + " slots of the file)");
        }
    }

    private int pagesOf(MemorySegment segment, String name) {
        long size = segment.byteSize();
        if (size == 0 || size % pageSize != 0) {
            throw new TvmException.InvalidArgumentException(
                    name + " must be a whole, positive number of " + pageSize + "-byte pages, was " + size + " bytes");
        }
        long pages = size / pageSize;
        if (pages > Integer.MAX_VALUE) {
            throw new TvmException.InvalidArgumentException(name + " has more than 2^31 pages");
        }
        return (int) pages;
    }

    private void writeFully(FileChannel ch, MemorySegment src, long offset) throws IOException {
        for (long done = 0; done < src.byteSize(); done += MAX_TRANSFER) {
            long n = Math.min(MAX_TRANSFER, src.byteSize() - done);
            writeFully(ch, src.asSlice(done, n).asByteBuffer(), offset + done);
        }
    }

    private void writeFully(FileChannel ch, ByteBuffer buffer, long offset) throws IOException {
        int start = buffer.position();
        int stalls = 0;
        while (buffer.hasRemaining()) {
            int n = ch.write(buffer, offset + buffer.position() - start);
            writeCalls.increment();
            if (n > 0) {
                bytesWritten.add(n);
                stalls = 0;
            } else if (++stalls > MAX_STALLS) {
                throw new IOException("the write made no progress");
            }
        }
    }

    private void gatherFully(FileChannel ch, ByteBuffer[] buffers, long offset) throws IOException {
        positionLock.lock();
        try {
            ch.position(offset);
            int next = 0;
            int stalls = 0;
            while (next < buffers.length) {
                long n = ch.write(buffers, next, buffers.length - next);
                writeCalls.increment();
                if (n > 0) {
                    bytesWritten.add(n);
                    stalls = 0;
                } else if (++stalls > MAX_STALLS) {
                    throw new IOException("the gathering write made no progress");
                }
                while (next < buffers.length && !buffers[next].hasRemaining()) {
                    next++;
                }
            }
        } finally {
            positionLock.unlock();
        }
    }

    /** Reads into {@code dst} until it is full or the file ends; returns the bytes read. */
    private long readFully(FileChannel ch, MemorySegment dst, long offset) throws IOException {
        long total = 0;
        for (long done = 0; done < dst.byteSize(); done += MAX_TRANSFER) {
            ByteBuffer buffer = dst.asSlice(done, Math.min(MAX_TRANSFER, dst.byteSize() - done))
                    .asByteBuffer();
            int stalls = 0;
            while (buffer.hasRemaining()) {
                int n = ch.read(buffer, offset + done + buffer.position());
                readCalls.increment();
                if (n < 0) {
                    return total;
                }
                if (n > 0) {
                    bytesRead.add(n);
                    total += n;
                    stalls = 0;
                } else if (++stalls > MAX_STALLS) {
                    throw new IOException("the read made no progress");
                }
            }
        }
        return total;
    }

    private static ByteBuffer readExactly(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (ch.read(buffer, offset + buffer.position()) < 0) {
                throw new IOException("unexpected end of file at offset " + (offset + buffer.position()));
            }
        }
        return buffer.flip();
    }

    /** Frees the slots of a write that failed and gives back the space a partial write took. */
    private void releaseFailedRun(long first, int pages, RuntimeException failure) {
        try {
            freeRun(first, pages);
            trim();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private SpillException ioFailure(FileChannel ch, String op, long offset, long length, IOException e) {
        return ioFailure(ch, op + " (file offset " + offset + ", " + length + " bytes)", e, spaceLeft(e, length));
    }

    /**
     * For a full file system: how much room the write needed and how much the file system has,
     * and what to do; empty for other failures.
     */
    private String spaceLeft(IOException e, long needed) {
        String message = String.valueOf(e.getMessage());
        if (!message.contains("No space left") && !message.contains("Disk quota exceeded")) {
            return "";
        }
        String usable;
        try {
            usable = Files.getFileStore(path).getUsableSpace() + " bytes";
        } catch (IOException | RuntimeException unknown) {
            usable = "an unknown number of bytes";
        }
        return ": the file system is full: " + needed + " more bytes were needed and it has " + usable
                + " free; free space there, or spill to a larger file system (--spill-dir, withSpillDirectory)";
    }

    private SpillException ioFailure(FileChannel ch, String op, IOException e) {
        return ioFailure(ch, op, e, "");
    }

    private SpillException ioFailure(FileChannel ch, String op, IOException e, String detail) {
        ioErrors.increment();
        if (!ch.isOpen() || e instanceof ClosedChannelException) {
            reopen(ch);
        }
        return new SpillException(
                ErrorCode.SPILL_IO_ERROR, "spill file " + path + ": " + op + " failed: " + describe(e) + detail, e);
    }

    /** Replaces a channel that was closed under us (an interrupt, an asynchronous close). */
    private void reopen(FileChannel failed) {
        synchronized (channelLock) {
            if (closed || channel != failed) {
                return;
            }
            try {
                failed.close();
            } catch (IOException ignored) {
                // It is being replaced either way.
            }
            try {
                channel = factory.open(path);
            } catch (IOException ignored) {
                // Still closed: the next operation fails with SPILL_IO_ERROR and tries again.
            }
        }
    }

    private static SpillException corrupt(Path path, String message) {
        return new SpillException(ErrorCode.SPILL_CORRUPT, "spill file " + path + ": " + message, null);
    }

    private static boolean validPageSize(int pageSize) {
        return pageSize >= MIN_PAGE_SIZE && pageSize <= MAX_PAGE_SIZE && Integer.bitCount(pageSize) == 1;
    }

    private static int crc(MemorySegment page) {
        CRC32C crc = new CRC32C();
        crc.update(page.asByteBuffer());
        return (int) crc.getValue();
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    private static String hex(int value) {
        return String.format("0x%08x", value);
    }

    private static String printable(byte[] bytes) {
        StringBuilder s = new StringBuilder("\"");
        for (byte b : bytes) {
            s.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff));
        }
        return s.append('"').toString();
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + message;
    }

    private static void closeQuietly(FileChannel ch, Exception failure) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
