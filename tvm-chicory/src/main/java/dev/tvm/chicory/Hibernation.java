package dev.tvm.chicory;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemorySection;
import dev.tvm.chicory.HibernationException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;

/**
 * Hibernates a Chicory instance between calls to a file and resumes it later, in this JVM or in
 * another process, with the same state.
 *
 * <pre>{@code
 * Hibernation.writer(instance, moduleBytes).withWasi(wasiOptions).writeTo(file);
 * ...
 * Hibernation.Snapshot snapshot = Hibernation.open(file);
 * Instance resumed = snapshot.resume(moduleBytes, wasiOptions, Instance.builder(module)
 *         .withImportValues(imports).withMemoryFactory(memories).withMachineFactory(machines));
 * }</pre>
 *
 * <h2>What a snapshot holds</h2>
 *
 * <ul>
 *   <li>Every memory the instance reaches, imported or defined, in index order: its size in pages
 *       and every 64 KiB page that is not all zeros (zero pages are not written; they read back as
 *       zeros). Memories are read and written only through Chicory's {@link Memory} interface
 *       ({@code pages}, {@code readBytes}, {@code grow}, {@code write}, {@code fill}), so any
 *       implementation works.
 *   <li>Every global, imported or defined: type, mutability and value. Resume sets the mutable
 *       ones and checks that the immutable ones (constants, and imported values) are the same.
 *   <li>Every table: element type and each entry as a function index of this instance or null.
 *       Non-null host ({@code externref}) or GC references, and functions of other instances,
 *       are refused ({@link Reason#REFUSED}).
 *   <li>Which data segments ({@code data.drop}) and element segments ({@code elem.drop}) are
 *       dropped.
 *   <li>The SHA-256 of the module's bytes; an optional module location (a string for tools to find
 *       the module again, such as a path; not interpreted here).
 *   <li>The WASI context, when the module imports WASI: only a context of stdio, arguments and
 *       environment can be hibernated (preopened directories are refused, naming them); the
 *       arguments and environment are recorded, and resume requires the same. The state of the
 *       streams themselves (how far stdin was read, what was written) is the host's and is not
 *       saved, nor is any file descriptor the guest renumbered or closed.
 * </ul>
 *
 * <p>Not saved: state the host keeps behind imported functions (for instance TVM region handles);
 * the call stack (an instance must not be inside a call when hibernated: the caller ensures it).
 * Imported memories, globals and tables are written back into whatever the caller supplies for
 * them at resume.
 *
 * <h2>Resume</h2>
 *
 * The caller supplies the {@link Instance.Builder}, so its memory factory, import values and
 * machine factory (interpreter or compiler) are kept. Resume builds with {@code withStart(false)}:
 * the {@code _start} export does not run. The module's start section, if it has one, does run
 * (Chicory runs it on every instantiation); its effects on the instance are then overwritten by
 * the snapshot, its effects through imports are not. Then every memory grows to its saved size
 * and gets the saved pages, with the pages the instantiation initialized and the snapshot does not
 * hold zeroed; then globals, tables and drops are put back.
 *
 * <h2>File</h2>
 *
 * Big-endian. The page bytes are laid out for mapping: every stored page starts at a multiple of
 * 4096 bytes and a memory's pages follow one another, so a run of them can be mapped copy-on-write
 * straight from the file ({@link GuestImage}). Everything else is in sections, each ending with
 * the CRC32C of all its bytes. The index (where each memory's pages are, with a CRC32C per page,
 * and the instance's other state) follows the pages, because pages are written as they are read;
 * the end section, the last 16 bytes of the file, says where the index starts. Strings ({@code
 * str}) are a u32 byte count, then UTF-8.
 *
 * <pre>
 *  offset 0   +----------------------------------------------+
 *             | "TVMH" | u32 version = 2 | HEAD section        |
 *             | zero bytes up to a multiple of 4096          |
 *  dataStart  +----------------------------------------------+
 *             | memory 0's stored pages, 65536 bytes each    |  in the order its MEMO lists them
 *             | memory 1's stored pages ...                  |
 *  indexAt    +----------------------------------------------+
 *             | MEMO (memory 0) | ... | MEMO (memory m-1)    |
 *             | GLOB | TABL | DROP                           |
 *             | END. (16 bytes: kind, u64 indexAt, CRC)      |  the end of the file
 *             +----------------------------------------------+
 *
 * section        kind u32 (four ASCII letters) | payload | u32 CRC32C of kind and payload
 *                (the first section's CRC also covers magic and version)
 *
 * HEAD payload   32 bytes   SHA-256 of the module bytes
 *                str        module location, "" if none
 *                u8         1 if a WASI context is recorded, else 0; if 1:
 *                  u32 a, a x str              arguments
 *                  u32 e, e x (str, str)       environment: name, value
 *                u32 m      memories (imported ones first, as the instance numbers them)
 *
 * MEMO payload   u32        memory index, 0 .. m-1, in order
 *                u8         1 if imported, else 0
 *                u32        size in 64 KiB pages, 0 .. 65536
 *                u64        file offset of its first stored page: dataStart for memory 0, for the
 *                           others right after the previous memory's pages
 *                u32 n, n x ( u32 page, u32 CRC32C of its 65536 bytes )
 *                           the pages not all zero, ascending, page &lt; size, stored in this order
 *
 * GLOB payload   u32 g, g x ( u64 Chicory ValType id, u8 mutable, u8 imported,
 *                             u64 value low bits, u64 value high bits (v128 only, else 0) )
 * TABL payload   u32 t, t x ( u64 element ValType id, u8 imported, u32 size,
 *                             size x i32 function index, -1 for null )
 * DROP payload   u32 data segments, u32 d, d x u32 dropped data segment index (ascending),
 *                u32 element segments, u32 e, e x u32 dropped element segment index (ascending)
 * END. payload   u64 indexAt: the file offset of the first MEMO section
 * </pre>
 *
 * Opening a snapshot reads the header, the end section and the index, checking their CRCs;
 * every page's CRC is checked before its bytes are used (when resume reads it, or when a {@link
 * GuestImage} opens the file, before anything is mapped). A file that does not end with its end
 * section is reported as truncated.
 *
 * <h2>Failures</h2>
 *
 * Every failure is a {@link HibernationException} whose {@link HibernationException#reason()
 * reason} tells them apart: another module's snapshot, a truncated or a corrupt file, an unknown
 * version, state that cannot be saved, a resume configuration that does not fit, an I/O error.
 * Writing goes to a temporary file in the target's directory, is forced to the device, and only
 * then renamed over the target: a full disk or any failure leaves an older file at the path as it
 * was, and the instance untouched and usable (writing only reads it).
 */
