package dev.tvm.cli;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TenantQuota;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionInfo;
import dev.tvm.core.RegionStats;
import dev.tvm.core.ResidencyStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tvm demo}: the bundled guest builds a working set across several regions of different
 * kinds through the raw path, reads every byte back and verifies it. The guest does the work
 * (pattern generation, alloc, write, read, compare); the host only drives it chunk by chunk to
 * draw progress.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Build a working set across regions from a guest and verify every byte.",
            "By default 4.5 GiB over 6 regions of different kinds, under a 1 GiB resident budget."
        })
final class DemoCommand implements Callable<Integer> {
    static final long BLOCK = 64 * 1024;
    /** Blocks per guest call: 16 MiB, so progress moves smoothly and calls stay cheap. */
    private static final int CHUNK_BLOCKS = 256;

    private static final long MAX_PER_REGION = 1L << 32;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--size",
            defaultValue = "4.5g",
            paramLabel = "SIZE",
            description = "Working set, e.g. 512m, 4.5g, 8g (default: ${DEFAULT-VALUE}).")
    String sizeText;

    @Option(
            names = "--regions",
            defaultValue = "6",
            description = "Regions to spread it over, 1..16 (default: ${DEFAULT-VALUE}).")
    int regions;

    @Option(
            names = "--budget",
            defaultValue = "1g",
            paramLabel = "SIZE",
            description = {
                "Resident budget: at most this much region memory stays in RAM, colder pages spill",
                "to disk (default: ${DEFAULT-VALUE}; 'none' keeps everything resident)."
            })
    String budgetText;

    @Option(
            names = "--spill-dir",
            paramLabel = "DIR",
            description = "Where the spill file goes (default: the system temp directory).")
    Path spillDir;

    @Option(
            names = "--engine",
            defaultValue = "compiler",
            description = "Chicory engine: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Engine engine;

    @Option(
            names = "--metrics",
            description = "At the end, print the directory and per-region metrics (tvm-micrometer).")
    boolean metrics;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long size = Sizes.parse(sizeText);
        if (regions < 1 || regions > 16) {
            err.println("tvm demo: --regions must be 1..16, was " + regions);
            return 2;
        }
        long perRegion = (size / regions) & -BLOCK;
        if (perRegion < BLOCK || perRegion > MAX_PER_REGION) {
            err.println("tvm demo: " + Sizes.format(size) + " over " + regions + " regions gives "
                    + Sizes.format(perRegion) + " per region; each region holds 64 KiB to 4 GiB");
            return 2;
        }
        long budget = budgetText.equalsIgnoreCase("none") ? 0 : Sizes.parse(budgetText);
        if (budget != 0 && budget < (4L << 20)) {
            err.println("tvm demo: --budget must be at least 4m, or 'none'");
            return 2;
        }
        int blocks = (int) (perRegion / BLOCK);
        long total = perRegion * regions;
        out.printf(
                Locale.ROOT,
                "tvm demo: %s working set across %d regions (%s each, 64 KiB blocks), %s, engine %s%n",
                Sizes.format(total),
                regions,
                Sizes.format(perRegion),
                budget == 0 ? "no resident budget" : "resident budget " + Sizes.format(budget),
                engine.name().toLowerCase(Locale.ROOT));
        out.flush();

        boolean interactive = System.console() != null;
        RegionDirectory.Builder builder = RegionDirectory.builder();
        if (budget != 0) {
            builder.withResidentBudget(budget);
            if (spillDir != null) {
                builder.withSpillDirectory(spillDir);
            }
        }
        try (RegionDirectory directory = builder.build();
                TvmGuest guest = TvmGuest.builder(loadGuest(), directory)
                        .withEngine(engine)
                        // our own guest, alone in its directory: --size alone bounds it
                        .withQuota(TenantQuota.UNLIMITED)
                        .build()) {
            check(guest.call("demo_init", regions, perRegion)[0], "demo_init", guest);

            var fill = guest.function("demo_fill");
            ProgressBar writing = new ProgressBar(err, "write", total, interactive);
            for (int first = 0; first < blocks; first += CHUNK_BLOCKS) {
                int n = Math.min(CHUNK_BLOCKS, blocks - first);
                for (int r = 0; r < regions; r++) {
                    writing.advance(check(fill.apply(r, first, n)[0], "demo_fill", guest));
                }
            }
            writing.finish();
            printResidency(err, directory, "after write");

            var verify = guest.function("demo_verify");
            ProgressBar reading = new ProgressBar(err, "verify", total, interactive);
            long verified = 0;
            // Walk the regions in the opposite order and interleaved, so reads hop between regions.
            for (int first = 0; first < blocks; first += CHUNK_BLOCKS) {
                int n = Math.min(CHUNK_BLOCKS, blocks - first);
                for (int r = regions - 1; r >= 0; r--) {
                    long bytes = verify.apply(r, first, n)[0];
                    if (bytes == -1000) {
                        long bad = guest.call("demo_bad_block")[0];
                        err.println("tvm demo: MISMATCH in region " + r + " block " + bad);
                        return 1;
                    }
                    check(bytes, "demo_verify", guest);
                    verified += bytes;
                    reading.advance(bytes);
                }
            }
            reading.finish();
            printResidency(err, directory, "after verify");

            printTable(out, directory);
            if (metrics) {
                MetricsReport.print(out, directory);
            }
            ResidencyStats residency = directory.residencyStats();
            out.printf(
                    Locale.ROOT,
                    "verified: %d bytes (%s) across %d regions%s%n",
                    verified,
                    Sizes.format(verified),
                    regions,
                    residency == null
                            ? ""
                            : ", peak resident " + Sizes.format(residency.peakResidentBytes()) + " (budget "
                                    + Sizes.format(residency.budgetBytes()) + ")");
            out.flush();
            return verified == total ? 0 : 1;
        }
    }

    private static WasmModule loadGuest() throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("/guests/demo.wasm")) {
            if (in == null) {
                throw new IOException("demo.wasm is missing from the tvm jar; rebuild with ./tvm --rebuild");
            }
            return Parser.parse(in);
        }
    }

    private static long check(long result, String what, TvmGuest guest) {
        if (result < 0) {
            ErrorCode code = ErrorCode.fromCode((int) result);
            throw new IllegalStateException(what + " failed with " + result + (code != null ? " (" + code + ")" : "")
                    + "; last error " + guest.tvm().lastError());
        }
        return result;
    }

    private static void printResidency(PrintWriter err, RegionDirectory directory, String when) {
        ResidencyStats r = directory.residencyStats();
        if (r == null) {
            return;
        }
        err.printf(
                Locale.ROOT,
                "residency %s: %s resident (peak %s, budget %s); spilled %s in %d batches, faulted %s in %d faults%n",
                when,
                Sizes.format(r.residentBytes()),
                Sizes.format(r.peakResidentBytes()),
                Sizes.format(r.budgetBytes()),
                Sizes.format(r.bytesSpilled()),
                r.spills(),
                Sizes.format(r.bytesFaulted()),
                r.faults());
        err.flush();
    }

    static void printTable(PrintWriter out, RegionDirectory directory) {
        String format = "%-6s %-13s %-10s %-5s %9s %11s %11s %11s %11s %11s %8s%n";
        out.printf(
                Locale.ROOT,
                format,
                "region",
                "kind",
                "allocator",
                "tier",
                "allocs",
                "live",
                "resident",
                "spilled",
                "written",
                "read",
                "refused");
        for (RegionInfo info : directory.list()) {
            RegionStats s = info.stats();
            out.printf(
                    Locale.ROOT,
                    format,
                    info.id(),
                    info.kind(),
                    info.allocator(),
                    info.tier(),
                    s.allocations(),
                    Sizes.format(s.liveBytes()),
                    Sizes.format(info.residentBytes()),
                    Sizes.format(info.spilledBytes()),
                    Sizes.format(s.bytesWritten()),
                    Sizes.format(s.bytesRead()),
                    s.totalFailures());
        }
    }
}
