package dev.tvm.core.spill;

import static dev.tvm.core.spill.SpillTestSupport.assertReadsBack;
import static dev.tvm.core.spill.SpillTestSupport.assertSameBytes;
import static dev.tvm.core.spill.SpillTestSupport.assertSpill;
import static dev.tvm.core.spill.SpillTestSupport.flipByte;
import static dev.tvm.core.spill.SpillTestSupport.random;
import static dev.tvm.core.spill.SpillTestSupport.truncate;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.TvmException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpillFileTest {
    private static final int SMALL = 4096;
    private static final int PAGE = SpillFile.DEFAULT_PAGE_SIZE;

    @TempDir
    Path dir;

    @Test
    void singlePageRoundTrip() {
        try (SpillFile file = SpillFile.create(dir.resolve("s"), SMALL);
                Arena arena = Arena.ofConfined()) {
            MemorySegment page = random(arena, SMALL, 1);
            long slot = file.allocateRun(1);
            assertEquals(0, slot);
            int[] crcs = file.writeRun(slot, page);
            assertArrayEquals(file.checksums(page), crcs);
            CRC32C reference = new CRC32C();
            reference.update(page.toArray(ValueLayout.JAVA_BYTE));
            assertEquals((int) reference.getValue(), crcs[0], "plain CRC32C of the page");
            assertReadsBack(file, slot, page, crcs);
            assertEquals(SMALL * 2L, file.stats().fileSize(), "header block + one slot");
        }
    }

    @Test
    void longRunsRoundTripWithOneCallEachWay() {
        try (SpillFile file = SpillFile.create(dir.resolve("s"), PAGE);
                Arena arena = Arena.ofConfined()) {
            MemorySegment a = random(arena, 64L * PAGE, 2); // 4 MiB, off heap
            MemorySegment b = MemorySegment.ofArray(new byte[5 * PAGE]); // on heap
            SpillTestSupport.fill(b, 3);
            long first = file.allocateRun(64);
            SpillStats before = file.stats();
            int[] crcs = file.writeRun(first, a);
            SpillStats after = file.stats();
            assertEquals(1, after.writeCalls() - before.writeCalls(), "one positional write for 64 pages");
            assertEquals(64L * PAGE, after.bytesWritten() - before.bytesWritten());
            SpillRun heapRun = file.spill(b);
            assertEquals(64, heapRun.firstSlot());

            MemorySegment back = arena.allocate(64L * PAGE, 64);
            before = file.stats();
            file.readRun(first, back, crcs, 0, "run a");
            after = file.stats();
            assertEquals(1, after.readCalls() - before.readCalls(), "one positional read for 64 pages");
            assertSameBytes(a, back);
            // a sub-run reads back on its own, with the matching slice of the checksums
            MemorySegment middle = arena.allocate(3L * PAGE);
            file.readRun(first + 10, middle, crcs, 10, "pages 10..12 of run a");
            assertSameBytes(a.asSlice(10L * PAGE, 3L * PAGE), middle);
            byte[] heapBack = new byte[5 * PAGE];
            file.readRun(heapRun.firstSlot(), MemorySegment.ofArray(heapBack), heapRun.crcs(), 0, "run b");
            assertSameBytes(b, MemorySegment.ofArray(heapBack));
        }
    }

    @Test
    void freedSlotsAreReusedBeforeTheFileGrows() {
        try (SpillFile file = SpillFile.create(dir.resolve("s"), SMALL);
                Arena arena = Arena.ofConfined()) {
            SpillRun a = file.spill(random(arena, 4L * SMALL, 10));
            SpillRun b = file.spill(random(arena, 4L * SMALL, 11));
            MemorySegment cBytes = random(arena, 4L * SMALL, 12);
            SpillRun c = file.spill(cBytes);
            assertEquals(List.of(0L, 4L, 8L), List.of(a.firstSlot(), b.firstSlot(), c.firstSlot()));
            long size = file.stats().fileSize();

            file.freeRun(b.firstSlot(), 4);
            SpillStats s = file.stats();
            assertEquals(8, s.slotsInUse());
            assertEquals(4, s.freeSlots());
            assertEquals(1, s.freeRuns());
            // first fit: the hole left by b, in two pieces
            MemorySegment d = random(arena, 2L * SMALL, 13);
            assertEquals(4, file.spill(d).firstSlot());
            assertEquals(6, file.spill(random(arena, 2L * SMALL, 14)).firstSlot());
            assertEquals(size, file.stats().fileSize(), "reuse did not grow the file");
            // a and the rest coalesce into one run of 4 + (nothing), c stays intact
            file.freeRun(a.firstSlot(), 4);
            assertEquals(0, file.spill(random(arena, 3L * SMALL, 15)).firstSlot());
            assertReadsBack(file, c.firstSlot(), cBytes, c.crcs());

            // churn: spilling and freeing the same amount over and over keeps the file bounded
            for (int i = 0; i < 200; i++) {
                SpillRun r = file.spill(random(arena, (1 + i % 5) * (long) SMALL, i));
                file.freeRun(r.firstSlot(), r.pages());
            }
            assertTrue(
                    file.stats().slotCount() <= 17, "slot count " + file.stats().slotCount());
        }
    }

    @Test
    void queueCoalesces256PagesIntoOneWrite() {
        try (SpillFile file = SpillFile.create(dir.resolve("s"), PAGE);
                Arena arena = Arena.ofConfined()) {
            file.spill(random(arena, PAGE, 99)); // slot 0 taken: the batch does not start at 0
            SpillQueue queue = file.newQueue();
            assertEquals(0, queue.flush().pages(), "an empty flush writes nothing");
            List<MemorySegment> pages = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                // separate allocations, scattered in memory, as cold pages of different regions are
                MemorySegment p = random(arena, PAGE, 1000 + i);
                arena.allocate(4096); // a gap between pages
                pages.add(p);
                assertEquals(i, queue.submit(p));
            }
            assertEquals(256, queue.pending());
            SpillStats before = file.stats();
            SpillRun run = queue.flush();
            SpillStats after = file.stats();
            assertEquals(1, after.writeCalls() - before.writeCalls(), "256 queued pages, one gathering write");
            assertEquals(256L * PAGE, after.bytesWritten() - before.bytesWritten());
            assertEquals(0, queue.pending());
            assertEquals(256, run.pages());
            assertEquals(1, run.firstSlot());
            for (int i = 0; i < 256; i++) {
                assertEquals(1 + i, run.slot(i));
                assertEquals(file.checksums(pages.get(i))[0], run.crc(i));
            }
            // the batch is contiguous, so it also comes back with one read
            MemorySegment back = arena.allocate(256L * PAGE, 64);
            before = file.stats();
            file.readRun(run.firstSlot(), back, run.crcs(), 0, i -> "queued page " + i);
            assertEquals(1, file.stats().readCalls() - before.readCalls());
            for (int i = 0; i < 256; i++) {
                assertSameBytes(pages.get(i), back.asSlice((long) i * PAGE, PAGE));
            }
            // each page can be freed on its own
            file.freeRun(run.slot(7), 1);
            assertEquals(7 + 1, file.allocateRun(1));
            assertThrows(TvmException.InvalidArgumentException.class, () -> queue.submit(arena.allocate(PAGE - 1)));
        }
    }

    @Test
    void aFlippedPayloadByteIsReportedWithThePageSlotAndOffset() throws IOException {
        Path path = dir.resolve("s");
        try (SpillFile file = SpillFile.create(path, SMALL);
                Arena arena = Arena.ofConfined()) {
            file.spill(random(arena, SMALL, 5));
            MemorySegment src = random(arena, 3L * SMALL, 6);
            SpillRun run = file.spill(src); // slots 1..3
            long offset = file.slotOffset(run.slot(1)) + 100;
            flipByte(path, offset);

            MemorySegment dst = arena.allocate(3L * SMALL);
            var e = assertSpill(
                    ErrorCode.SPILL_CORRUPT,
                    () -> file.readRun(run.firstSlot(), dst, run.crcs(), 0, i -> "region 3 gen 1 page " + (16 + i)));
            assertTrue(e.getMessage().contains("region 3 gen 1 page 17"), e.getMessage());
            assertTrue(e.getMessage().contains("slot 2"), e.getMessage());
            assertTrue(e.getMessage().contains("file offset " + (offset - 100)), e.getMessage());
            assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
            // with a plain name, a single page is named as given
            MemorySegment one = arena.allocate(SMALL);
            var single = assertSpill(
                    ErrorCode.SPILL_CORRUPT,
                    () -> file.readRun(run.slot(1), one, run.crcs(), 1, "region 3 gen 1 page 17"));
            assertTrue(
                    single.getMessage().contains("checksum mismatch in region 3 gen 1 page 17 (slot 2"),
                    single.getMessage());
            // the neighbours are intact
            file.readRun(run.slot(0), one, run.crcs(), 0, "page 16");
            assertSameBytes(src.asSlice(0, SMALL), one);
            file.readRun(run.slot(2), one, run.crcs(), 2, "page 18");
            assertEquals(2, file.stats().corruptions());
        }
    }

    @Test
    void aTruncatedFileIsReportedAsTruncated() throws IOException {
        Path path = dir.resolve("s");
        try (SpillFile file = SpillFile.create(path, SMALL);
                Arena arena = Arena.ofConfined()) {
            SpillRun run = file.spill(random(arena, 4L * SMALL, 7));
            truncate(path, file.slotOffset(2) + SMALL / 2); // slot 2 half there, slot 3 gone
            MemorySegment dst = arena.allocate(4L * SMALL);
            var e = assertSpill(
                    ErrorCode.SPILL_CORRUPT,
                    () -> file.readRun(0, dst, run.crcs(), 0, i -> "region 1 gen 1 page " + i));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            assertTrue(e.getMessage().contains("region 1 gen 1 page 2 (slot 2"), e.getMessage());
            var mapped = assertSpill(ErrorCode.SPILL_CORRUPT, () -> file.mapRun(0, 4, arena, true));
            assertTrue(mapped.getMessage().contains("truncated"), mapped.getMessage());
            // the pages before the cut still read back
            file.readRun(0, dst.asSlice(0, 2L * SMALL), run.crcs(), 0, "pages 0..1");
        }
    }

    @Test
    void metadataSurvivesCloseAndOpen() throws IOException {
        Path path = dir.resolve("s");
        Map<Long, int[]> table = new LinkedHashMap<>();
        Map<Long, MemorySegment> contents = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            long tailSlot;
            try (SpillFile file = SpillFile.create(path, SMALL)) {
                for (int i = 0; i < 6; i++) {
                    MemorySegment bytes = random(arena, (1 + i) * (long) SMALL, 20 + i);
                    SpillRun run = file.spill(bytes);
                    table.put(run.firstSlot(), run.crcs());
                    contents.put(run.firstSlot(), bytes);
                }
                // free one run in the middle and the last one: the trailer goes after the last used slot
                long middle = 1;
                file.freeRun(middle, table.remove(middle).length);
                contents.remove(middle);
                tailSlot = 15;
                file.freeRun(tailSlot, table.remove(tailSlot).length);
                contents.remove(tailSlot);
                file.writeMetadata(encode(table));
                assertEquals(15, file.stats().slotCount(), "the free tail was cut off");
                assertEquals(file.slotOffset(15) + encode(table).length + SpillFile.FOOTER_BYTES, Files.size(path));
            }
            try (SpillFile file = SpillFile.open(path)) {
                assertEquals(SMALL, file.pageSize());
                Map<Long, int[]> loaded = decode(file.metadata());
                assertEquals(table.keySet(), loaded.keySet());
                SpillStats s = file.stats();
                assertEquals(15, s.slotCount());
                assertEquals(0, s.slotsInUse(), "nothing is in use until the caller says so");
                for (Map.Entry<Long, int[]> e : loaded.entrySet()) {
                    file.markUsed(e.getKey(), e.getValue().length);
                }
                assertEquals(13, file.stats().slotsInUse());
                for (Map.Entry<Long, int[]> e : loaded.entrySet()) {
                    assertArrayEquals(table.get(e.getKey()), e.getValue());
                    assertReadsBack(file, e.getKey(), contents.get(e.getKey()), e.getValue());
                }
                // the hole at slots 1..2 is reused, then the file grows past the old trailer
                assertEquals(1, file.allocateRun(2));
                SpillRun grown = file.spill(random(arena, 3L * SMALL, 30));
                assertEquals(15, grown.firstSlot());
                // written after its snapshot and closed without a new one: not reopenable
            }
            var e = assertSpill(ErrorCode.SPILL_CORRUPT, () -> SpillFile.open(path));
            assertTrue(e.getMessage().contains("written to after its last snapshot"), e.getMessage());
        }
    }

    @Test
    void aFreshSnapshotReplacesTheOldTrailer() {
        Path path = dir.resolve("s");
        try (Arena arena = Arena.ofConfined()) {
            try (SpillFile file = SpillFile.create(path, SMALL)) {
                file.spill(random(arena, 2L * SMALL, 1));
                file.writeMetadata(new byte[] {1, 2, 3});
                file.spill(random(arena, 2L * SMALL, 2));
                file.writeMetadata(new byte[1000]);
                file.writeMetadata(new byte[] {9}); // twice in a row is fine too
            }
            try (SpillFile file = SpillFile.open(path)) {
                assertArrayEquals(new byte[] {9}, file.metadata());
                assertEquals(4, file.stats().slotCount());
            }
        }
    }

    @Test
    void damagedHeadersAndTrailersAreRefusedOnOpen() throws IOException {
        Path good = dir.resolve("good");
        int metaLength;
        try (SpillFile file = SpillFile.create(good, SMALL);
                Arena arena = Arena.ofConfined()) {
            file.spill(random(arena, 3L * SMALL, 1));
            byte[] meta = "page table".getBytes(StandardCharsets.UTF_8);
            metaLength = meta.length;
            file.writeMetadata(meta);
        }
        long size = Files.size(good);
        long metaOffset = SMALL * 4L;

        refuse(good, "bad", p -> flipByte(p, 0), "bad magic");
        refuse(good, "crc", p -> flipByte(p, 13), "header CRC32C mismatch");
        refuse(good, "version", p -> rewriteHeaderInt(p, 8, 2), "unsupported format version 2");
        refuse(good, "pagesize", p -> rewriteHeaderInt(p, 12, 5000), "invalid page size 5000");
        refuse(good, "flags", p -> rewriteHeaderInt(p, 16, 0x80 | SpillFile.FLAG_CLEAN), "unknown header flags");
        refuse(good, "meta", p -> flipByte(p, metaOffset + 3), "metadata CRC32C mismatch");
        refuse(good, "cut1", p -> truncate(p, size - 1), "truncated");
        refuse(good, "cutslots", p -> truncate(p, SMALL * 2L + 10), "truncated");
        refuse(good, "cutheader", p -> truncate(p, 10), "truncated");
        refuse(good, "empty", p -> truncate(p, 0), "truncated");
        refuse(good, "appended", p -> append(p, new byte[7]), "bad trailer magic");
        refuse(good, "footer", p -> flipByte(p, size - SpillFile.FOOTER_BYTES + 20), "damaged trailer");
        refuse(good, "shifted", p -> rewriteFooter(p, size, metaLength - 1), "damaged");
        // a file that was never snapshotted
        Path fresh = dir.resolve("fresh");
        SpillFile.create(fresh, SMALL).close();
        var e = assertSpill(ErrorCode.SPILL_CORRUPT, () -> SpillFile.open(fresh));
        assertTrue(e.getMessage().contains("never snapshotted"), e.getMessage());
        // no file at all is an I/O error, and nothing is created
        Path missing = dir.resolve("missing");
        assertSpill(ErrorCode.SPILL_IO_ERROR, () -> SpillFile.open(missing));
        assertTrue(Files.notExists(missing));
        // the original is still fine
        try (SpillFile file = SpillFile.open(good)) {
            assertEquals("page table", new String(file.metadata(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void mappedRunsShareTheSlotsAndNeedFreshChecksumsAfterWrites() {
        try (SpillFile file = SpillFile.create(dir.resolve("s"), SMALL);
                Arena arena = Arena.ofConfined()) {
            MemorySegment src = random(arena, 4L * SMALL, 8);
            SpillRun run = file.spill(src);
            try (Arena mapping = Arena.ofConfined()) {
                MemorySegment ro = file.mapRun(run.firstSlot(), 4, mapping, true);
                assertTrue(ro.isReadOnly());
                assertSameBytes(src, ro);
            }
            int[] fresh;
            try (Arena mapping = Arena.ofConfined()) {
                MemorySegment rw = file.mapRun(run.slot(1), 2, mapping, false);
                rw.set(ValueLayout.JAVA_BYTE, 5, (byte) ~rw.get(ValueLayout.JAVA_BYTE, 5));
                fresh = file.checksums(rw);
            }
            assertNotEquals(run.crc(1), fresh[0]);
            assertEquals(run.crc(2), fresh[1]);
            MemorySegment dst = arena.allocate(2L * SMALL);
            assertSpill(ErrorCode.SPILL_CORRUPT, () -> file.readRun(run.slot(1), dst, run.crcs(), 1, "page 1"));
            file.readRun(run.slot(1), dst, fresh, 0, "page 1, re-checksummed");
            assertEquals(src.get(ValueLayout.JAVA_BYTE, SMALL + 5), (byte) ~dst.get(ValueLayout.JAVA_BYTE, 5));
            assertEquals(2, file.stats().mapCalls());
            assertThrows(TvmException.InvalidArgumentException.class, () -> file.mapRun(4, 1, arena, true));
        }
    }

    @Test
    void trimGivesFreeTailSpaceBack() throws IOException {
        Path path = dir.resolve("s");
        try (SpillFile file = SpillFile.create(path, SMALL);
                Arena arena = Arena.ofConfined()) {
            SpillRun a = file.spill(random(arena, 2L * SMALL, 1));
            SpillRun b = file.spill(random(arena, 6L * SMALL, 2));
            assertEquals(9L * SMALL, Files.size(path));
            file.freeRun(b.firstSlot(), 6);
            assertEquals(6L * SMALL, file.trim());
            assertEquals(3L * SMALL, Files.size(path));
            assertEquals(2, file.stats().slotCount());
            assertEquals(0, file.trim());
            file.freeRun(a.firstSlot(), 2);
            file.trim();
            assertEquals(SMALL, Files.size(path), "just the header block");
        }
    }

    @Test
    void misuseIsRefused() {
        SpillFile file = SpillFile.create(dir.resolve("s"), SMALL);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = random(arena, SMALL, 1);
            Class<TvmException.InvalidArgumentException> invalid = TvmException.InvalidArgumentException.class;
            assertThrows(invalid, () -> file.writeRun(0, page), "slot 0 was never allocated");
            long slot = file.allocateRun(1);
            int[] crcs = file.writeRun(slot, page);
            assertThrows(invalid, () -> file.writeRun(slot, arena.allocate(SMALL + 1)), "not whole pages");
            assertThrows(invalid, () -> file.writeRun(slot, arena.allocate(2L * SMALL)), "beyond the run");
            assertThrows(invalid, () -> file.readRun(slot, arena.allocate(SMALL), crcs, 1, "x"), "crcs too short");
            assertThrows(invalid, () -> file.readRun(slot, page.asReadOnly(), crcs, 0, "x"), "read-only dst");
            assertThrows(invalid, () -> file.allocateRun(0));
            file.freeRun(slot, 1);
            assertThrows(invalid, () -> file.freeRun(slot, 1), "double free");
            assertThrows(invalid, () -> file.readRun(slot, arena.allocate(SMALL), crcs, 0, "x"), "use after free");
            assertThrows(invalid, () -> SpillFile.create(dir.resolve("t"), 3000));
            assertThrows(invalid, () -> SpillFile.create(dir.resolve("t"), 2048));
            file.close();
            file.close();
            TvmException closed = assertThrows(TvmException.class, () -> file.allocateRun(1));
            assertEquals(ErrorCode.CLOSED, closed.code());
            assertEquals(
                    ErrorCode.CLOSED,
                    assertThrows(TvmException.class, () -> file.writeMetadata(new byte[0]))
                            .code());
        }
    }

    @Test
    void errorCodesAreWiredThroughTvmException() {
        assertEquals(-16, ErrorCode.SPILL_IO_ERROR.code());
        assertEquals(-17, ErrorCode.SPILL_CORRUPT.code());
        assertEquals(ErrorCode.SPILL_CORRUPT, ErrorCode.fromCode(-17));
        assertTrue(TvmException.of(ErrorCode.SPILL_IO_ERROR, "x") instanceof TvmException.SpillException);
    }

    // ------------------------------------------------------------------ helpers

    interface FileEdit {
        void apply(Path p) throws IOException;
    }

    private void refuse(Path good, String name, FileEdit edit, String expected) throws IOException {
        Path copy = dir.resolve("copy-" + name);
        Files.copy(good, copy);
        edit.apply(copy);
        var e = assertSpill(ErrorCode.SPILL_CORRUPT, () -> SpillFile.open(copy));
        assertTrue(e.getMessage().contains(expected), name + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(copy.toString()), e.getMessage());
    }

    /** Rewrites one header field and recomputes the header CRC, so only the field is wrong. */
    private static void rewriteHeaderInt(Path p, int offset, int value) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(SpillFile.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            h.putInt(offset, value);
            CRC32C crc = new CRC32C();
            crc.update(h.array(), 0, 20);
            h.putInt(20, (int) crc.getValue());
            ch.write(h.rewind(), 0);
        }
    }

    /** Rewrites the footer's metadata length, leaving the rest consistent-looking. */
    private static void rewriteFooter(Path p, long size, long metaLength) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, metaLength);
            ch.write(b, size - SpillFile.FOOTER_BYTES + 8);
        }
    }

    private static void append(Path p, byte[] bytes) throws IOException {
        Files.write(p, bytes, StandardOpenOption.APPEND);
    }

    private static byte[] encode(Map<Long, int[]> table) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(table.size());
            for (Map.Entry<Long, int[]> e : table.entrySet()) {
                out.writeLong(e.getKey());
                out.writeInt(e.getValue().length);
                for (int crc : e.getValue()) {
                    out.writeInt(crc);
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    private static Map<Long, int[]> decode(byte[] metadata) throws IOException {
        Map<Long, int[]> table = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(metadata))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                long slot = in.readLong();
                int[] crcs = new int[in.readInt()];
                for (int j = 0; j < crcs.length; j++) {
                    crcs[j] = in.readInt();
                }
                table.put(slot, crcs);
            }
        }
        return table;
    }
}
