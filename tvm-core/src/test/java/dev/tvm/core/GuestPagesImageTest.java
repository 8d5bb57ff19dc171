package dev.tvm.core;

import static dev.tvm.core.GuestPagesOccupancyTest.load;
import static dev.tvm.core.GuestPagesOccupancyTest.store;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tvm.core.memory.ArenaBacking;
import dev.tvm.core.memory.ReservedBacking;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image pages of a guest memory ({@link GuestPages#mapImage}) against a reference: the value at
 * every address is the last one stored there, else the image's, else zero; whatever paging does
 * in between. Single-threaded; the creating thread is the sole occupant.
 */
class GuestPagesImageTest {
    private static final int PAGE = GuestPages.PAGE_SIZE;
    /** Pages 2..5 of the memory come from the image file, whose page k holds words 1000 * k + i. */
    private static final int IMAGE_FIRST = 2;

    private static final int IMAGE_PAGES = 4;

    @TempDir
    Path dir;

    private Path imageFile;
    private RegionDirectory directory;

    @BeforeEach
    void writeImage() throws IOException {
        assumeTrue(ReservedBacking.isSupported(), "file mappings need Linux");
        ByteBuffer bytes = ByteBuffer.allocate(4096 + IMAGE_PAGES * PAGE).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < IMAGE_PAGES; k++) {
            for (int i = 0; i < PAGE / 8; i++) {
                bytes.putLong(4096 + k * PAGE + i * 8, imageWord(k, i));
            }
        }
        imageFile = dir.resolve("image");
        Files.write(imageFile, bytes.array());
    }

    private static long imageWord(int k, int i) {
        return 1000L * (k + 1) + i;
    }

    /** What the memory holds at {@code at} if nothing was stored there. */
    private static long expected(long at) {
        int page = (int) (at / PAGE);
        if (page < IMAGE_FIRST || page >= IMAGE_FIRST + IMAGE_PAGES) {
            return 0;
        }
        return imageWord(page - IMAGE_FIRST, (int) (at % PAGE / 8));
    }

    @AfterEach
    void close() {
        if (directory != null) {
            directory.close();
        }
    }

    private GuestPages mapped(long budget) {
        directory = RegionDirectory.builder()
                .withResidentBudget(budget)
                .withSpillDirectory(dir)
                .build();
        GuestPages pages = directory.createGuestMemory("m", 16L * PAGE);
        try (ReservedBacking.ReadOnlyFile file = ReservedBacking.ReadOnlyFile.open(imageFile)) {
            pages.mapImage(file, 4096, (long) IMAGE_FIRST * PAGE, (long) IMAGE_PAGES * PAGE);
        }
        return pages;
    }

    @Test
    void imagePagesReadTheFileWithoutBudgetAndAStoreMakesOnePageResident() {
        GuestPages pages = mapped(4L << 20);
        assertEquals((long) IMAGE_PAGES * PAGE, pages.imageBytes());
        for (long at = 0; at < 8L * PAGE; at += 4104) {
            assertEquals(expected(at & -8L), load(pages, at & -8L), "at " + at);
        }
        assertEquals(0, pages.region().info().residentBytes(), "loads cost no budget");
        store(pages, 3L * PAGE + 64, -1);
        assertEquals(PAGE, pages.region().info().residentBytes(), "the stored-to page only");
        assertEquals(-1, load(pages, 3L * PAGE + 64));
        assertEquals(expected(3L * PAGE + 72), load(pages, 3L * PAGE + 72), "the rest of the page is the image's");
    }

    @Test
    void aWrittenImagePageSpillsWithItsStoreAndComesBack() {
        GuestPages pages = mapped(4L << 20);
        store(pages, 4L * PAGE + 800, 77);
        pages.region().spill();
        assertEquals(PAGE, pages.region().info().spilledBytes(), "the written page went to the spill file");
        assertEquals(0, pages.region().info().residentBytes());
        assertEquals(77, load(pages, 4L * PAGE + 800), "faulted back with its store");
        assertEquals(expected(4L * PAGE + 808), load(pages, 4L * PAGE + 808));
        assertEquals(expected(5L * PAGE), load(pages, 5L * PAGE), "unwritten image pages never leave");
    }

    @Test
    void discardingImagePagesMakesThemZero() {
        GuestPages pages = mapped(4L << 20);
        store(pages, 2L * PAGE, 5);
        pages.discard(2L * PAGE, 2L * PAGE);
        assertEquals(0, load(pages, 2L * PAGE));
        assertEquals(0, load(pages, 3L * PAGE + 8), "not the image: a grown page must be zero");
        assertEquals(expected(4L * PAGE + 8), load(pages, 4L * PAGE + 8), "outside the discarded range");
        assertEquals(2L * PAGE, pages.imageBytes());
    }

    /** Random stores and loads over image and plain pages, the memory spilled now and then, against the reference. */
    @Test
    void storesAndSpillsMatchTheReference() {
        GuestPages pages = mapped(4L << 20);
        long[] model = new long[8 * PAGE / 8];
        for (int w = 0; w < model.length; w++) {
            model[w] = expected(w * 8L);
        }
        java.util.Random random = new java.util.Random(13);
        for (int step = 0; step < 20_000; step++) {
            int w = random.nextInt(model.length);
            if (random.nextBoolean()) {
                long value = random.nextLong();
                store(pages, w * 8L, value);
                model[w] = value;
            } else {
                assertEquals(model[w], load(pages, w * 8L), "word " + w + " at step " + step);
            }
            if (step % 2_000 == 0) {
                pages.region().spill();
            }
        }
        for (int w = 0; w < model.length; w++) {
            assertEquals(model[w], load(pages, w * 8L), "word " + w);
        }
    }

    @Test
    void anImageMapsOnlyOverFreshPagesOfAReservedMemory() {
        GuestPages pages = mapped(4L << 20);
        store(pages, 8L * PAGE, 1);
        try (ReservedBacking.ReadOnlyFile file = ReservedBacking.ReadOnlyFile.open(imageFile)) {
            assertThrows(IllegalArgumentException.class, () -> pages.mapImage(file, 4096, 8L * PAGE, PAGE));
            assertThrows(IllegalArgumentException.class, () -> pages.mapImage(file, 4096, 9L * PAGE + 8, PAGE));
            assertThrows(IllegalArgumentException.class, () -> pages.mapImage(file, 4096, 15L * PAGE, 2L * PAGE));
        }
        try (RegionDirectory eager = RegionDirectory.builder()
                .withBackingFactory(ArenaBacking::allocate)
                .build()) {
            GuestPages arena = eager.createGuestMemory("a", 4L * PAGE);
            assertFalse(arena.canMapImages());
            try (ReservedBacking.ReadOnlyFile file = ReservedBacking.ReadOnlyFile.open(imageFile)) {
                assertThrows(UnsupportedOperationException.class, () -> arena.mapImage(file, 4096, 0, PAGE));
            }
        }
        assertTrue(pages.canMapImages());
    }
}
