package dev.tvm.bench;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.GuestImage;
import dev.tvm.chicory.Hibernation;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.RegionDirectory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hibernate and resume of an instance with 256 MiB of memory, every page non-zero, side by side
 * with a plain sequential {@link FileChannel} write and read of the same 256 MiB. Scores are
 * milliseconds per operation; the target is {@code hibernateResume} at least half the speed
 * of {@code plainWriteRead} (at most twice its time).
 *
 * <ul>
 *   <li>{@code hibernateResume}: {@link Hibernation#write} (to a temporary file, CRC32C per
 *       section, forced to the device, renamed) then {@link Hibernation#resume} into a new instance
 *       whose memory is a fresh {@link SegmentMemory} (reserved, then faulted in as the pages are
 *       written), closed afterwards. {@code hibernate} and {@code resume} are the two halves alone.
 *   <li>{@code hibernateResumeMapped}: the same write, then the resume {@code TvmGuest} makes:
 *       {@link GuestImage#open} (which reads the file once to check every page's CRC32C) and
 *       {@link TvmGuest.Builder#fromImage} into a paged region memory that maps the snapshot
 *       copy-on-write; the last word is read, the guest closed. {@code resumeMapped} is its
 *       second half alone.
 *   <li>{@code plainWriteRead}: the memory's 256 MiB written from its off-heap segment with one
 *       sequential {@code FileChannel.write} loop, forced to the device like a snapshot, then read
 *       back into an off-heap segment that is already touched (the baseline's reads pay no page
 *       faults; resume's do). {@code plainWrite} and {@code plainRead} are the halves, and {@code
 *       plainWriteReadNoForce} drops the {@code force}, to show how much of both is the device.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 3)
public class HibernateBench {
    /** 4096 pages of 64 KiB: 256 MiB. */
    static final int PAGES = 4096;

    static final long BYTES = (long) PAGES * Memory.PAGE_SIZE;

    /** {@code (module (memory (export "memory") 4096 4096))}, as wat2wasm writes it. */
    static final byte[] MODULE = {
        0x00,
        0x61,
        0x73,
        0x6d,
        0x01,
        0x00,
        0x00,
        0x00, // magic, version
        0x05,
        0x06,
        0x01,
        0x01,
        (byte) 0x80,
        0x20,
        (byte) 0x80,
        0x20, // memory 4096..4096
        0x07,
        0x0a,
        0x01,
        0x06,
        0x6d,
        0x65,
        0x6d,
        0x6f,
        0x72,
        0x79,
        0x02,
        0x00 // export "memory"
    };

    private WasmModule module;
    private Instance instance;
    private Path dir;
    private Path snapshot;
    private Path plainFile;
    private Arena arena;
    private MemorySegment readBack;
    private RegionDirectory directory;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        module = Parser.parse(MODULE);
        instance = Instance.builder(module)
                .withMemoryFactory(SegmentMemory.factory())
                .build();
        Memory memory = instance.memory();
        memory.grow(PAGES - memory.pages());
        // Every page non-zero (random bytes: nothing compresses, no page is skipped).
        byte[] chunk = new byte[1 << 20];
        SplittableRandom random = new SplittableRandom(13);
        for (long at = 0; at < BYTES; at += chunk.length) {
            for (int i = 0; i < chunk.length; i += 8) {
                long v = random.nextLong() | 1;
                for (int b = 0; b < 8; b++) {
                    chunk[i + b] = (byte) (v >>> (8 * b));
                }
            }
            memory.write((int) at, chunk);
        }
        dir = Files.createTempDirectory("hibernate-bench");
        snapshot = dir.resolve("instance.snapshot");
        plainFile = dir.resolve("plain.bin");
        arena = Arena.ofShared();
        readBack = arena.allocate(BYTES, 4096);
        readBack.fill((byte) 1);
        directory = RegionDirectory.builder().build();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        ((SegmentMemory) instance.memory()).close();
        directory.close();
        arena.close();
        Files.deleteIfExists(snapshot);
        Files.deleteIfExists(plainFile);
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public int hibernateResume() {
        Hibernation.write(instance, MODULE, snapshot);
        return resumeAndClose();
    }

    @Benchmark
    public void hibernate() {
        Hibernation.write(instance, MODULE, snapshot);
    }

    /** Resumes the snapshot the previous benchmark (or setup, lazily) left. */
    @Benchmark
    public int resume() {
        if (!Files.exists(snapshot)) {
            Hibernation.write(instance, MODULE, snapshot);
        }
        return resumeAndClose();
    }

    @Benchmark
    public int hibernateResumeMapped() {
        Hibernation.write(instance, MODULE, snapshot);
        return resumeMappedAndClose();
    }

    /** Resumes, mapped, the snapshot the previous benchmark (or setup, lazily) left. */
    @Benchmark
    public int resumeMapped() {
        if (!Files.exists(snapshot)) {
            Hibernation.write(instance, MODULE, snapshot);
        }
        return resumeMappedAndClose();
    }

    private int resumeMappedAndClose() {
        try (GuestImage image = GuestImage.open(snapshot);
                TvmGuest guest = TvmGuest.builder(module, directory)
                        .withEngine(Engine.INTERPRETER)
                        .fromImage(image)) {
            Memory memory = guest.instance().memory();
            return memory.readBytes((int) (BYTES - 4), 4)[3];
        }
    }

    private int resumeAndClose() {
        Instance resumed = Hibernation.resume(
                snapshot, MODULE, Instance.builder(module).withMemoryFactory(SegmentMemory.factory()));
        SegmentMemory memory = (SegmentMemory) resumed.memory();
        int probe = memory.readInt((int) (BYTES - 4));
        memory.close();
        return probe;
    }

    /**
     * Diagnostic: {@code plainReadOnly} into a fresh {@link SegmentMemory}'s segment, as resume
     * must fill a new instance's memory: the same read plus the page faults of first touch.
     */
    @Benchmark
    public long plainReadIntoFreshMemory() throws IOException {
        if (!Files.exists(plainFile)) {
            plainWrite(true);
        }
        SegmentMemory fresh = SegmentMemory.create(new MemoryLimits(PAGES, PAGES));
        try {
            ByteBuffer target = fresh.segment().asByteBuffer();
            try (FileChannel channel = FileChannel.open(plainFile, StandardOpenOption.READ)) {
                while (target.hasRemaining() && channel.read(target) >= 0) {
                    // sequential
                }
            }
            return fresh.readLong((int) (BYTES - 8));
        } finally {
            fresh.close();
        }
    }

    @Benchmark
    public long plainWriteRead() throws IOException {
        plainWrite(true);
        return plainRead();
    }

    @Benchmark
    public long plainWriteReadNoForce() throws IOException {
        plainWrite(false);
        return plainRead();
    }

    @Benchmark
    public void plainWrite() throws IOException {
        plainWrite(true);
    }

    @Benchmark
    public long plainReadOnly() throws IOException {
        if (!Files.exists(plainFile)) {
            plainWrite(true);
        }
        return plainRead();
    }

    private void plainWrite(boolean force) throws IOException {
        ByteBuffer source = ((SegmentMemory) instance.memory()).segment().asByteBuffer();
        try (FileChannel channel = FileChannel.open(
                plainFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            while (source.hasRemaining()) {
                channel.write(source);
            }
            if (force) {
                channel.force(true);
            }
        }
    }

    private long plainRead() throws IOException {
        ByteBuffer target = readBack.asByteBuffer();
        try (FileChannel channel = FileChannel.open(plainFile, StandardOpenOption.READ)) {
            while (target.hasRemaining() && channel.read(target) >= 0) {
                // sequential: the channel's position advances
            }
        }
        return readBack.get(java.lang.foreign.ValueLayout.JAVA_LONG, BYTES - 8);
    }
}
