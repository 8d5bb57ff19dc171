package dev.tvm.chicory.guests13;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TestGuests;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.RegionDirectory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code guests/src/memfill.c}, a WASI command built with Debian clang and wasi-libc that mallocs
 * MIB MiB in 16 MiB chunks, writes every word and verifies it: it grows memory 0 step by step and
 * prints a checksum the test recomputes from {@link GuestMix}.
 */
class MemfillGuestTest {
    private static final Pattern REPORT = Pattern.compile(
            "memfill: (\\d+) MiB in (\\d+) chunks, (\\d+) words verified, checksum 0x([0-9a-f]{16}), memory 0 (\\d+) pages\n");
    private static final long MIB = 1 << 20;
    private static final int PAGE = 65536;

    private static WasmModule memfill() {
        return TestGuests.module("memfill.wasm");
    }

    /** The checksum memfill prints for {@code mib} MiB: the fold of word(0..words-1). */
    private static long expectedChecksum(int mib) {
        long words = mib * MIB / Long.BYTES;
        long c = GuestMix.FOLD_START;
        for (long i = 0; i < words; i++) {
            c = GuestMix.fold(c, GuestMix.word(i));
        }
        return c;
    }

    private static void assertVerified(WasiRun.Exit exit, int mib) {
        assertEquals(0, exit.code(), () -> "exit code; stderr: " + exit.stderr());
        assertEquals("", exit.stderr());
        Matcher m = REPORT.matcher(exit.stdout());
        assertTrue(m.matches(), () -> "unexpected output: " + exit.stdout());
        assertEquals(mib, Integer.parseInt(m.group(1)));
        assertEquals((mib + 15) / 16, Integer.parseInt(m.group(2)), "16 MiB chunks");
        assertEquals(mib * MIB / Long.BYTES, Long.parseLong(m.group(3)), "every word verified");
        assertEquals(expectedChecksum(mib), Long.parseUnsignedLong(m.group(4), 16), "checksum");
        int pages = Integer.parseInt(m.group(5));
        assertEquals(exit.pages(), pages, "the guest's memory.size is the host's view of memory 0");
        // memory 0 grew to hold the chunks plus malloc's headers, not far beyond
        assertTrue((long) pages * PAGE >= mib * MIB, "memory 0 holds all chunks: " + pages + " pages");
        assertTrue((long) pages * PAGE <= mib * MIB + 2 * MIB, "memory 0 is not much larger: " + pages + " pages");
    }

    @ParameterizedTest(name = "{0} {1} MiB")
    @CsvSource({"COMPILER, 64", "COMPILER, 17", "INTERPRETER, 8"})
    void fillsAndVerifiesEveryWordOnPlainChicory(Engine engine, int mib) {
        assertVerified(WasiRun.plainCommand(memfill(), engine, null, "memfill", Integer.toString(mib)), mib);
    }

    @Test
    void fillsAndVerifiesEveryWordInATvmGuest() {
        int mib = 64;
        WasiRun run = new WasiRun("memfill", Integer.toString(mib));
        try (RegionDirectory dir = RegionDirectory.builder().build();
                TvmGuest guest =
                        TvmGuest.builder(memfill(), dir).withWasi(run.options()).build()) {
            assertVerified(run.start(guest.instance()), mib);
        }
    }

    @Test
    void startsSmallAndMayGrowToChicorysCap() {
        var limits = memfill().memorySection().orElseThrow().getMemory(0).limits();
        assertTrue(limits.initialPages() <= 4, "starts at the stack and static data: " + limits.initialPages());
        assertEquals(Memory.RUNTIME_MAX_PAGES, limits.maximumPages(), "2 GiB - 64 KiB, Chicory's cap");
    }

    @Test
    void mallocFailureExitsWith2AndSaysHowFarItGot() {
        // memory 0 capped at 16 MiB: the first 16 MiB chunk cannot fit beside the stack and data
        WasiRun.Exit exit = WasiRun.plainCommand(memfill(), Engine.COMPILER, new MemoryLimits(2, 256), "memfill", "64");
        assertEquals(2, exit.code(), exit::stderr);
        assertEquals("", exit.stdout());
        assertTrue(
                exit.stderr().matches("memfill: out of memory after 0 of 64 MiB \\(memory 0 at \\d+ pages\\)\n"),
                exit::stderr);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "2048", "-1", "12x", ""})
    void badSizeExitsWith3AndPrintsTheUsage(String arg) {
        WasiRun.Exit exit = WasiRun.plainCommand(memfill(), Engine.INTERPRETER, null, "memfill", arg);
        assertEquals(3, exit.code(), exit::stderr);
        assertEquals("", exit.stdout());
        assertTrue(exit.stderr().startsWith("memfill: bad argument " + arg + "\nusage: memfill [MIB]"), exit::stderr);
    }

    @Test
    void moreThanOneArgumentIsRefused() {
        WasiRun.Exit exit = WasiRun.plainCommand(memfill(), Engine.INTERPRETER, null, "memfill", "1", "2");
        assertEquals(3, exit.code());
        assertTrue(exit.stderr().startsWith("memfill: bad arguments\nusage:"), exit::stderr);
    }
}