public final class Hibernation {
    /** The first four bytes of every snapshot: "TVMH". */
    static final int MAGIC = 0x54564d48;
    /** The format this class writes and reads. */
    static final int VERSION = 2;

    static final int HEAD = kind("HEAD");
    static final int MEMORY = kind("MEMO");
    static final int GLOBALS = kind("GLOB");
    static final int TABLES = kind("TABL");
    static final int DROPS = kind("DROP");
    static final int END = kind("END.");

    /** Stored pages start at multiples of this many bytes: the OS page, so they can be mapped. */
    static final int DATA_ALIGNMENT = 4096;

    /** The end section's size: kind, indexAt, CRC. */
    static final int END_BYTES = 16;

    static final int PAGE = Memory.PAGE_SIZE;
    /** Pages read from or written to a memory at a time. */
    private static final int CHUNK_PAGES = 16;

    private static final byte[] ZERO_PAGE = new byte[PAGE];

    private Hibernation() {}

    private static int kind(String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }

    /** A section kind as its four letters, for messages; other values in hex. */
    static String kindName(int kind) {
        byte[] b = {(byte) (kind >>> 24), (byte) (kind >>> 16), (byte) (kind >>> 8), (byte) kind};
        for (byte c : b) {
            if (c < 0x20 || c > 0x7e) {
                return "0x" + Integer.toHexString(kind);
            }
        }
        return "\"" + new String(b, StandardCharsets.US_ASCII) + "\"";
    }

    /**
     * A writer of a snapshot of {@code instance}, which must not be inside a call (nor enter one
     * until the write returns).
     *
     * @param moduleBytes the bytes of the module {@code instance} was instantiated from, or null
     *     to use the SHA-256 Chicory's parser recorded for it ({@link WasmModule#digest()}; present
     *     unless its {@code DIGEST_ALGORITHM} property turned it off)
     */
    public static Writer writer(Instance instance, byte[] moduleBytes) {
        return new Writer(instance, moduleBytes);
    }

    /** {@code writer(instance, moduleBytes).writeTo(file)}: for instances without WASI. */
    public static void write(Instance instance, byte[] moduleBytes, Path file) {
        writer(instance, moduleBytes).writeTo(file);
    }

