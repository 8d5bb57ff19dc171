package dev.tvm.core.spill;

import static dev.tvm.core.spill.SpillTestSupport.assertReadsBack;
import static dev.tvm.core.spill.SpillTestSupport.assertSpill;
import static dev.tvm.core.spill.SpillTestSupport.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.ErrorCode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpillFaultTest {
    private static final int SMALL = 4096;

    @TempDir
    Path dir;

    @Test
    void partialTransfersAreContinued() {
        FaultInjectingChannel.Faults faults = new FaultInjectingChannel.Faults();
        faults.maxBytesPerCall = 1000; // every read and write is short
        try (SpillFile file = SpillFile.create(dir.resolve("s"), SMALL, FaultInjectingChannel.factory(faults));
                Arena arena = Arena.ofConfined()) {
            MemorySegment src = random(arena, 8L * SMALL, 1);
            SpillRun run = file.spill(src);
            assertReadsBack(file, run.firstSlot(), src, run.crcs());
            SpillQueue queue = file.newQueue();
            List<MemorySegment> pages = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                pages.add(random(arena, SMALL, 10 + i));
                queue.submit(pages.get(i));
            }
            SpillRun batch = queue.flush();
            for (int i = 0; i < 5; i++) {
                assertReadsBack(file, batch.slot(i), pages.get(i), new int[] {batch.crc(i)});
            }
            SpillStats s = file.stats();
            assertTrue(s.writeCalls() >= (8 + 5) * SMALL / 1000, "short writes were continued: " + s);
            assertTrue(s.readCalls() >= (8 + 5) * SMALL / 1000, "short reads were continued: " + s);
        }
    }

    @Test
    void aFullDiskFailsTheWriteButNotTheFile() throws IOException {
        FaultInjectingChannel.Faults faults = new FaultInjectingChannel.Faults();
        Path path = dir.resolve("s");
        try (SpillFile file = SpillFile.create(path, SMALL, FaultInjectingChannel.factory(faults));
                Arena arena = Arena.ofConfined()) {
            MemorySegment early = random(arena, 3L * SMALL, 1);
            SpillRun earlyRun = file.spill(early); // slots 0..2
            long sizeBefore = Files.size(path);

            // the disk fills up 2.5 pages into a 4-page run: one short write, then ENOSPC
            faults.diskFullAfter(2L * SMALL + SMALL / 2);
            MemorySegment big = random(arena, 4L * SMALL, 2);
            var e = assertSpill(ErrorCode.SPILL_IO_ERROR, () -> file.spill(big));
            String m = e.getMessage();
            assertTrue(m.contains(path.toString()), m);
            assertTrue(m.contains("write of slots [3, 7)"), m);
            assertTrue(m.contains("file offset " + file.slotOffset(3)), m);
            assertTrue(m.contains("No space left on device"), m);
            assertTrue(e.getCause() instanceof IOException);

            SpillStats s = file.stats();
            assertEquals(3, s.slotsInUse(), "the failed run's slots were freed");
            assertEquals(3, s.slotCount(), "and cut off the end of the file");
            assertEquals(sizeBefore, Files.size(path), "the partial write's space was given back");
            assertEquals(1, s.ioErrors());
            assertReadsBack(file, earlyRun.firstSlot(), early, earlyRun.crcs());

            // the queue: a failed flush allocates nothing and keeps its pages
            SpillQueue queue = file.newQueue();
            for (int i = 0; i < 10; i++) {
                queue.submit(random(arena, SMALL, 100 + i));
            }
            faults.diskFullAfter(SMALL);
            var q = assertSpill(ErrorCode.SPILL_IO_ERROR, queue::flush);
            assertTrue(q.getMessage().contains("gathering write of 10 queued pages to slots [3, 13)"), q.getMessage());
            assertEquals(10, queue.pending());
            assertEquals(3, file.stats().slotsInUse());

            // a write into slots the caller allocated: they stay the caller's to free or retry
            long mine = file.allocateRun(2);
            faults.diskFullAfter(0);
            assertSpill(ErrorCode.SPILL_IO_ERROR, () -> file.writeRun(mine, random(arena, 2L * SMALL, 3)));
            assertEquals(5, file.stats().slotsInUse());

            // room again: everything works, and the retried flush lands where the failed one would have
            faults.diskHasRoom();
            MemorySegment retry = random(arena, 2L * SMALL, 4);
            assertReadsBack(file, mine, retry, file.writeRun(mine, retry));
            SpillRun batch = queue.flush();
            assertEquals(5, batch.firstSlot());
            SpillRun after = file.spill(big);
            assertReadsBack(file, after.firstSlot(), big, after.crcs());
            assertReadsBack(file, earlyRun.firstSlot(), early, earlyRun.crcs());
            assertEquals(3, file.stats().ioErrors());
        }
    }

    @Test
    void aFailingReadIsAnIoErrorAndTheFileRecovers() {
        FaultInjectingChannel.Faults faults = new FaultInjectingChannel.Faults();
        try (SpillFile file = SpillFile.create(dir.resolve("s"), SMALL, FaultInjectingChannel.factory(faults));
                Arena arena = Arena.ofConfined()) {
            MemorySegment src = random(arena, 2L * SMALL, 1);
            SpillRun run = file.spill(src);
            faults.readError = "Input/output error";
            MemorySegment dst = arena.allocate(2L * SMALL);
            var e = assertSpill(ErrorCode.SPILL_IO_ERROR, () -> file.readRun(run.firstSlot(), dst, run.crcs(), 0, "x"));
            assertTrue(e.getMessage().contains("read of slots [0, 2)"), e.getMessage());
            assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
            faults.readError = null;
            assertReadsBack(file, run.firstSlot(), src, run.crcs());
        }
    }

    @Test
    void anInterruptedThreadDoesNotBreakTheFileForOthers() {
        try (SpillFile file = SpillFile.create(dir.resolve("s"), SMALL);
                Arena arena = Arena.ofShared()) {
            MemorySegment src = random(arena, SMALL, 1);
            SpillRun run = file.spill(src);
            MemorySegment dst = arena.allocate(SMALL);
            Thread.currentThread().interrupt();
            try {
                // FileChannel closes itself for every thread when one is interrupted during I/O
                var e = assertSpill(
                        ErrorCode.SPILL_IO_ERROR, () -> file.readRun(run.firstSlot(), dst, run.crcs(), 0, "x"));
                assertTrue(e.getCause() instanceof ClosedByInterruptException, e.toString());
            } finally {
                assertTrue(Thread.interrupted());
            }
            // the failing operation reopened the channel
            assertReadsBack(file, run.firstSlot(), src, run.crcs());
            MemorySegment more = random(arena, SMALL, 2);
            SpillRun second = file.spill(more);
            assertReadsBack(file, second.firstSlot(), more, second.crcs());
        }
    }

    /** A real ENOSPC from a 1 MiB tmpfs (needs root and mount; skipped otherwise). */
    @Test
    void aRealFullFileSystem() throws Exception {
        Path mnt = Files.createDirectory(dir.resolve("tiny"));
        Assumptions.assumeTrue(
                run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString()),
                "cannot mount a 1 MiB tmpfs here (needs root and mount(8)); real ENOSPC test skipped");
        try {
            int page = SpillFile.DEFAULT_PAGE_SIZE;
            try (SpillFile file = SpillFile.create(mnt.resolve("spill"), page);
                    Arena arena = Arena.ofConfined()) {
                List<MemorySegment> written = new ArrayList<>();
                List<SpillRun> runs = new ArrayList<>();
                var full = assertSpill(ErrorCode.SPILL_IO_ERROR, () -> {
                    for (int i = 0; i < 64; i++) { // 64 * 64 KiB = 4 MiB > 1 MiB
                        MemorySegment p = random(arena, page, i);
                        runs.add(file.spill(p));
                        written.add(p);
                    }
                });
                assertTrue(full.getMessage().contains("No space left on device"), full.getMessage());
                int n = written.size();
                assertTrue(n >= 10 && n < 16, n + " pages fit in 1 MiB beside the 64 KiB header");
                SpillStats s = file.stats();
                assertEquals(n, s.slotsInUse());
                assertEquals(file.slotOffset(n), s.fileSize(), "the partial page was cut off again");
                for (int i = 0; i < n; i++) {
                    assertReadsBack(
                            file,
                            runs.get(i).firstSlot(),
                            written.get(i),
                            runs.get(i).crcs());
                }
                // freeing a page makes room for another, in the same slot
                file.freeRun(runs.get(3).firstSlot(), 1);
                MemorySegment again = random(arena, page, 1000);
                SpillRun reused = file.spill(again);
                assertEquals(3, reused.firstSlot());
                assertReadsBack(file, reused.firstSlot(), again, reused.crcs());
                // and the snapshot fits too once a page is given back
                file.freeRun(runs.get(n - 1).firstSlot(), 1);
                file.writeMetadata(new byte[] {42});
            }
            try (SpillFile file = SpillFile.open(mnt.resolve("spill"))) {
                assertEquals(42, file.metadata()[0]);
            }
        } finally {
            if (!run("umount", mnt.toString())) {
                run("umount", "-l", mnt.toString());
            }
        }
        assertFalse(Files.exists(mnt.resolve("spill")), "unmounted");
    }

    private static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
