package dev.tvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.Parser;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.RegionDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code tvm} command end to end, in-process, on the committed guest binaries. */
class CliTest {
    @Test
    void demoVerifiesEveryByteAndEndsWithTheVerifiedLine() {
        Cli.Result r = Cli.run("demo", "--size", "48m", "--regions", "6", "--budget", "none");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        String last = lines[lines.length - 1];
        assertEquals("verified: 50331648 bytes (48.00 MiB) across 6 regions", last);
        for (String kind : new String[] {"BLOB_ARENA", "PAGE_STORE", "HOT_HEAP", "OBJECT_ARENA", "SCRATCH"}) {
            assertTrue(r.out().contains(kind), "metrics table lists " + kind + ":\n" + r.out());
        }
        assertTrue(r.err().contains("verify"), "progress is drawn on stderr");
    }

    @Test
    void demoRunsUnderAResidentBudgetFarBelowItsWorkingSet(@TempDir Path spill) {
        Cli.Result r =
                Cli.run("demo", "--size", "96m", "--regions", "4", "--budget", "8m", "--spill-dir", spill.toString());
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("verified: 100663296 bytes (96.00 MiB) across 4 regions, peak resident "), last);
        long peak = Sizes.parse(
                last.replaceAll(".*peak resident ([0-9.]+ [KMG]iB).*", "$1").replace(" ", ""));
        assertTrue(peak <= (8L << 20) + (1L << 20), "peak resident " + peak + " within budget + slack");
        assertTrue(r.err().contains("spilled"), r.err());
        assertTrue(r.out().contains("COLD") || r.out().contains("HOT"), r.out());
    }

    @Test
    void demoRunsOnTheInterpreterToo() {
        Cli.Result r = Cli.run("demo", "--size", "2m", "--regions", "2", "--engine", "interpreter");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("verified: 2097152 bytes"), r.out());
    }

    @Test
    void demoRejectsImpossibleSizes() {
        assertEquals(2, Cli.run("demo", "--size", "64k", "--regions", "4").exit());
        assertEquals(2, Cli.run("demo", "--size", "100g", "--regions", "2").exit());
        assertEquals(2, Cli.run("demo", "--regions", "17").exit());
    }

    @Test
    void runInvokesAnExportWithTypedArguments() {
        Cli.Result r = Cli.run("run", Cli.guest("fastpath.wasm").toString(), "--invoke", "selftest");
        assertEquals(0, r.exit(), r.err());
        assertEquals("0", r.out().strip());
        Cli.Result created =
                Cli.run("run", Cli.guest("fastpath.wasm").toString(), "--invoke", "abi_region_create", "2", "0", "0");
        assertEquals(0, created.exit(), created.err());
        assertTrue(Integer.parseInt(created.out().strip()) > 0, created.out());
        Cli.Result wrongArity = Cli.run("run", Cli.guest("fastpath.wasm").toString(), "--invoke", "abi_alloc", "1");
        assertEquals(2, wrongArity.exit());
        assertTrue(wrongArity.err().contains("takes 2 argument(s)"), wrongArity.err());
    }

    @Test
    void runGivesAWasiGuestTheTvmImports() {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Cli.Result r = Cli.run("run", Cli.guest("hello_wasi.wasm").toString());
            assertEquals(0, r.exit(), r.err());
        } finally {
            System.setOut(saved);
        }
        assertTrue(
                captured.toString(StandardCharsets.UTF_8).contains("tvm says:"),
                captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void runMetricsPrintsDirectoryTotalsAtGuestExit() {
        PrintStream saved = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        Cli.Result r;
        Cli.Result plain;
        try {
            r = Cli.run("run", "--metrics", Cli.guest("hello_wasi.wasm").toString());
            plain = Cli.run("run", Cli.guest("hello_wasi.wasm").toString());
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, r.exit(), r.err());
        // hello_wasi creates a HOT_HEAP region, stores and loads one i64, frees it, destroys the region;
        // its memory 0 is the other region created, and still live at exit.
        assertTrue(r.err().contains("metrics (tvm-micrometer):"), r.err());
        assertTrue(r.err().matches("(?s).*tvm\\.regions\\.creations +2\n.*"), r.err());
        assertTrue(r.err().matches("(?s).*tvm\\.regions\\.destructions +1\n.*"), r.err());
        assertTrue(r.err().matches("(?s).*tvm\\.allocations +1\n.*"), r.err());
        assertTrue(r.err().matches("(?s).*tvm\\.written +8 B\n.*"), r.err());
        assertTrue(r.err().matches("(?s).*tvm\\.read +8 B\n.*"), r.err());
        assertTrue(r.err().matches("(?s).*\n1 +wasm-memory-0 +BLOB_ARENA .*"), r.err());
        assertFalse(plain.err().contains("metrics"), "only when asked");
    }

    @Test
    void runMetricsListsTheRegionsAGuestLeftLive() {
        Cli.Result r = Cli.run(
                "run",
                Cli.guest("fastpath.wasm").toString(),
                "--metrics",
                "--invoke",
                "abi_region_create",
                "2",
                "0",
                "0");
        assertEquals(0, r.exit(), r.err());
        int id = Integer.parseInt(r.out().strip()) >>> 12; // a region reference: id above 12 generation bits
        String row = r.err()
                .lines()
                .filter(l -> l.startsWith(id + " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row for region " + id + ":\n" + r.err()));
        assertTrue(row.contains("BLOB_ARENA"), row);
        assertTrue(r.err().contains("region name"), "a table heading: " + r.err());
        assertTrue(r.err().matches("(?s).*tvm\\.regions\\.live +2\n.*"), r.err()); // and memory 0
    }

    /** Runs a guest with its WASI output (System.out) captured. */
    private static Cli.Result runGuest(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream guestOut = new ByteArrayOutputStream();
        System.setOut(new PrintStream(guestOut, true, StandardCharsets.UTF_8));
        try {
            Cli.Result r = Cli.run(args);
            return new Cli.Result(r.exit(), r.out() + guestOut.toString(StandardCharsets.UTF_8), r.err());
        } finally {
            System.setOut(saved);
        }
    }

    /**
     * An unmodified WASI guest (memfill: malloc 48 MiB, write and verify every word) runs under an
     * 8 MiB budget: its own memory 0 is paged, spilled and faulted back, and the metrics show it.
     */
    @Test
    void runPagesAGuestsOwnMemoryUnderTheBudget(@TempDir Path spill) {
        Cli.Result r = runGuest(
                "run",
                "--budget",
                "8m",
                "--spill-dir",
                spill.toString(),
                "--metrics",
                Cli.guest("memfill.wasm").toString(),
                "48");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("memfill: 48 MiB"), r.out());
        assertTrue(r.err().lines().anyMatch(l -> l.matches("\\d+ +wasm-memory-0 .*")), r.err());
        assertTrue(metricBytes(r.err(), "tvm.residency.spilled") > 0, r.err());
        assertTrue(metricBytes(r.err(), "tvm.residency.resident.peak") <= (8L << 20) + (256 << 10), r.err());
    }

    /** A byte metric as MetricsReport prints it ({@code name  12.50 MiB}). */
    private static long metricBytes(String report, String name) {
        String[] value = report.lines()
                .map(String::strip)
                .filter(l -> l.startsWith(name + " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in:\n" + report))
                .substring(name.length())
                .strip()
                .split(" ");
        int shift =
                switch (value[1]) {
                    case "KiB" -> 10;
                    case "MiB" -> 20;
                    case "GiB" -> 30;
                    default -> 0;
                };
        return (long) (Double.parseDouble(value[0]) * (1L << shift));
    }

    /** --max-memory: memory.grow past it returns -1, which the guest sees as malloc failing (its exit 2). */
    @Test
    void runMaxMemoryMakesGrowFailInsideTheGuest() {
        Cli.Result r =
                runGuest("run", "--max-memory", "16m", Cli.guest("memfill.wasm").toString(), "64");
        assertEquals(2, r.exit(), r.out() + r.err()); // memfill's own code for "out of memory"
        Cli.Result fits =
                runGuest("run", "--max-memory", "16m", Cli.guest("memfill.wasm").toString(), "8");
        assertEquals(0, fits.exit(), fits.err());
    }

    /**
     * --hibernate-to after one invocation, --resume in a later run: the guest continues with the
     * state it had (kvstore's checksum equals that of a guest that was never hibernated), and a
     * damaged snapshot or another module is one line and exit 2.
     */
    @Test
    void runHibernatesAGuestAndALaterRunResumesIt(@TempDir Path dir) throws Exception {
        Path snapshot = dir.resolve("kv.tvmh");
        String kv = Cli.guest("kvstore.wasm").toString();
        Cli.Result init =
                runGuest("run", kv, "--invoke", "kv_init", "--hibernate-to", snapshot.toString(), "1000", "7");
        assertEquals(0, init.exit(), init.err());
        assertEquals("1000", init.out().strip());
        Cli.Result resumed =
                runGuest("run", kv, "--budget", "4m", "--resume", snapshot.toString(), "--invoke", "kv_checksum");
        assertEquals(0, resumed.exit(), resumed.err());
        long expected;
        try (RegionDirectory directory = RegionDirectory.builder().build();
                TvmGuest fresh =
                        TvmGuest.builder(Parser.parse(Path.of(kv)), directory).build()) {
            fresh.call("_initialize");
            fresh.call("kv_init", 1000, 7);
            expected = fresh.call("kv_checksum")[0];
        }
        assertEquals(Long.toString(expected), resumed.out().strip());

        byte[] bytes = Files.readAllBytes(snapshot);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(snapshot, bytes);
        Cli.Result damaged = runGuest("run", kv, "--resume", snapshot.toString(), "--invoke", "kv_checksum");
        assertEquals(2, damaged.exit(), damaged.err());
        assertEquals(1, damaged.err().lines().count(), damaged.err());
        assertTrue(damaged.err().contains("--resume " + snapshot), damaged.err());

        Cli.Result again = runGuest("run", kv, "--invoke", "kv_init", "--hibernate-to", snapshot.toString(), "10", "1");
        assertEquals(0, again.exit(), again.err());
        Cli.Result foreign = runGuest("run", Cli.guest("memfill.wasm").toString(), "--resume", snapshot.toString());
        assertEquals(2, foreign.exit(), foreign.err());
        assertEquals(1, foreign.err().lines().count(), foreign.err());
    }

    @Test
    void runMaxMemoryBelowTheModulesInitialSizeIsAUsageError() {
        Cli.Result r =
                runGuest("run", "--max-memory", "64k", Cli.guest("memfill.wasm").toString(), "1");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("exceeds the limit") && r.err().contains("raise --max-memory"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void demoMetricsAddsResidencyFigures(@TempDir Path spill) {
        Cli.Result r = Cli.run(
                "demo",
                "--size",
                "24m",
                "--regions",
                "3",
                "--budget",
                "8m",
                "--spill-dir",
                spill.toString(),
                "--metrics");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("tvm.residency.budget"), r.out());
        assertTrue(r.out().matches("(?s).*tvm\\.residency\\.budget +8\\.00 MiB\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*tvm\\.regions\\.live +4\n.*"), r.out()); // and the guest's memory 0
        assertTrue(r.out().contains("tvm.residency.spills"), r.out());
        assertTrue(
                r.out().lines().reduce((a, b) -> b).orElse("").startsWith("verified: "),
                "the verified line stays last");
    }

    @Test
    void runReportsAMissingFile() {
        Cli.Result r = Cli.run("run", "no-such-guest.wasm");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no such file"), r.err());
    }

    @Test
    void sizesParseTheWayPeopleWriteThem() {
        assertEquals(4096, Sizes.parse("4096"));
        assertEquals(64 * 1024, Sizes.parse("64k"));
        assertEquals(512L << 20, Sizes.parse("512m"));
        assertEquals(512L << 20, Sizes.parse("512MiB"));
        assertEquals((long) (4.5 * (1L << 30)), Sizes.parse("4.5g"));
        assertEquals(8L << 30, Sizes.parse("8G"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("lots"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("-1m"));
        assertEquals("4.50 GiB", Sizes.format((long) (4.5 * (1L << 30))));
    }
}
