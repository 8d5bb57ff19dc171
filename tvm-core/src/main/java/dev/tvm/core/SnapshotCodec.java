package dev.tvm.core;

import dev.tvm.core.alloc.AllocatorState;
import dev.tvm.core.alloc.SlabAllocator;
import dev.tvm.core.spill.SpillFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Owns the format of directory snapshot files ({@link RegionDirectory#snapshot}, {@link
 * RegionDirectory.Builder#open}): nothing else in the project writes or reads their bytes. The
 * directory, its regions, their handle tables and allocators hand their state over as values
 * ({@link Contents}, {@link RegionRecord}, {@link HandleTable.State}, {@link AllocatorState}) and
 * take it back the same way; this class lays the values out, checks their shape when reading
 * (counts, ranges, enum codes, references) and leaves each owner to check that its values are
 * consistent with itself.
 *
 * <h2>File</h2>
 *
 * A snapshot is a {@link SpillFile} (its Javadoc draws the header, slots and footer) with 64 KiB
 * slots: the pages {@code [0, n)} of every live region, in region id order, one run of
 * consecutive slots each, then the metadata trailer drawn below.
 *
 * <pre>
 * +--------+--------------------+--------------------+-----+--------------------+----------+--------+
 * | header | region A pages     | region B pages     | ... | region Z pages     | metadata | footer |
 * |        | slots a .. a+nA-1  | slots b .. b+nB-1  |     |                    | trailer  |        |
 * +--------+--------------------+--------------------+-----+--------------------+----------+--------+
 *            n = ceil(high-water mark / 64 KiB); a region with n = 0 has no run (first slot -1)
 * </pre>
 *
 * <h2>Metadata trailer</h2>
 *
 * Big-endian, in {@link java.io.DataOutput} encodings ({@code utf} is {@code writeUTF}: a u16
 * length, then modified UTF-8; {@code bool} is one byte, 0 or 1). Version 1, unchanged since the
 * first snapshot; {@code SnapshotFormatCompatibilityTest} opens a file written before this class
 * existed and checks that writing it again gives the same bytes.
 *
 * <pre>
 * directory
 * +-----------+-----------+--------------+-------+----------------------------+-------+------------+
 * | magic     | version   | next fresh   | u     | u x (region id, gen)       | r     | r x region |
 * | "TVMD"    | i32 = 1   | id, i32      | i32   | i32 1..65535, i32 0..4095  | i32   | record     |
 * +-----------+-----------+--------------+-------+----------------------------+-------+------------+
 *   every id whose generation is above 0 (live, free or retired), so stale references stay stale
 *
 * region record
 *    i32   region reference (id, generation): id below next fresh id, generation its id's
 *    utf   name
 *    i32   kind              RegionKind.code()
 *    i64   capacity          bytes
 *    i32   allocator         AllocatorKind.code()
 *    i32   initial tier      Tier.code()
 *    bool  pinnable
 *    bool  spillable
 *    i32   page size         the PAGE allocator's page, bytes
 *    bool  read-only
 *    i64   high-water mark   bytes ever touched, 0..capacity
 *    i64   first slot        of its run in this file, -1 if n = 0
 *    i32   n                 pages in the run = ceil(high-water mark / 64 KiB)
 *    n x u32                 CRC32C of each page, in page order
 *    handle table            below
 *    allocator state         below, by the allocator field
 *
 * handle table
 *    i32   m                 slots ever created, 0..2^24
 *    m x ( i64 offset, i64 size, i32 state = slot generation &lt;&lt; 1 | LIVE )
 *    i32   f                 free slots, 0..m
 *    f x   i32 slot          a stack: the last one is reissued first
 *
 * allocator state
 *    BUMP       i64 top, i64 used
 *    FREE_LIST  i64 used, i32 b, b x ( i64 offset, i64 size )        free blocks, ascending
 *    SLAB       i64 top, i64 used, 13 x ( i64 cursor, i64 limit, free list )
 *               size classes 16 B .. 64 KiB
 *    PAGE       i64 top, i64 used, free list
 *    free list  i32 k, k x i64 offset                                 oldest first
 * </pre>
 *
 * <h2>Failures</h2>
 *
 * Writing is atomic (see {@link #write}). Reading turns every malformed input into a {@link
 * TvmException} with {@link ErrorCode#SPILL_CORRUPT} naming the file and the value, never an
 * index or allocation error: counts are bounded by the bytes left before anything is allocated,
 * codes and references are range-checked, and owners' consistency checks ({@code
 * IllegalArgumentException}) are translated the same way.
 */
final class SnapshotCodec {
    /** The first four metadata bytes: "TVMD". */
    static final int MAGIC = 0x54564d44;
    /** The metadata format this class writes and reads. */
    static final int VERSION = 1;

    private SnapshotCodec() {}

    /**
     * Everything a snapshot holds besides page bytes.
     *
     * @param nextFreshId the lowest region id never used, 1..65536
     * @param generations by region id (length {@code MAX_REGION_ID + 1}), the last generation
     *     issued; 0 for an id never used
     * @param regions the live regions, in id order
     */
    record Contents(int nextFreshId, int[] generations, List<RegionRecord> regions) {}

    /**
     * One region's record.
     *
     * @param ref its reference
     * @param spec its spec
     * @param touched its high-water mark in bytes
     * @param pages where its pages are in the file, and their checksums
     * @param table its handle table
     * @param allocator its allocator's state
     */
    record RegionRecord(
            int ref, RegionSpec spec, long touched, PageRun pages, HandleTable.State table, AllocatorState allocator) {}

    /**
     * A run of pages in the file.
     *
     * @param firstSlot the slot of page 0, -1 for an empty run
     * @param crcs the CRC32C of every page, in page order
     */
    record PageRun(long firstSlot, int[] crcs) {
        /** Pages in the run. */
        int count() {
            return crcs.length;
        }
    }

    /** Copies one page of a region into a snapshot's staging buffer. */
    @FunctionalInterface
    interface PageSource {
        /** Fills {@code dst} (one page) with page {@code page}'s bytes. */
        void copyPage(int page, MemorySegment dst) throws IOException;
    }

    /** Collects a directory's contents while {@link #write} has the file open. */
    @FunctionalInterface
    interface Collector {
        /** Writes the regions' pages with {@code pages} and returns the directory's contents. */
        Contents collect(PageWriter pages) throws IOException;
    }

    /** Applies what {@link #read} decoded. */
    @FunctionalInterface
    interface Restorer {
        /** Rebuilds the directory from {@code contents}; region pages are read or mapped from {@code file}. */
        void restore(Contents contents, SpillFile file);
    }

    /** Writes regions' pages into the snapshot being written, one run per region. */
    static final class PageWriter {
        private final SpillFile file;
        private final MemorySegment staging;

        private PageWriter(SpillFile file, MemorySegment staging) {
            this.file = file;
            this.staging = staging;
        }

        /** Writes pages {@code [0, count)} from {@code source} as one new run, a batch at a time. */
        PageRun write(int count, PageSource source) throws IOException {
            long first = count > 0 ? file.allocateRun(count) : -1;
            int[] crcs = new int[count];
            int batch = (int) (staging.byteSize() >>> PageMap.PAGE_SHIFT);
            for (int p = 0; p < count; p += batch) {
                int k = Math.min(batch, count - p);
                for (int i = 0; i < k; i++) {
                    source.copyPage(p + i, staging.asSlice((long) i << PageMap.PAGE_SHIFT, PageMap.PAGE_SIZE));
                }
                int[] written = file.writeRun(first + p, staging.asSlice(0, (long) k << PageMap.PAGE_SHIFT));
                System.arraycopy(written, 0, crcs, p, k);
            }
            return new PageRun(first, crcs);
        }
    }

    // ---------------------------------------------------------------- whole files

    /**
     * Writes a snapshot to {@code file}: {@code collector} writes the pages and returns the
     * contents, which are then encoded into the metadata trailer.
     *
     * <p>Crash-safe: the snapshot is written to a temporary file beside {@code file}, forced to
     * disk, then renamed over {@code file} atomically and the directory entry forced. A crash at
     * any point leaves {@code file} as it was (the previous snapshot, or nothing) and at most a
     * temporary {@code .FILE.*.tmp} beside it, which is never taken for a snapshot and which the
     * next snapshot to the same file removes.
     *
     * @throws TvmException {@link ErrorCode#SPILL_IO_ERROR} (or the code of a failure while
     *     collecting), saying that {@code file} is unchanged
     */
    static void write(Path file, Collector collector) {
        Path temp = temporaryBeside(file);
        boolean written = false;
        try (SpillFile out = SpillFile.create(temp, PageMap.PAGE_SIZE);
                Arena scratch = Arena.ofConfined()) {
            MemorySegment staging = scratch.allocate((long) PageMap.STAGING_PAGES * PageMap.PAGE_SIZE, 4096);
            Contents contents = collector.collect(new PageWriter(out, staging));
            out.writeMetadata(encode(contents)); // forces the file
            written = true;
        } catch (IOException e) {
            throw TvmException.of(
                    ErrorCode.SPILL_IO_ERROR,
                    "cannot write snapshot " + file + ": " + e + "; " + file + " is unchanged",
                    e);
        } catch (TvmException e) {
            throw TvmException.of(
                    e.code(),
                    "cannot write snapshot " + file + ": " + e.getMessage() + "; " + file + " is unchanged",
                    e);
        } finally {
            if (!written) {
                deleteQuietly(temp);
            }
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            deleteQuietly(temp);
            throw TvmException.of(
                    ErrorCode.SPILL_IO_ERROR,
                    "cannot put snapshot " + file + " in place: " + e + "; " + file + " is unchanged",
                    e);
        }
    }

    /**
     * Opens the snapshot {@code file}, decodes its metadata and hands it to {@code restorer}.
     *
     * @throws TvmException {@link ErrorCode#SPILL_CORRUPT} for a file that is not a snapshot, a
     *     damaged or truncated one, or values its owners refuse; {@link ErrorCode#SPILL_IO_ERROR}
     *     if it cannot be read; any other code the restorer throws (e.g. {@link
     *     ErrorCode#NO_MEMORY})
     */
    static void read(Path file, Restorer restorer) {
        try (SpillFile in = SpillFile.open(file)) {
            restorer.restore(decode(in.metadata(), file), in);
        } catch (IOException e) {
            throw TvmException.of(ErrorCode.SPILL_CORRUPT, "cannot read snapshot " + file + ": " + e.getMessage(), e);
        } catch (TvmException e) {
            if (e.code() != ErrorCode.INVALID_ARGUMENT) {
                throw e;
            }
            throw corrupt(file, e); // e.g. a spec value RegionSpec refuses, or a run the file lacks
        } catch (IllegalArgumentException e) {
            // an owner refused its state (HandleTable.restore, Allocator.restore): the message names it
            throw TvmException.of(ErrorCode.SPILL_CORRUPT, "cannot read snapshot " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // Metadata that passed its CRC but does not decode (a buggy or hostile writer).
            throw corrupt(file, e);
        }
    }

    private static TvmException corrupt(Path file, RuntimeException cause) {
        return new TvmException.SpillException(
                ErrorCode.SPILL_CORRUPT, "cannot read snapshot " + file + ": damaged metadata: " + cause, cause);
    }

    /**
     * Reads a run once, checking every page's CRC, without keeping the bytes: for runs that are
     * then mapped rather than read.
     */
    static void verify(SpillFile file, PageRun run, IntFunction<String> what) {
        int batch = PageMap.STAGING_PAGES;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment buffer = scratch.allocate((long) batch << PageMap.PAGE_SHIFT, 4096);
            for (int p = 0; p < run.count(); p += batch) {
                int k = Math.min(batch, run.count() - p);
                int base = p;
                file.readRun(
                        run.firstSlot() + p,
                        buffer.asSlice(0, (long) k << PageMap.PAGE_SHIFT),
                        run.crcs(),
                        p,
                        i -> what.apply(base + i));
            }
        }
    }

    /**
     * A fresh temporary file beside {@code file} (same file system, so the rename is atomic);
     * removes temporaries that an earlier, interrupted snapshot to the same file left behind.
     */
    private static Path temporaryBeside(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        String prefix = "." + file.getFileName() + ".";
        try (var stale = Files.newDirectoryStream(parent, prefix + "*.tmp")) {
            for (Path p : stale) {
                deleteQuietly(p);
            }
            return Files.createTempFile(parent, prefix, ".tmp");
        } catch (IOException e) {
            throw TvmException.of(
                    ErrorCode.SPILL_IO_ERROR,
                    "cannot write snapshot " + file + ": cannot create a file in " + parent + ": " + e,
                    e);
        }
    }

    /** Makes a rename in {@code directory} durable (Linux and macOS allow fsync on a directory). */
    private static void forceDirectory(Path directory) throws IOException {
        try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").startsWith("Windows")) {
                throw e;
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temporary is removed by the next snapshot to the same file
        }
    }

    // ---------------------------------------------------------------- metadata

    /** The metadata trailer for {@code contents}. */
    static byte[] encode(Contents contents) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(contents.nextFreshId());
            int[] generations = contents.generations();
            int used = 0;
            for (int id = 1; id <= HandleCodec.MAX_REGION_ID; id++) {
                used += generations[id] > 0 ? 1 : 0;
            }
            out.writeInt(used);
            for (int id = 1; id <= HandleCodec.MAX_REGION_ID; id++) {
                if (generations[id] > 0) {
                    out.writeInt(id);
                    out.writeInt(generations[id]);
                }
            }
            out.writeInt(contents.regions().size());
            for (RegionRecord region : contents.regions()) {
                writeRegion(out, region);
            }
        } catch (IOException e) {
            throw new AssertionError("a ByteArrayOutputStream does not fail", e);
        }
        return bytes.toByteArray();
    }

    private static void writeRegion(DataOutputStream out, RegionRecord r) throws IOException {
        RegionSpec spec = r.spec();
        out.writeInt(r.ref());
        out.writeUTF(spec.name());
        out.writeInt(spec.kind().code());
        out.writeLong(spec.capacity());
        out.writeInt(spec.allocator().code());
        out.writeInt(spec.policy().initialTier().code());
        out.writeBoolean(spec.policy().pinnable());
        out.writeBoolean(spec.policy().spillable());
        out.writeInt(spec.pageSize());
        out.writeBoolean(spec.readOnly());
        out.writeLong(r.touched());
        out.writeLong(r.pages().firstSlot());
        out.writeInt(r.pages().count());
        for (int crc : r.pages().crcs()) {
            out.writeInt(crc);
        }
        HandleTable.State table = r.table();
        out.writeInt(table.offsets().length);
        for (int slot = 0; slot < table.offsets().length; slot++) {
            out.writeLong(table.offsets()[slot]);
            out.writeLong(table.sizes()[slot]);
            out.writeInt(table.states()[slot]);
        }
        out.writeInt(table.freeSlots().length);
        for (int slot : table.freeSlots()) {
            out.writeInt(slot);
        }
        switch (r.allocator()) {
            case AllocatorState.Bump bump -> {
                out.writeLong(bump.top());
                out.writeLong(bump.used());
            }
            case AllocatorState.FreeList list -> {
                out.writeLong(list.used());
                out.writeInt(list.blockOffsets().length);
                for (int i = 0; i < list.blockOffsets().length; i++) {
                    out.writeLong(list.blockOffsets()[i]);
                    out.writeLong(list.blockSizes()[i]);
                }
            }
            case AllocatorState.Slab slab -> {
                out.writeLong(slab.top());
                out.writeLong(slab.used());
                for (int i = 0; i < SlabAllocator.CLASSES; i++) {
                    out.writeLong(slab.cursors()[i]);
                    out.writeLong(slab.limits()[i]);
                    writeLongs(out, slab.freeLists()[i]);
                }
            }
            case AllocatorState.Page page -> {
                out.writeLong(page.top());
                out.writeLong(page.used());
                writeLongs(out, page.freePages());
            }
        }
    }

    private static void writeLongs(DataOutputStream out, long[] values) throws IOException {
        out.writeInt(values.length);
        for (long v : values) {
            out.writeLong(v);
        }
    }

    /**
     * Decodes a metadata trailer, checking its shape: counts fit in the bytes left, codes name
     * constants, ids, generations and references are in range and agree, page counts match the
     * high-water marks. Owners check the rest when they take their values back.
     *
     * @throws TvmException {@link ErrorCode#SPILL_CORRUPT} if {@code file} is not a directory
     *     snapshot of this version
     * @throws IOException "damaged metadata: …" naming the value, for anything malformed
     */
    static Contents decode(byte[] metadata, Path file) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(metadata));
        try {
            if (metadata.length < 8 || in.readInt() != MAGIC) {
                throw TvmException.of(
                        ErrorCode.SPILL_CORRUPT, file + " is not a TVM directory snapshot (version " + VERSION + ")");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw TvmException.of(
                        ErrorCode.SPILL_CORRUPT,
                        file + " is a TVM directory snapshot of format version " + version
                                + "; this build reads version " + VERSION
                                + " only: open it with the build that wrote it");
            }
            int nextFreshId = in.readInt();
            if (nextFreshId < 1 || nextFreshId > HandleCodec.MAX_REGION_ID + 1) {
                throw damaged("next region id " + nextFreshId);
            }
            int[] generations = new int[HandleCodec.MAX_REGION_ID + 1];
            int used = count(in, 8, "region ids");
            for (int i = 0; i < used; i++) {
                int id = in.readInt();
                int gen = in.readInt();
                if (id < 1 || id > HandleCodec.MAX_REGION_ID || gen < 0 || gen > HandleCodec.MAX_REGION_GEN) {
                    throw damaged("region id " + id + " generation " + gen);
                }
                generations[id] = gen;
            }
            int count = count(in, 4, "regions");
            List<RegionRecord> regions = new ArrayList<>(count);
            BitSet ids = new BitSet();
            for (int i = 0; i < count; i++) {
                int ref = in.readInt();
                if (!HandleCodec.isWellFormedRegionRef(ref)
                        || ids.get(HandleCodec.regionId(ref))
                        || HandleCodec.regionId(ref) >= nextFreshId
                        || generations[HandleCodec.regionId(ref)] != HandleCodec.regionGen(ref)) {
                    throw damaged("region reference " + ref);
                }
                ids.set(HandleCodec.regionId(ref));
                regions.add(readRegion(in, ref));
            }
            return new Contents(nextFreshId, generations, regions);
        } catch (EOFException e) {
            throw new IOException("damaged metadata: it ends inside a record", e);
        } catch (UTFDataFormatException e) {
            throw new IOException("damaged metadata: a region name is not modified UTF-8: " + e.getMessage(), e);
        }
    }

    private static RegionRecord readRegion(DataInputStream in, int ref) throws IOException {
        String name = in.readUTF();
        RegionKind kind = known(in.readInt(), RegionKind::fromCode, "region kind");
        long capacity = in.readLong();
        AllocatorKind allocatorKind = known(in.readInt(), AllocatorKind::fromCode, "allocator");
        Tier initial = known(in.readInt(), Tier::fromCode, "tier");
        boolean pinnable = in.readBoolean();
        boolean spillable = in.readBoolean();
        int pageSize = in.readInt();
        boolean readOnly = in.readBoolean();
        RegionSpec spec = RegionSpec.of(kind) // refuses a capacity or page size out of range
                .withReadOnly(readOnly)
                .withName(name)
                .withCapacity(capacity)
                .withAllocator(allocatorKind)
                .withPolicy(new PlacementPolicy(initial, pinnable, spillable))
                .withPageSize(pageSize);
        long touched = in.readLong();
        long first = in.readLong();
        int n = count(in, 4, "pages");
        if (touched < 0
                || touched > spec.capacity()
                || n != PageMap.pagesFor(touched)
                || ((long) n << PageMap.PAGE_SHIFT) > spec.capacity()) {
            throw damaged(n + " pages for " + touched + " bytes touched of " + spec);
        }
        int[] crcs = new int[n];
        for (int i = 0; i < n; i++) {
            crcs[i] = in.readInt();
        }
        int slots = count(in, 20, "handle table slots");
        long[] offsets = new long[slots];
        long[] sizes = new long[slots];
        int[] states = new int[slots];
        for (int slot = 0; slot < slots; slot++) {
            offsets[slot] = in.readLong();
            sizes[slot] = in.readLong();
            states[slot] = in.readInt();
        }
        int[] free = new int[count(in, 4, "free handle slots")];
        for (int i = 0; i < free.length; i++) {
            free[i] = in.readInt();
        }
        HandleTable.State table = new HandleTable.State(offsets, sizes, states, free);
        AllocatorState allocator =
                switch (allocatorKind) {
                    case BUMP -> new AllocatorState.Bump(in.readLong(), in.readLong());
                    case FREE_LIST -> {
                        long used = in.readLong();
                        int blocks = count(in, 16, "free blocks");
                        long[] blockOffsets = new long[blocks];
                        long[] blockSizes = new long[blocks];
                        for (int i = 0; i < blocks; i++) {
                            blockOffsets[i] = in.readLong();
                            blockSizes[i] = in.readLong();
                        }
                        yield new AllocatorState.FreeList(used, blockOffsets, blockSizes);
                    }
                    case SLAB -> {
                        long top = in.readLong();
                        long used = in.readLong();
                        long[] cursors = new long[SlabAllocator.CLASSES];
                        long[] limits = new long[SlabAllocator.CLASSES];
                        long[][] lists = new long[SlabAllocator.CLASSES][];
                        for (int i = 0; i < SlabAllocator.CLASSES; i++) {
                            cursors[i] = in.readLong();
                            limits[i] = in.readLong();
                            lists[i] = readLongs(in);
                        }
                        yield new AllocatorState.Slab(top, used, cursors, limits, lists);
                    }
                    case PAGE -> new AllocatorState.Page(in.readLong(), in.readLong(), readLongs(in));
                };
        return new RegionRecord(ref, spec, touched, new PageRun(first, crcs), table, allocator);
    }

    private static long[] readLongs(DataInputStream in) throws IOException {
        long[] values = new long[count(in, 8, "free offsets")];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readLong();
        }
        return values;
    }

    /** A count of entries of {@code bytesEach} bytes that the bytes left can hold. */
    private static int count(DataInputStream in, int bytesEach, String what) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available() / bytesEach) {
            throw damaged(n + " " + what + " with " + in.available() + " bytes left");
        }
        return n;
    }

    /** The constant with {@code code}; an unknown code is damage. */
    private static <T> T known(int code, IntFunction<T> fromCode, String what) throws IOException {
        T value = fromCode.apply(code);
        if (value == null) {
            throw damaged(what + " " + code);
        }
        return value;
    }

    private static IOException damaged(String what) {
        return new IOException("damaged metadata: " + what);
    }
}
