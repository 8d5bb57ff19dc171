package dev.tvm.chicory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.Parser;
import dev.tvm.chicory.HibernationException.Reason;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.GuestPages;
import dev.tvm.core.RegionDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hibernates real Chicory instances of {@code hibernate/state.wasm} (interpreted and compiled) and
 * resumes them here and in another JVM: every later call must give what the never-hibernated
 * instance gives. Then the failures: damaged, cut, foreign and unknown files, state a snapshot
 * cannot hold, and a write that fails half way.
 */
class HibernationTest {
    private static final byte[] STATE = HibernationScript.moduleBytes("state.wasm");

    @TempDir
    Path dir;

    /** The outcomes of BEFORE then AFTER on an instance that is never hibernated. */
    private static List<String> reference(Engine engine) {
        Instance instance = HibernationScript.fresh(engine);
        HibernationScript.run(instance, HibernationScript.BEFORE);
        return HibernationScript.run(instance, HibernationScript.AFTER);
    }

    /** A snapshot of an instance that has run BEFORE. */
    private Path hibernated(Engine engine) {
        Instance instance = HibernationScript.fresh(engine);
        HibernationScript.run(instance, HibernationScript.BEFORE);
        Path file = dir.resolve("state.snapshot");
        Hibernation.write(instance, STATE, file);
        return file;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void resumedInstanceAnswersLikeOneNeverHibernated(Engine engine) {
        Path file = hibernated(engine);

        Instance resumed =
                Hibernation.resume(file, STATE, HibernationScript.builder(STATE, engine, SegmentMemory.factory()));
        List<String> after = HibernationScript.run(resumed, HibernationScript.AFTER);

        assertEquals(reference(engine), after);
        // And the state is the one before hibernation, not instantiation's: the start function
        // ran again during resume (counter + 100, a mark at 1024) and was overwritten.
        assertEquals("load(16) -> 0", after.get(0), "page 0 was all zeros: the active segment is cleared");
        assertEquals("load(1024) -> 0", after.get(1), "the start function's mark is cleared");
        assertEquals("tick() -> 104", after.get(2));
        assertEquals("apply(5, 10) -> 30", after.get(6), "installed from the element segment");
        assertEquals("call_chosen(9) -> 81", after.get(12), "the funcref global");
        assertEquals("table_size() -> 8", after.get(13));
        assertEquals("pages() -> 4", after.get(14));
        assertTrue(after.get(11).startsWith("greet(4096) -> trap"), "the dropped data segment stays dropped");
        assertTrue(after.get(10).startsWith("install(0) -> trap"), "the dropped element segment stays dropped");
    }

    /**
     * TvmGuest's resume maps the snapshot copy-on-write ({@link GuestImage}) into paged memory:
     * the start function Chicory runs on instantiation stores a mark at 1024 into the mapped
     * memory, which must be undone, and everything must read as on the never-hibernated instance.
     */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void tvmGuestResumesByMappingTheSnapshotAndUndoesTheStartFunctionsStores(Engine engine) throws IOException {
        Path file = hibernated(engine);
        try (RegionDirectory directory = RegionDirectory.builder()
                        .withResidentBudget(4L << 20)
                        .withSpillDirectory(Files.createDirectories(dir.resolve("spill")))
                        .build();
                TvmGuest resumed = TvmGuest.builder(Parser.parse(STATE), directory)
                        .withEngine(engine)
                        .resume(Hibernation.open(file))) {
            GuestPages pages = resumed.memoryRegions().get(0).guestPages();
            assertTrue(pages.imageBytes() > 0, "the snapshot's pages are mapped");
            pages.enter();
            List<String> after;
            try {
                after = HibernationScript.run(resumed.instance(), HibernationScript.AFTER);
            } finally {
                pages.exit();
            }
            assertEquals(reference(engine), after);
            assertEquals("load(1024) -> 0", after.get(1), "the start function's mark is undone");
        }
    }

    @Test
    void zeroPagesAreNotWritten() throws IOException {
        Path file = hibernated(Engine.INTERPRETER);
        // Four pages, of which pages 0 and 1 are all zeros.
        long size = Files.size(file);
        assertTrue(
                size > 2 * 65536 && size < 2 * 65536 + 8192,
                "two pages, the header padded to 4 KiB and the index: " + size);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void resumesInAnotherProcessWithIdenticalResults(Engine engine) throws Exception {
        Path file = hibernated(engine);
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx512m"));
        command.addAll(
                List.of("-cp", classPath, HibernationResumeMain.class.getName(), file.toString(), engine.name()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the resuming JVM did not finish");
        assertEquals(0, process.exitValue(), output);

        assertEquals(reference(engine), output.lines().toList());
    }

    @Test
    void resumesIntoAnotherMemoryImplementation() {
        Path file = hibernated(Engine.COMPILER);

        Instance resumed = Hibernation.resume(
                file, STATE, HibernationScript.builder(STATE, Engine.COMPILER, ByteArrayMemory::new));

        assertTrue(resumed.memory() instanceof ByteArrayMemory);
        assertEquals(reference(Engine.COMPILER), HibernationScript.run(resumed, HibernationScript.AFTER));
    }

    @Test
    void hibernatingAgainReplacesTheSnapshotAndResumesTheLaterState() {
        Instance instance = HibernationScript.fresh(Engine.INTERPRETER);
        HibernationScript.run(instance, HibernationScript.BEFORE);
        Path file = dir.resolve("twice.snapshot");
        Hibernation.write(instance, STATE, file);
        instance.export("tick").apply();
        Hibernation.write(instance, STATE, file);

        Instance resumed = Hibernation.resume(
                file, STATE, HibernationScript.builder(STATE, Engine.INTERPRETER, SegmentMemory.factory()));

        assertEquals(105, resumed.export("tick").apply()[0]);
    }

    // ---------------------------------------------------------------- damaged files

    /** Where each section starts: found by its kind, in file order. */
    private static List<Integer> sectionStarts(byte[] bytes) {
        List<Integer> starts = new ArrayList<>();
        int from = 0;
        for (String kind : List.of("HEAD", "MEMO", "GLOB", "TABL", "DROP", "END.")) {
            byte[] k = kind.getBytes(StandardCharsets.US_ASCII);
            int at = indexOf(bytes, k, from);
            assertTrue(at >= 0, kind);
            starts.add(kind.equals("HEAD") ? 0 : at);
            from = at + 4;
        }
        starts.add(bytes.length);
        return starts;
    }

    private static int indexOf(byte[] bytes, byte[] what, int from) {
        for (int i = from; i + what.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + what.length, what, 0, what.length)) {
                return i;
            }
        }
        return -1;
    }

    private HibernationException resumeFails(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        return assertThrows(
                HibernationException.class,
                () -> Hibernation.resume(
                        file, STATE, HibernationScript.builder(STATE, Engine.INTERPRETER, SegmentMemory.factory())));
    }

    @Test
    void aDamagedByteInAnySectionIsDetected() throws IOException {
        byte[] good = Files.readAllBytes(hibernated(Engine.INTERPRETER));
        List<Integer> starts = sectionStarts(good);
        Path damaged = dir.resolve("damaged.snapshot");
        for (int s = 0; s + 1 < starts.size(); s++) {
            int start = starts.get(s);
            int end = starts.get(s + 1);
            // The first payload byte (after magic, version and kind for the first section), one
            // in the middle, and the checksum's last byte.
            int first = start + (s == 0 ? 12 : 4);
            for (int at : new int[] {first, (first + end) / 2, end - 1}) {
                if (at >= end) {
                    continue;
                }
                byte[] bytes = good.clone();
                bytes[at] ^= 0x5a;
                HibernationException e = resumeFails(damaged, bytes);
                assertTrue(
                        e.reason() == Reason.CORRUPT || e.reason() == Reason.TRUNCATED,
                        "byte " + at + " of section " + s + ": " + e.reason() + " " + e.getMessage());
                assertTrue(e.getMessage().startsWith(damaged.toString()), e.getMessage());
            }
        }
    }

    @Test
    void aDamagedPageOrPaddingByteIsDetected() throws IOException {
        byte[] good = Files.readAllBytes(hibernated(Engine.INTERPRETER));
        int dataStart = 4096; // the header is far smaller than 4 KiB
        int indexAt = (int) ByteBuffer.wrap(good).getLong(good.length - 12); // END.: kind, u64 indexAt, CRC
        assertEquals(dataStart + 2 * 65536, indexAt, "two stored pages between the padded header and the index");
        Path damaged = dir.resolve("damaged.snapshot");
        int[] pageBytes = {dataStart, dataStart + 65535, dataStart + 65536, indexAt - 1};
        for (int at : pageBytes) {
            byte[] bytes = good.clone();
            bytes[at] ^= 0x01;
            HibernationException e = resumeFails(damaged, bytes);
            assertEquals(Reason.CORRUPT, e.reason(), at + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("fails its CRC32C"), e.getMessage());
        }
        byte[] bytes = good.clone();
        bytes[dataStart - 1] = 1; // padding after the header
        HibernationException e = resumeFails(damaged, bytes);
        assertEquals(Reason.CORRUPT, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("padding"), e.getMessage());
    }

    @Test
    void aTruncatedFileIsDetectedWherever() throws IOException {
        byte[] good = Files.readAllBytes(hibernated(Engine.INTERPRETER));
        Path cut = dir.resolve("cut.snapshot");
        List<Integer> lengths = new ArrayList<>(List.of(0, 3, 8, 20));
        for (int start : sectionStarts(good)) {
            lengths.add(start);
            lengths.add(start + 6);
        }
        lengths.add(good.length - 1);
        for (int length : lengths) {
            if (length >= good.length) {
                continue;
            }
            HibernationException e = resumeFails(cut, Arrays.copyOf(good, length));
            assertEquals(Reason.TRUNCATED, e.reason(), length + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void bytesAfterTheEndAreDetected() throws IOException {
        byte[] good = Files.readAllBytes(hibernated(Engine.INTERPRETER));
        HibernationException e = resumeFails(dir.resolve("long.snapshot"), Arrays.copyOf(good, good.length + 1));
        // The end section must be the file's last bytes: a file that does not end with it was cut
        // or extended, and cannot be told apart from one whose write did not complete.
        assertEquals(Reason.TRUNCATED, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("cut or extended"), e.getMessage());
    }

    @Test
    void aFileThatIsNoSnapshotIsDetected() throws IOException {
        HibernationException e = resumeFails(dir.resolve("module.wasm"), STATE);
        assertEquals(Reason.CORRUPT, e.reason());
        assertTrue(e.getMessage().contains("not a hibernation snapshot"), e.getMessage());
    }

    @Test
    void anUnknownVersionIsReportedAsSuch() throws IOException {
        byte[] bytes = Files.readAllBytes(hibernated(Engine.INTERPRETER));
        ByteBuffer.wrap(bytes).putInt(4, 99);
        HibernationException e = resumeFails(dir.resolve("v99.snapshot"), bytes);
        assertEquals(Reason.UNKNOWN_VERSION, e.reason());
        assertTrue(e.getMessage().contains("version 99"), e.getMessage());
    }

    /** Resumes a snapshot of state.wasm given {@code moduleBytes} and a builder of {@code builderBytes}. */
    private HibernationException resumeFails(byte[] moduleBytes, byte[] builderBytes) {
        Path file = hibernated(Engine.INTERPRETER);
        return assertThrows(
                HibernationException.class,
                () -> Hibernation.resume(
                        file,
                        moduleBytes,
                        HibernationScript.builder(builderBytes, Engine.INTERPRETER, SegmentMemory.factory())));
    }

    @Test
    void aSnapshotOfAnotherModuleIsRefused() {
        byte[] other = HibernationScript.moduleBytes("other.wasm");

        HibernationException e = resumeFails(other, other);

        assertEquals(Reason.FOREIGN_MODULE, e.reason());
        assertTrue(e.getMessage().contains(Hibernation.moduleSha256(STATE)), e.getMessage());
    }

    @Test
    void withoutModuleBytesTheDigestChicoryRecordedIdentifiesTheModule() {
        Instance instance = HibernationScript.fresh(Engine.INTERPRETER);
        HibernationScript.run(instance, HibernationScript.BEFORE);
        Path file = dir.resolve("digest.snapshot");
        Hibernation.writer(instance, null).writeTo(file);
        assertEquals(Hibernation.moduleSha256(STATE), Hibernation.open(file).moduleSha256());

        Instance resumed = Hibernation.open(file)
                .resume(null, null, HibernationScript.builder(STATE, Engine.INTERPRETER, SegmentMemory.factory()));
        assertEquals(reference(Engine.INTERPRETER), HibernationScript.run(resumed, HibernationScript.AFTER));

        byte[] other = HibernationScript.moduleBytes("other.wasm");
        HibernationException e = assertThrows(HibernationException.class, () -> Hibernation.open(file)
                .resume(null, null, HibernationScript.builder(other, Engine.INTERPRETER, SegmentMemory.factory())));
        assertEquals(Reason.FOREIGN_MODULE, e.reason());
    }

    @Test
    void aBuilderOfAnotherModuleIsRefused() {
        HibernationException e = resumeFails(STATE, HibernationScript.moduleBytes("other.wasm"));

        assertEquals(Reason.MISMATCH, e.reason());
    }

    @Test
    void writingWithTheBytesOfAnotherModuleIsRefused() {
        Instance instance = HibernationScript.fresh(Engine.INTERPRETER);
        Path file = dir.resolve("wrong.snapshot");

        HibernationException e = assertThrows(
                HibernationException.class,
                () -> Hibernation.write(instance, HibernationScript.moduleBytes("other.wasm"), file));

        assertEquals(Reason.MISMATCH, e.reason());
        assertFalse(Files.exists(file));
    }

    @Test
    void aMemoryThatCannotGrowToTheSavedSizeIsAMismatch() {
        Path file = hibernated(Engine.INTERPRETER);
        // The saved memory has 4 pages; this one may have 2.
        var builder = HibernationScript.builder(
                STATE,
                Engine.INTERPRETER,
                limits -> SegmentMemory.create(
                        new com.dylibso.chicory.wasm.types.MemoryLimits(limits.initialPages(), 2)));

        HibernationException e =
                assertThrows(HibernationException.class, () -> Hibernation.resume(file, STATE, builder));

        assertEquals(Reason.MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("cannot grow"), e.getMessage());
    }

    // ---------------------------------------------------------------- failing writes

    /** A sink that accepts {@code budget} bytes, then fails as a full disk does. */
    private static HibernationOutput.Sink failingAfter(HibernationOutput.Sink sink, long budget) {
        return new HibernationOutput.Sink() {
            private long left = budget;

            @Override
            public int write(ByteBuffer src) throws IOException {
                if (src.remaining() > left) {
                    src.limit(src.position() + (int) left);
                    sink.write(src);
                    left = 0;
                    throw new IOException("No space left on device");
                }
                left -= src.remaining();
                return sink.write(src);
            }

            @Override
            public void force() throws IOException {
                sink.force();
            }

            @Override
            public boolean isOpen() {
                return sink.isOpen();
            }

            @Override
            public void close() throws IOException {
                sink.close();
            }
        };
    }

    @Test
    void aFullDiskLeavesTheOldSnapshotAndTheInstanceUsable() throws IOException {
        Instance instance = HibernationScript.fresh(Engine.COMPILER);
        HibernationScript.run(instance, HibernationScript.BEFORE);
        Path file = dir.resolve("full.snapshot");
        Hibernation.write(instance, STATE, file);
        byte[] before = Files.readAllBytes(file);
        instance.export("tick").apply();

        HibernationException e = assertThrows(HibernationException.class, () -> Hibernation.writer(instance, STATE)
                .withSinkWrapper(sink -> failingAfter(sink, 70_000))
                .writeTo(file));

        assertEquals(Reason.IO_ERROR, e.reason());
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file), "the older snapshot is unchanged");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left");
        }
        // The instance goes on, and a later write succeeds and resumes with the newer state.
        assertEquals(105, instance.export("tick").apply()[0]);
        Hibernation.write(instance, STATE, file);
        Instance resumed = Hibernation.resume(
                file, STATE, HibernationScript.builder(STATE, Engine.COMPILER, SegmentMemory.factory()));
        assertEquals(106, resumed.export("tick").apply()[0]);
    }

    @Test
    void aWriteIntoAMissingDirectoryIsAnIoError() {
        Instance instance = HibernationScript.fresh(Engine.INTERPRETER);

        HibernationException e = assertThrows(
                HibernationException.class,
                () -> Hibernation.write(instance, STATE, dir.resolve("missing").resolve("x.snapshot")));

        assertEquals(Reason.IO_ERROR, e.reason());
        assertEquals(101, instance.export("tick").apply()[0]);
    }

    // ---------------------------------------------------------------- refused state

    @Test
    void aHostReferenceInATableIsRefused() {
        byte[] bytes = HibernationScript.moduleBytes("externref.wasm");
        Instance instance = Instance.builder(Parser.parse(bytes)).build();
        Path file = dir.resolve("ext.snapshot");
        Hibernation.write(instance, bytes, file); // only nulls so far: fine
        instance.export("keep").apply(7);

        HibernationException e =
                assertThrows(HibernationException.class, () -> Hibernation.write(instance, bytes, file));

        assertEquals(Reason.REFUSED, e.reason());
        assertTrue(e.getMessage().contains("table 0 entry 0"), e.getMessage());
    }

    // ---------------------------------------------------------------- WASI

    private static final byte[] WASI = HibernationScript.moduleBytes("wasi.wasm");

    private record WasiGuest(Instance instance, ByteArrayOutputStream stdout) {}

    private static WasiGuest wasiGuest(WasiOptions.Builder options, Path snapshot, WasiOptions resumeWith) {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        WasiOptions built = options.withStdout(stdout).build();
        WasiPreview1 wasi = WasiPreview1.builder().withOptions(built).build();
        Instance.Builder builder = Instance.builder(Parser.parse(WASI))
                .withImportValues(ImportValues.builder()
                        .addFunction(wasi.toHostFunctions())
                        .build());
        Instance instance = snapshot == null
                ? builder.build()
                : Hibernation.open(snapshot).resume(WASI, resumeWith == null ? built : resumeWith, builder);
        return new WasiGuest(instance, stdout);
    }

    private static WasiOptions.Builder stdioOptions() {
        return WasiOptions.builder()
                .withArguments(List.of("guest", "one", "two"))
                .withEnvironment("MODE", "test");
    }

    @Test
    void aStdioWasiContextHibernatesWithItsArgumentsAndEnvironment() {
        WasiGuest guest = wasiGuest(stdioOptions(), null, null);
        assertEquals(3, guest.instance().export("argc").apply()[0]);
        assertEquals(2, guest.instance().export("tick").apply()[0]);
        Path file = dir.resolve("wasi.snapshot");
        Hibernation.writer(guest.instance(), WASI)
                .withWasi(stdioOptions().build())
                .withModuleLocation("guests/wasi.wasm")
                .writeTo(file);

        Hibernation.Snapshot snapshot = Hibernation.open(file);
        assertEquals(
                List.of("guest", "one", "two"), snapshot.wasi().orElseThrow().arguments());
        assertEquals(Map.of("MODE", "test"), snapshot.wasi().orElseThrow().environment());
        assertEquals("guests/wasi.wasm", snapshot.moduleLocation().orElseThrow());
        WasiGuest resumed = wasiGuest(snapshot.wasi().orElseThrow().toOptions(), file, null);

        assertEquals(3, resumed.instance().export("tick").apply()[0]);
        assertEquals("tick\n", resumed.stdout().toString(StandardCharsets.UTF_8));
        assertEquals(3, resumed.instance().export("argc").apply()[0]);
    }

    @Test
    void resumingWithOtherWasiArgumentsIsAMismatch() {
        WasiGuest guest = wasiGuest(stdioOptions(), null, null);
        Path file = dir.resolve("wasi.snapshot");
        Hibernation.writer(guest.instance(), WASI)
                .withWasi(stdioOptions().build())
                .writeTo(file);
        WasiOptions other =
                WasiOptions.builder().withArguments(List.of("guest")).build();

        HibernationException e =
                assertThrows(HibernationException.class, () -> wasiGuest(WasiOptions.builder(), file, other));

        assertEquals(Reason.MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("[guest, one, two]"), e.getMessage());
    }

    @Test
    void aPreopenedDirectoryIsRefusedAndNamed() throws IOException {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        WasiOptions.Builder options = stdioOptions().withDirectory("/data", shared);
        WasiGuest guest = wasiGuest(options, null, null);
        Path file = dir.resolve("dir.snapshot");

        HibernationException e =
                assertThrows(HibernationException.class, () -> Hibernation.writer(guest.instance(), WASI)
                        .withWasi(stdioOptions().withDirectory("/data", shared).build())
                        .writeTo(file));

        assertEquals(Reason.REFUSED, e.reason());
        assertTrue(e.getMessage().contains("/data") && e.getMessage().contains(shared.toString()), e.getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void aWasiGuestHibernatedWithoutItsOptionsIsRefused() {
        WasiGuest guest = wasiGuest(stdioOptions(), null, null);

        HibernationException e = assertThrows(
                HibernationException.class,
                () -> Hibernation.write(guest.instance(), WASI, dir.resolve("nowasi.snapshot")));

        assertEquals(Reason.REFUSED, e.reason());
        assertTrue(e.getMessage().contains("wasi_snapshot_preview1"), e.getMessage());
    }
}
