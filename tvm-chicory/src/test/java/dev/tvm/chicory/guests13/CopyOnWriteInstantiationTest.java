package dev.tvm.chicory.guests13;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.GuestImage;
import dev.tvm.chicory.HibernationException;
import dev.tvm.chicory.TestGuests;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.GuestPages;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.ResidencyStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Copy-on-write instantiation ({@link GuestImage}, {@link TvmGuest.Builder#fromImage}) of {@code
 * cowimage.wasm}, whose memory 0 starts with an 8 MiB image: an instance is initialized (a word of
 * the image changed), hibernated, and many instances start from that snapshot by mapping it.
 */
class CopyOnWriteInstantiationTest {
    private static final int PAGE = 65536;
    /** Where the initializer writes, and what. */
    private static final int INIT_OFFSET = 8 * 1000;

    private static final int INIT_VALUE = 0x5eed;

    @TempDir
    Path dir;

    private static WasmModule cowimage() {
        return TestGuests.module("cowimage.wasm");
    }

    private static int word(TvmGuest guest, int offset) {
        return (int) guest.call("image_read", offset)[0];
    }

    /** Instantiates cowimage the ordinary way, runs the "initializer" and hibernates it. */
    private Path initializedImage(RegionDirectory directory, Engine engine) {
        Path file = dir.resolve("cowimage-" + engine + ".snapshot");
        try (TvmGuest first =
                TvmGuest.builder(cowimage(), directory).withEngine(engine).build()) {
            first.call("image_write", INIT_OFFSET, INIT_VALUE);
            first.hibernate(file, null);
        }
        return file;
    }

    private static RegionDirectory budgeted(long budget, Path spill) {
        return RegionDirectory.builder()
                .withResidentBudget(budget)
                .withSpillDirectory(spill)
                .build();
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void instancesStartWithTheInitializedStateAndKeepTheirWritesToThemselves(Engine engine) throws IOException {
        try (RegionDirectory directory = budgeted(64L << 20, Files.createDirectory(dir.resolve("spill")))) {
            Path file = initializedImage(directory, engine);
            try (GuestImage image = GuestImage.open(file)) {
                assertTrue(image.storedBytes() >= 8L << 20, "the 8 MiB image is stored: " + image.storedBytes());
                TvmGuest a = TvmGuest.builder(cowimage(), directory)
                        .withEngine(engine)
                        .fromImage(image);
                TvmGuest b = TvmGuest.builder(cowimage(), directory)
                        .withEngine(engine)
                        .fromImage(image);
                long initialized = a.call("image_sum")[0];
                assertEquals(initialized, b.call("image_sum")[0]);
                assertEquals(INIT_VALUE, word(a, INIT_OFFSET), "the initializer's write is in the image");

                a.call("image_write", 4096, 77);
                assertEquals(77, word(a, 4096));
                assertNotEquals(77, word(b, 4096), "a's write is a's alone");
                assertNotEquals(initialized, a.call("image_sum")[0]);
                assertEquals(initialized, b.call("image_sum")[0], "b still reads the image");
                a.close();
                b.close();
            }
        }
    }

    @Test
    void readingTheImageCostsNoBudgetAndAWriteCostsItsPageOnly() throws IOException {
        try (RegionDirectory directory = budgeted(64L << 20, Files.createDirectory(dir.resolve("spill")))) {
            Path file = initializedImage(directory, Engine.COMPILER);
            try (GuestImage image = GuestImage.open(file);
                    TvmGuest guest = TvmGuest.builder(cowimage(), directory).fromImage(image)) {
                GuestPages pages = guest.memoryRegions().get(0).guestPages();
                assertTrue(image.mapsPages(), "Linux maps images");
                assertTrue(pages.imageBytes() >= 8L << 20, "mapped: " + pages.imageBytes());
                guest.call("image_sum"); // reads all 8 MiB of the image
                long afterReads = guest.memoryRegions().get(0).info().residentBytes();
                assertTrue(
                        afterReads <= 2L * PAGE,
                        "reading the image leaves only the stack's pages counted: " + afterReads);
                for (int p = 0; p < 10; p++) {
                    guest.call("image_write", (3L + 12L * p) * PAGE, p); // ten pages of the image, 12 apart
                }
                long afterWrites = guest.memoryRegions().get(0).info().residentBytes();
                assertEquals(afterReads + 10L * PAGE, afterWrites, "each written page is counted once");
            }
        }
    }

    @Test
    void writtenImagePagesSpillAndComeBackWithTheirWritesUnderASmallBudget() throws IOException {
        try (RegionDirectory directory = budgeted(4L << 20, Files.createDirectory(dir.resolve("spill")))) {
            Path file = initializedImage(directory, Engine.COMPILER);
            try (GuestImage image = GuestImage.open(file);
                    TvmGuest guest = TvmGuest.builder(cowimage(), directory).fromImage(image)) {
                int words = 8 << 20 >> 2;
                // One write in every page of the image: 128 pages through a 64-page budget.
                for (int i = 0; i < words; i += PAGE / 4) {
                    guest.call("image_write", i * 4 + 12, i ^ 0x7777);
                }
                ResidencyStats stats = directory.residencyStats();
                assertTrue(stats.bytesSpilled() >= 100L * PAGE, "written image pages spilled: " + stats);
                for (int i = 0; i < words; i += PAGE / 4) {
                    assertEquals(i ^ 0x7777, word(guest, i * 4 + 12), "the write in page " + i / (PAGE / 4));
                    assertNotEquals(0, word(guest, i * 4 + 16), "the image around it");
                }
                assertEquals(INIT_VALUE, word(guest, INIT_OFFSET));
            }
        }
    }

    @Test
    void anInstanceFromAnImageHibernatesWithItsOwnWrites() throws IOException {
        try (RegionDirectory directory = budgeted(64L << 20, Files.createDirectory(dir.resolve("spill")))) {
            Path file = initializedImage(directory, Engine.COMPILER);
            Path again = dir.resolve("again.snapshot");
            long expected;
            try (GuestImage image = GuestImage.open(file);
                    TvmGuest guest = TvmGuest.builder(cowimage(), directory).fromImage(image)) {
                guest.call("image_write", 123_456, 42);
                expected = guest.call("image_sum")[0];
                guest.hibernate(again, null);
            }
            try (TvmGuest resumed =
                    TvmGuest.builder(cowimage(), directory).resume(dev.tvm.chicory.Hibernation.open(again))) {
                assertEquals(42, word(resumed, 123_456));
                assertEquals(INIT_VALUE, word(resumed, INIT_OFFSET));
                assertEquals(expected, resumed.call("image_sum")[0]);
            }
        }
    }

    @Test
    void residentMemoryOfAnIdleInstanceIsAtMostTheBytesItWrote() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/pagemap")), "needs Linux's /proc/self/pagemap");
        try (RegionDirectory directory = budgeted(256L << 20, Files.createDirectory(dir.resolve("spill")))) {
            Path file = initializedImage(directory, Engine.COMPILER);
            List<TvmGuest> guests = new ArrayList<>();
            try (GuestImage image = GuestImage.open(file)) {
                for (int i = 0; i < 20; i++) {
                    TvmGuest guest = TvmGuest.builder(cowimage(), directory).fromImage(image);
                    guests.add(guest);
                    guest.call("image_sum");
                    for (int k = 0; k < i % 4; k++) {
                        guest.call("image_write", (5L + 40L * k) * PAGE, i);
                    }
                }
                for (int i = 0; i < guests.size(); i++) {
                    TvmGuest guest = guests.get(i);
                    GuestPages pages = guest.memoryRegions().get(0).guestPages();
                    long counted = guest.memoryRegions().get(0).info().residentBytes();
                    long own = Smaps.privateBytes(
                            pages.segment().address(),
                            (long) guest.instance().memory().pages() * PAGE);
                    assertTrue(
                            own <= counted,
                            "instance " + i + ": " + own + " bytes of its own memory, within its " + counted
                                    + " written bytes");
                    assertTrue(
                            own >= (i % 4) * 4096L,
                            "instance " + i + ": each written page has at least its 4 KiB copy: " + own);
                    assertTrue(
                            counted <= (i % 4 + 2L) * PAGE,
                            "instance " + i + ": wrote " + i % 4 + " image pages and its stack: " + counted);
                }
            } finally {
                guests.forEach(TvmGuest::close);
            }
        }
    }

    @Test
    void aDamagedImageIsRefusedBeforeAnythingIsMapped() throws IOException {
        try (RegionDirectory directory = budgeted(64L << 20, Files.createDirectory(dir.resolve("spill")))) {
            Path file = initializedImage(directory, Engine.INTERPRETER);
            byte[] bytes = Files.readAllBytes(file);
            bytes[4096 + 5 * PAGE + 17] ^= 0x10; // a byte inside the sixth stored page
            Path damaged = dir.resolve("damaged.snapshot");
            Files.write(damaged, bytes);
            HibernationException e = assertThrows(HibernationException.class, () -> GuestImage.open(damaged));
            assertEquals(HibernationException.Reason.CORRUPT, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("fails its CRC32C"), e.getMessage());
        }
    }

    @Test
    void anImageOfAnotherModuleIsRefused() throws IOException {
        try (RegionDirectory directory = budgeted(64L << 20, Files.createDirectory(dir.resolve("spill")))) {
            Path file = initializedImage(directory, Engine.INTERPRETER);
            try (GuestImage image = GuestImage.open(file)) {
                HibernationException e = assertThrows(
                        HibernationException.class, () -> TvmGuest.builder(TestGuests.module("kvstore.wasm"), directory)
                                .fromImage(image));
                assertEquals(HibernationException.Reason.FOREIGN_MODULE, e.reason(), e.getMessage());
                assertTrue(directory.liveRegions().isEmpty(), "nothing is left: " + directory.list());
            }
        }
    }
}