    /**
     * Reads and checks the header and index of the snapshot in {@code file} (each page is checked
     * when it is read).
     *
     * @throws HibernationException if it is no snapshot, of an unknown version, damaged or
     *     unreadable
     */
    public static Snapshot open(Path file) {
        Objects.requireNonNull(file, "file");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Snapshot(file, readLayout(file, channel));
        } catch (IOException e) {
            throw ioError(file, "read", e, "check that the file exists and is readable");
        }
    }

    /** {@code open(file).resume(moduleBytes, builder)}: for snapshots without a WASI context. */
    public static Instance resume(Path file, byte[] moduleBytes, Instance.Builder builder) {
        return open(file).resume(moduleBytes, builder);
    }

    /** The hex SHA-256 of {@code moduleBytes}, as a snapshot records it. */
    public static String moduleSha256(byte[] moduleBytes) {
        return HexFormat.of().formatHex(sha256(moduleBytes));
    }

    // ---------------------------------------------------------------- writing

    /** Writes one snapshot; configure, then {@link #writeTo}. */
    public static final class Writer {
        private final Instance instance;
        private final byte[] moduleBytes;
        private WasiOptions wasi;
        private String moduleLocation = "";
        private UnaryOperator<HibernationOutput.Sink> sinkWrapper = UnaryOperator.identity();

        private Writer(Instance instance, byte[] moduleBytes) {
            this.instance = Objects.requireNonNull(instance, "instance");
            this.moduleBytes = moduleBytes;
        }

        /**
         * The WASI options the instance's {@code WasiPreview1} was built with; required when the
         * module imports WASI. Refused when they preopen directories.
         */
        public Writer withWasi(WasiOptions options) {
            this.wasi = Objects.requireNonNull(options, "options");
            return this;
        }

        /** A string recorded for tools to find the module again (such as its path); not checked. */
        public Writer withModuleLocation(String location) {
            this.moduleLocation = Objects.requireNonNull(location, "location");
            return this;
        }

        /** Test seam: wraps the channel the file is written through (to make it fail). */
        Writer withSinkWrapper(UnaryOperator<HibernationOutput.Sink> wrapper) {
            this.sinkWrapper = wrapper;
            return this;
        }

        /**
         * Writes the snapshot to {@code file} atomically: to a temporary file beside it, forced to
         * the device, then renamed over it. The file is readable and writable by its owner only
         * where the file system has POSIX permissions: it holds the guest's memory.
         *
         * @throws HibernationException {@link Reason#REFUSED} for state a snapshot cannot hold,
         *     {@link Reason#MISMATCH} when the module bytes are not the instance's module, {@link
         *     Reason#IO_ERROR} when writing fails; in every case the instance is untouched and any
         *     older file at {@code file} unchanged
         */
        public void writeTo(Path file) {
            Objects.requireNonNull(file, "file");
            byte[] parsed = parsedSha256(instance.module());
            byte[] hash = moduleBytes == null ? parsed : sha256(moduleBytes);
            if (hash == null) {
                throw new HibernationException(
                        Reason.MISMATCH,
                        file + ": cannot hibernate the instance: its module was parsed without a SHA-256 digest"
                                + " (Chicory's DIGEST_ALGORITHM property); pass the module bytes");
            }
            if (parsed != null && !Arrays.equals(parsed, hash)) {
                throw new HibernationException(
                        Reason.MISMATCH,
                        file + ": cannot hibernate the instance: the module bytes given are not those of its"
                                + " module; pass the bytes the instance's module was parsed from");
            }
            Header header = new Header(hash, moduleLocation, wasiContext(), memoriesOf(instance));
            InstanceImage image = InstanceImage.capture(instance);

            Path target = file.toAbsolutePath();
            Path dir = target.getParent();
            Path temp = null;
            boolean done = false;
            try {
                temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    HibernationOutput out =
                            new HibernationOutput(sinkWrapper.apply(HibernationOutput.Sink.of(channel)));
                    writeHeader(out, header);
                    out.padTo(DATA_ALIGNMENT);
                    MemoryRecord[] records = new MemoryRecord[header.memories()];
                    for (int i = 0; i < records.length; i++) {
                        records[i] = writePages(out, instance, i);
                    }
                    long indexAt = out.position();
                    for (MemoryRecord record : records) {
                        writeRecord(out, record);
                    }
                    image.write(out);
                    out.beginSection(END);
                    out.putLong(indexAt);
                    out.endSection();
                    out.finish();
                }
                move(temp, target);
                done = true;
                forceDirectory(dir);
            } catch (IOException e) {
                throw ioError(
                        file,
                        "write",
                        e,
                        "the instance is untouched and usable, and any earlier snapshot at that path is unchanged;"
                                + " free disk space or choose another directory");
            } finally {
                if (!done && temp != null) {
                    try {
                        Files.deleteIfExists(temp);
                    } catch (IOException ignored) {
                        // the failure being reported matters more than the temporary file
                    }
                }
            }
        }

        private WasiContext wasiContext() {
            Optional<String> wasiImport = instance.module().importSection().stream()
                    .map(i -> i.module())
                    .filter(m -> m.startsWith("wasi"))
                    .findFirst();
            if (wasi == null) {
                if (wasiImport.isPresent()) {
                    throw new HibernationException(
                            Reason.REFUSED,
                            "cannot hibernate the instance: its module imports WASI (" + wasiImport.get()
                                    + ") but no WASI options were given; pass the options its WasiPreview1 was built"
                                    + " with (Writer.withWasi) so the snapshot can check and record its context");
                }
                return null;
            }
            if (!wasi.directories().isEmpty()) {
                throw new HibernationException(
                        Reason.REFUSED,
                        "cannot hibernate the instance: its WASI context has preopened directories "
                                + wasi.directories()
                                + " (guest path=host path), whose open files a snapshot cannot carry; only stdio,"
                                + " arguments and environment can be hibernated: run it without directories");
            }
            return new WasiContext(wasi.arguments(), wasi.environment());
        }
    }

    private static void writeHeader(HibernationOutput out, Header header) throws IOException {
        out.putInt(MAGIC);
        out.putInt(VERSION);
        out.beginSection(HEAD);
        out.putBytes(header.moduleHash(), 0, header.moduleHash().length);
        out.putString(header.moduleLocation());
        WasiContext wasi = header.wasi();
        out.putByte(wasi == null ? 0 : 1);
        if (wasi != null) {
            out.putInt(wasi.arguments().size());
            for (String a : wasi.arguments()) {
                out.putString(a);
            }
            out.putInt(wasi.environment().size());
            for (Map.Entry<String, String> e : wasi.environment().entrySet()) {
                out.putString(e.getKey());
                out.putString(e.getValue());
            }
        }
        out.putInt(header.memories());
        out.endSection();
    }

    /**
     * Writes memory {@code index}'s pages that are not all zeros, one after another from the
     * current (aligned) position; returns where they went, for its MEMO section.
     */
    private static MemoryRecord writePages(HibernationOutput out, Instance instance, int index) throws IOException {
        Memory memory = instance.memory(index);
        int pages = memory.pages();
        long dataOffset = out.position();
        int[] stored = new int[16];
        int[] crcs = new int[16];
        int n = 0;
        CRC32C crc = new CRC32C();
        for (int first = 0; first < pages; first += CHUNK_PAGES) {
            int count = Math.min(CHUNK_PAGES, pages - first);
            byte[] chunk = memory.readBytes(first * PAGE, count * PAGE);
            for (int p = 0; p < count; p++) {
                int from = p * PAGE;
                if (Arrays.mismatch(chunk, from, from + PAGE, ZERO_PAGE, 0, PAGE) >= 0) {
                    if (n == stored.length) {
                        stored = Arrays.copyOf(stored, n * 2);
                        crcs = Arrays.copyOf(crcs, n * 2);
                    }
                    crc.reset();
                    crc.update(chunk, from, PAGE);
                    stored[n] = first + p;
                    crcs[n] = (int) crc.getValue();
                    n++;
                    out.putRaw(chunk, from, PAGE);
                }
            }
        }
        boolean imported = index < instance.imports().memoryCount();
        return new MemoryRecord(index, imported, pages, dataOffset, Arrays.copyOf(stored, n), Arrays.copyOf(crcs, n));
    }

    private static void writeRecord(HibernationOutput out, MemoryRecord record) throws IOException {
        out.beginSection(MEMORY);
        out.putInt(record.index());
        out.putByte(record.imported() ? 1 : 0);
        out.putInt(record.pages());
        out.putLong(record.dataOffset());
        out.putInt(record.stored().length);
        for (int k = 0; k < record.stored().length; k++) {
            out.putInt(record.stored()[k]);
            out.putInt(record.crcs()[k]);
        }
        out.endSection();
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system cannot rename " + temp + " over " + target + " atomically", e);
        }
    }

    /** Makes the rename durable where the platform allows opening a directory (Linux does). */
    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every platform can open a directory; the file itself is already on the device.
        }
    }

    // ---------------------------------------------------------------- reading

    /** What the HEAD section holds. */
    record Header(byte[] moduleHash, String moduleLocation, WasiContext wasi, int memories) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Header h
                    && Arrays.equals(moduleHash, h.moduleHash)
                    && moduleLocation.equals(h.moduleLocation)
                    && Objects.equals(wasi, h.wasi)
                    && memories == h.memories;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(moduleHash);
        }
    }

    private static Header readHeader(HibernationInput in, Path file) throws IOException {
        int magic = in.getInt();
        if (magic != MAGIC) {
            throw new HibernationException(
                    Reason.CORRUPT,
                    file + ": not a hibernation snapshot (it starts with " + kindName(magic) + ", not "
                            + kindName(MAGIC) + "); give the file a hibernation wrote");
        }
        int version = in.getInt();
        if (version != VERSION) {
            throw new HibernationException(
                    Reason.UNKNOWN_VERSION,
                    file + ": hibernation snapshot of format version " + Integer.toUnsignedString(version)
                            + ", but this TVM reads version " + VERSION
                            + "; resume it with the TVM that wrote it, or hibernate the instance again");
        }
        in.beginSection(HEAD, "header");
        byte[] hash = new byte[32];
        in.getBytes(hash, 0, hash.length);
        String location = in.getString("the module location");
        int hasWasi = in.getByte();
        WasiContext wasi = null;
        if (hasWasi > 1) {
            throw in.corrupt("the WASI flag is " + hasWasi + ", not 0 or 1");
        }
        if (hasWasi == 1) {
            int argc = in.getCount(1 << 20, "the WASI argument count");
            List<String> args = new ArrayList<>();
            for (int i = 0; i < argc; i++) {
                args.add(in.getString("WASI argument " + i));
            }
            int envc = in.getCount(1 << 20, "the WASI environment size");
            Map<String, String> env = new LinkedHashMap<>();
            for (int i = 0; i < envc; i++) {
                env.put(in.getString("WASI variable name " + i), in.getString("WASI variable value " + i));
            }
            wasi = new WasiContext(args, env);
        }
        int memories = in.getCount(1 << 16, "the memory count");
        in.endSection("header");
        return new Header(hash, location, wasi, memories);
    }

    /**
     * Where one memory's pages are in a snapshot: page {@code stored[k]} is the 65536 bytes at
     * {@link #offsetOf offsetOf(k)}, with CRC32C {@code crcs[k]}.
     */
    record MemoryRecord(int index, boolean imported, int pages, long dataOffset, int[] stored, int[] crcs) {
        long offsetOf(int k) {
            return dataOffset + (long) k * PAGE;
        }

        long dataEnd() {
            return offsetOf(stored.length);
        }
    }

    /** Everything a snapshot holds but the page bytes, read and checked. */
    record Layout(Header header, long dataStart, long indexAt, MemoryRecord[] memories, InstanceImage image) {}

    /**
     * Reads the header, the end section and the index of a snapshot, checking their checksums,
     * the zero padding and that the pages the index lists fill the data area exactly.
     */
    static Layout readLayout(Path file, FileChannel channel) throws IOException {
        HibernationInput in = new HibernationInput(file, channel.position(0));
        Header header = readHeader(in, file);
        long dataStart = (in.position() + DATA_ALIGNMENT - 1) & -DATA_ALIGNMENT;
        long size = channel.size();
        ByteBuffer tail = ByteBuffer.allocate(END_BYTES);
        if (size >= dataStart + END_BYTES) {
            while (tail.hasRemaining() && channel.read(tail, size - END_BYTES + tail.position()) > 0) {
                // read the last 16 bytes
            }
        }
        if (tail.hasRemaining() || tail.getInt(0) != END) {
            throw new HibernationException(
                    Reason.TRUNCATED,
                    file + ": truncated hibernation snapshot: it does not end with its end section (" + size
                            + " bytes); the write that made it did not complete, or the file was cut or extended;"
                            + " take the snapshot again or restore the file from a copy");
        }
        CRC32C crc = new CRC32C();
        crc.update(tail.array(), 0, END_BYTES - Integer.BYTES);
        long indexAt = tail.getLong(Integer.BYTES);
        if ((int) crc.getValue() != tail.getInt(END_BYTES - Integer.BYTES)) {
            throw in.corrupt("the end section's CRC32C does not match (a damaged byte)");
        }
        if (indexAt < dataStart || indexAt > size - END_BYTES) {
            throw in.corrupt("the index is said to start at byte " + indexAt + ", outside [" + dataStart + ", "
                    + (size - END_BYTES) + "]");
        }
        in.expectZerosUpTo(dataStart);
        HibernationInput index = new HibernationInput(file, channel.position(indexAt), indexAt);
        MemoryRecord[] memories = new MemoryRecord[header.memories()];
        long expected = dataStart;
        for (int i = 0; i < memories.length; i++) {
            memories[i] = readRecord(index, i, expected);
            expected = memories[i].dataEnd();
        }
        if (expected != indexAt) {
            throw index.corrupt(
                    "the pages listed end at byte " + expected + " but the index starts at byte " + indexAt);
        }
        InstanceImage image = InstanceImage.read(index);
        index.beginSection(END, "end");
        if (index.getLong() != indexAt) {
            throw index.corrupt("the end section was read at another offset than its own");
        }
        index.endSection("end");
        index.expectEnd();
        return new Layout(header, dataStart, indexAt, memories, image);
    }

    private static MemoryRecord readRecord(HibernationInput in, int index, long expectedOffset) throws IOException {
        in.beginSection(MEMORY, "memory " + index);
        int storedIndex = in.getInt();
        if (storedIndex != index) {
            throw in.corrupt("memory section " + index + " says it is memory " + storedIndex);
        }
        int imported = in.getByte();
        if (imported > 1) {
            throw in.corrupt("memory " + index + "'s import flag is " + imported + ", not 0 or 1");
        }
        int pages = in.getCount(1 << 16, "memory " + index + "'s page count");
        long dataOffset = in.getLong();
        if (dataOffset != expectedOffset) {
            throw in.corrupt(
                    "memory " + index + "'s pages are said to start at byte " + dataOffset + ", not " + expectedOffset);
        }
        int n = in.getCount(pages, "memory " + index + "'s stored page count");
        int[] stored = new int[n];
        int[] crcs = new int[n];
        int previous = -1;
        for (int k = 0; k < n; k++) {
            int p = in.getInt();
            if (p < 0 || p >= pages || p <= previous) {
                throw in.corrupt("memory " + index + " lists page " + Integer.toUnsignedString(p) + " after page "
                        + previous + " of " + pages);
            }
            stored[k] = p;
            crcs[k] = in.getInt();
            previous = p;
        }
        in.endSection("memory " + index);
        return new MemoryRecord(index, imported == 1, pages, dataOffset, stored, crcs);
    }

    /**
     * Checks that memory {@code record.index()} of {@code instance}, which the instantiation just
     * made, can take the saved size and grows it to that size.
     */
    static void fitMemory(Instance instance, MemoryRecord record, Path file) {
        int index = record.index();
        Memory memory = instance.memory(index);
        boolean isImported = index < instance.imports().memoryCount();
        int current = memory.pages();
        int pages = record.pages();
        if (record.imported() != isImported) {
            throw InstanceImage.mismatch(
                    file,
                    "memory " + index + " was " + (record.imported() ? "imported" : "defined by the module")
                            + " but is " + (isImported ? "imported" : "defined by the module") + " here",
                    "build the instance from the module the snapshot was taken of");
        } else if (current > pages) {
            throw InstanceImage.mismatch(
                    file,
                    "memory " + index + " starts with " + current + " pages, more than the " + pages + " saved",
                    "build the instance without raising its memory's initial size");
        } else if (current < pages && memory.grow(pages - current) < 0) {
            throw InstanceImage.mismatch(
                    file,
                    "memory " + index + " cannot grow from " + current + " to the " + pages
                            + " saved pages (its maximum is " + memory.maximumPages() + ")",
                    "allow the memory at least " + pages + " pages (64 KiB each)");
        }
    }

    /**
     * Puts a memory's saved pages into {@code memory} (already of the saved size; {@code
     * initialPages} of them as instantiation left them, the rest zero), each checked against its
     * CRC32C first, and zeroes the pages below {@code initialPages} the snapshot does not hold.
     */
    static void readPages(FileChannel channel, MemoryRecord record, Memory memory, int initialPages, Path file)
            throws IOException {
        int[] zeroFrom = {0};
        forEachCheckedPage(channel, record, file, (page, bytes, offset) -> {
            zero(memory, zeroFrom[0], Math.min(page, initialPages));
            memory.write(page * PAGE, bytes, offset, PAGE);
            zeroFrom[0] = page + 1;
        });
        zero(memory, zeroFrom[0], initialPages);
    }

    /** Receives a stored page whose checksum held: its number and its bytes at {@code offset}. */
    @FunctionalInterface
    interface CheckedPage {
        void accept(int page, byte[] bytes, int offset) throws IOException;
    }

    /**
     * Reads a memory's stored pages in order, 16 at a time, checks each against its CRC32C and
     * hands it to {@code sink}; a page that fails is {@link Reason#CORRUPT} before it is handed on.
     */
    static void forEachCheckedPage(FileChannel channel, MemoryRecord record, Path file, CheckedPage sink)
            throws IOException {
        int n = record.stored().length;
        byte[] chunk = new byte[Math.min(CHUNK_PAGES, Math.max(n, 1)) * PAGE];
        CRC32C crc = new CRC32C();
        for (int k = 0; k < n; k += CHUNK_PAGES) {
            int count = Math.min(CHUNK_PAGES, n - k);
            readFully(channel, ByteBuffer.wrap(chunk, 0, count * PAGE), record.offsetOf(k), file);
            for (int i = 0; i < count; i++) {
                crc.reset();
                crc.update(chunk, i * PAGE, PAGE);
                if ((int) crc.getValue() != record.crcs()[k + i]) {
                    throw pageCorrupt(file, record, record.stored()[k + i]);
                }
                sink.accept(record.stored()[k + i], chunk, i * PAGE);
            }
        }
    }

    static HibernationException pageCorrupt(Path file, MemoryRecord record, int page) {
        return new HibernationException(
                Reason.CORRUPT,
                file + ": corrupt hibernation snapshot: page " + page + " of memory " + record.index()
                        + " fails its CRC32C (a damaged byte); take the snapshot again (hibernate the instance anew)"
                        + " or restore the file from a copy");
    }

    /** Reads {@code dst.remaining()} bytes at {@code position}; the file ending first is truncation. */
    static void readFully(FileChannel channel, ByteBuffer dst, long position, Path file) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new HibernationException(
                        Reason.TRUNCATED,
                        file + ": truncated hibernation snapshot: it ends at byte " + at + " inside its pages;"
                                + " take the snapshot again or restore the file from a copy");
            }
            at += n;
        }
    }

    private static void zero(Memory memory, int fromPage, int toPage) {
        if (toPage > fromPage) {
            memory.fill((byte) 0, fromPage * PAGE, toPage * PAGE);
        }
    }

    /** A snapshot file whose header and index have been read and checked; {@link #resume} reads the pages. */
    public static final class Snapshot {
        private final Path file;
        private final Header header;
        private final Layout layout;

        private Snapshot(Path file, Layout layout) {
            this.file = file;
            this.header = layout.header();
            this.layout = layout;
        }

        Layout layout() {
            return layout;
        }

        /** The file. */
        public Path file() {
            return file;
        }

        /** The hex SHA-256 of the module the snapshot was taken of. */
        public String moduleSha256() {
            return HexFormat.of().formatHex(header.moduleHash());
        }

        /** The module location the writer recorded, if any. */
        public Optional<String> moduleLocation() {
            return header.moduleLocation().isEmpty() ? Optional.empty() : Optional.of(header.moduleLocation());
        }

        /** The recorded WASI context, if the module imports WASI. */
        public Optional<WasiContext> wasi() {
            return Optional.ofNullable(header.wasi());
        }

        /** How many memories the snapshot holds. */
        public int memoryCount() {
            return header.memories();
        }

        /**
         * Resumes a snapshot without a WASI context: see {@link #resume(byte[], WasiOptions,
         * Instance.Builder)}.
         */
        public Instance resume(byte[] moduleBytes, Instance.Builder builder) {
            return resume(moduleBytes, null, builder);
        }

        /**
         * Builds a new instance with {@code builder} (with {@code withStart(false)}) and puts the
         * snapshot's state into it.
         *
         * @param moduleBytes the module's bytes, whose SHA-256 must be the snapshot's; or null to
         *     compare the SHA-256 Chicory's parser recorded for the builder's module instead (then the
         *     check happens after instantiation)
         * @param wasi the options of the new instance's {@code WasiPreview1}, which must have the
         *     recorded arguments and environment and no directories; null when the snapshot has no
         *     WASI context
         * @param builder a builder of the same module, with the caller's import values, memory
         *     factory and machine factory; resume sets {@code withStart(false)} on it
         * @return the resumed instance; on failure none, and the memories made for it are closed
         *     when they are {@link AutoCloseable}
         * @throws HibernationException {@link Reason#FOREIGN_MODULE} for another module's bytes,
         *     {@link Reason#MISMATCH} when WASI options or the built instance do not fit, {@link
         *     Reason#TRUNCATED}, {@link Reason#CORRUPT} or {@link Reason#IO_ERROR} for the file
         */
        public Instance resume(byte[] moduleBytes, WasiOptions wasi, Instance.Builder builder) {
            Objects.requireNonNull(builder, "builder");
            byte[] hash = moduleBytes == null ? null : sha256(moduleBytes);
            if (hash != null) {
                checkSameModule(hash);
            }
            checkWasi(wasi);
            Instance instance = builder.withStart(false).build();
            boolean ok = false;
            try {
                byte[] parsed = parsedSha256(instance.module());
                if (hash == null && parsed == null) {
                    throw InstanceImage.mismatch(
                            file,
                            "the builder's module was parsed without a SHA-256 digest (Chicory's DIGEST_ALGORITHM"
                                    + " property), so it cannot be matched with the snapshot",
                            "pass the module bytes");
                } else if (hash == null) {
                    checkSameModule(parsed);
                } else if (parsed != null && !Arrays.equals(parsed, hash)) {
                    throw InstanceImage.mismatch(
                            file,
                            "the builder was made for another module than the bytes given",
                            "build it from the module the snapshot was taken of");
                }
                if (memoriesOf(instance) != header.memories()) {
                    throw InstanceImage.mismatch(
                            file,
                            "the new instance has " + memoriesOf(instance) + " memories, the snapshot "
                                    + header.memories(),
                            "build it from the module the snapshot was taken of");
                }
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                    Layout now = readLayout(file, channel);
                    if (!now.header().equals(header)) {
                        throw new HibernationInput(file, channel).corrupt("its header changed since it was opened");
                    }
                    for (MemoryRecord record : now.memories()) {
                        int initial = instance.memory(record.index()).pages();
                        fitMemory(instance, record, file);
                        readPages(channel, record, instance.memory(record.index()), initial, file);
                    }
                    now.image().restore(instance, file);
                } catch (IOException e) {
                    throw ioError(file, "read", e, "check that the file is readable");
                }
                ok = true;
                return instance;
            } finally {
                if (!ok) {
                    closeDefinedMemories(instance);
                }
            }
        }

        void checkSameModule(byte[] hash) {
            if (!Arrays.equals(hash, header.moduleHash())) {
                throw new HibernationException(
                        Reason.FOREIGN_MODULE,
                        file + ": the hibernation snapshot was taken of another module (SHA-256 " + moduleSha256()
                                + ", this module's is " + HexFormat.of().formatHex(hash)
                                + "); resume it with the module it was taken of"
                                + moduleLocation()
                                        .map(l -> " (recorded as " + l + ")")
                                        .orElse(""));
            }
        }

        void checkWasi(WasiOptions wasi) {
            WasiContext saved = header.wasi();
            if (saved == null) {
                if (wasi != null) {
                    throw InstanceImage.mismatch(
                            file,
                            "WASI options were given but the snapshot holds no WASI context",
                            "resume it without WASI options, as it was hibernated");
                }
                return;
            }
            if (wasi == null) {
                throw InstanceImage.mismatch(
                        file,
                        "the snapshot holds a WASI context (arguments " + saved.arguments() + ") but no WASI"
                                + " options were given",
                        "pass the options of the new instance's WasiPreview1, with the recorded arguments and"
                                + " environment (WasiContext.toOptions)");
            }
            WasiContext given = new WasiContext(wasi.arguments(), wasi.environment());
            if (!given.equals(saved) || !wasi.directories().isEmpty()) {
                throw InstanceImage.mismatch(
                        file,
                        "its WASI context had arguments " + saved.arguments() + ", environment " + saved.environment()
                                + " and no directories; the options given have " + given.arguments() + ", "
                                + given.environment() + " and directories " + wasi.directories(),
                        "resume it with the recorded arguments and environment and no directories"
                                + " (WasiContext.toOptions)");
            }
        }
    }

    /**
     * The WASI context a snapshot records: the arguments and environment (stdio is the host's).
     *
     * @param arguments the program arguments, {@code argv[0]} first
     * @param environment the environment variables
     */
    public record WasiContext(List<String> arguments, Map<String, String> environment) {
        /** Copies both. */
        public WasiContext {
            arguments = List.copyOf(arguments);
            environment = Map.copyOf(environment);
        }

        /** A builder of WASI options with these arguments and environment; add stdio to it. */
        public WasiOptions.Builder toOptions() {
            WasiOptions.Builder builder = WasiOptions.builder().withArguments(arguments);
            environment.forEach(builder::withEnvironment);
            return builder;
        }
    }

    // ---------------------------------------------------------------- shared

    static int memoriesOf(Instance instance) {
        return instance.imports().memoryCount()
                + instance.module()
                        .memorySection()
                        .map(MemorySection::memoryCount)
                        .orElse(0);
    }

    /** Closes the memories an aborted resume made (the imported ones are the caller's). */
    static void closeDefinedMemories(Instance instance) {
        for (int i = instance.imports().memoryCount(); i < memoriesOf(instance); i++) {
            if (instance.memory(i) instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception suppressed) {
                    // the failure being reported matters more
                }
            }
        }
    }

    /**
     * The SHA-256 Chicory's parser recorded for {@code module}, or null when it recorded none (its
     * {@code DIGEST_ALGORITHM} property chose another or none).
     */
    static byte[] parsedSha256(WasmModule module) {
        String digest = module.digest();
        if (digest == null || !digest.startsWith("sha-256:")) {
            return null;
        }
        return Base64.getDecoder().decode(digest.substring("sha-256:".length()));
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static HibernationException ioError(Path file, String verb, IOException e, String remedy) {
        return new HibernationException(
                Reason.IO_ERROR, file + ": could not " + verb + " the hibernation snapshot (" + e + "); " + remedy, e);
    }
}
