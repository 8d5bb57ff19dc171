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
import dev.tvm.core.TvmException;
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

    /** The progress bar being drawn, if any. */
    private ProgressBar active;

    @Option(
            names = "--size",
            defaultValue = "4.5g",
            paramLabel = "SIZE",
            converter = Sizes.Converter.class,
            description = "Working set, e.g. 512m, 4.5g, 8g (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(
            names = "--regions",
            defaultValue = "6",
            description = "Regions to spread it over, 1..16 (default: ${DEFAULT-VALUE}).")
    int regions;

    @Option(
            names = "--budget",
            defaultValue = "1g",
            paramLabel = "SIZE",
            converter = Sizes.BudgetConverter.class,
            description = {
                "Resident budget, at least 4m: at most this much region memory stays in RAM, colder",
                "pages spill to disk (default: ${DEFAULT-VALUE}; 'none' keeps everything resident)."
            })
    Long budget;

    @Option(
            names = "--spill-dir",
            paramLabel = "DIR",
            description = {
                "Where the spill file goes (default: the system temp directory). A missing directory",
                "is created if its parent exists."
            })
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
        if (regions < 1 || regions > 16) {
            throw CliError.usage("--regions " + regions, "out of range", "give 1 to 16 regions");
        }
        long perRegion = (size / regions) & -BLOCK;
        if (perRegion < BLOCK || perRegion > MAX_PER_REGION) {
            throw CliError.usage(
                    "--size " + Sizes.format(size) + " over " + regions + " regions",
                    Sizes.format(perRegion) + " per region, but each region holds 64 KiB to 4 GiB",
                    "change --size or --regions");
        }
        Path spill = budget == null ? null : SpillDirectory.resolve(spillDir);
        int blocks = (int) (perRegion / BLOCK);
        long total = perRegion * regions;
        out.printf(
                Locale.ROOT,
                "tvm demo: %s working set across %d regions (%s each, 64 KiB blocks), %s, engine %s%n",
                Sizes.format(total),
                regions,
                Sizes.format(perRegion),
                budget == null ? "no resident budget" : "resident budget " + Sizes.format(budget),
                engine.name().toLowerCase(Locale.ROOT));
        out.flush();

        boolean interactive = ProgressBar.terminal();
        RegionDirectory.Builder builder = RegionDirectory.builder();
        if (budget != null) {
            builder.withResidentBudget(budget).withSpillDirectory(spill);
        }
        try (RegionDirectory directory = SpillDirectory.build(builder, spillDir, spill);
                TvmGuest guest = TvmGuest.builder(loadGuest(), directory)
                        .withEngine(engine)
                        // our own guest, alone in its directory: --size alone bounds it
                        .withQuota(TenantQuota.UNLIMITED)
                        .build()) {
            check(guest.call("demo_init", regions, perRegion)[0], "demo_init", guest);

            var fill = guest.function("demo_fill");
            ProgressBar writing = new ProgressBar(err, "write", total, interactive);
            active = writing;
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
            active = reading;
            long verified = 0;
            // Walk the regions in the opposite order and interleaved, so reads hop between regions.
            for (int first = 0; first < blocks; first += CHUNK_BLOCKS) {
                int n = Math.min(CHUNK_BLOCKS, blocks - first);
                for (int r = regions - 1; r >= 0; r--) {
                    long bytes = verify.apply(r, first, n)[0];
                    if (bytes == -1000) {
                        long bad = guest.call("demo_bad_block")[0];
                        err.println("tvm demo: region " + r + " block " + bad + ": MISMATCH, a byte read back differs"
                                + " from the byte written; this is a bug in tvm: please report it");
                        return Exit.FAILED;
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
        } catch (RuntimeException e) {
            if (active != null) {
                active.abandon(); // the error line starts on a line of its own
            }
            throw e;
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

    /** {@code result} if it is not an error code; else a one-line failure with the guest's last host-side error. */
    private long check(long result, String what, TvmGuest guest) {
        if (result >= 0) {
            return result;
        }
        ErrorCode code = ErrorCode.fromCode((int) result);
        TvmException cause = guest.tvm().lastFailure();
        String problem = what + " failed with " + result + (code != null ? " (" + code + ")" : "")
                + (cause != null ? ": " + ErrorReporter.describe(cause) : "");
        if (cause != null && ErrorReporter.find(cause, IOException.class) != null) {
            throw new CliError(
                    Exit.IO,
                    SpillDirectory.input(spillDir),
                    problem,
                    problem.contains("free space") // the spill file's message already says what to do
                            ? ""
                            : "free space on that disk or point --spill-dir at one with more room",
                    cause);
        }
        if (code == ErrorCode.NO_MEMORY || code == ErrorCode.REGION_FULL) {
            throw new CliError(
                    Exit.RESOURCES, "--size " + Sizes.format(size), problem, "lower --size, or raise --budget", cause);
        }
        throw new CliError(
                Exit.INTERNAL, what, problem, "this is a bug in tvm: please report it with --verbose", cause);
    }

    private static void printResidency(PrintWriter err, RegionDirectory directory, String when) {
        ResidencyStats r = directory.residencyStats();
        if (r == null) {
            return;
        }
        err.printf(
                Locale.ROOT,
                "residency %s: %s resident (peak %s, budget %s); spilled %s in %d batches, faulted %s in %d"
                        + " faults, evicted %s clean (no write); spill file %s%n",
                when,
                Sizes.format(r.residentBytes()),
                Sizes.format(r.peakResidentBytes()),
                Sizes.format(r.budgetBytes()),
                Sizes.format(r.bytesSpilled()),
                r.spills(),
                Sizes.format(r.bytesFaulted()),
                r.faults(),
                Sizes.format(r.bytesEvictedClean()),
                Sizes.format(r.spillFileBytes()));
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
