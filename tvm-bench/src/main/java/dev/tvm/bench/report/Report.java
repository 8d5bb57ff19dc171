package dev.tvm.bench.report;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.report.ResultIndex.Best;
import dev.tvm.bench.report.ResultIndex.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns a {@link ResultsFile} into {@code report.md}: the run's facts, the best TVM variant per
 * class and size on every engine, the targets of issue 6 evaluated against the data, one table per
 * engine with every variant's time and ratio to M32, checksum agreement, and every missing cell with
 * its note. Ratios are time over the M32 time of the same engine, workload and size: below 1 is
 * faster than M32.
 */
public final class Report {
    private static final List<EngineId> M32_ENGINES =
            List.of(EngineId.CHICORY_COMPILER, EngineId.CHICORY_INTERPRETER, EngineId.NODE, EngineId.CHROMIUM);

    private final ResultsFile file;
    private final ResultIndex index;
    private final StringBuilder md = new StringBuilder();
    /** Notes of missing cells, numbered in order of first appearance: tables cite "(note k)". */
    private final Map<String, Integer> noteIds = new LinkedHashMap<>();

    private Report(ResultsFile file) {
        this.file = file;
        this.index = new ResultIndex(file.results());
        for (BenchResult r : file.results()) {
            if (!Double.isFinite(r.nsPerOp())) {
                noteIds.putIfAbsent(noteOf(r), noteIds.size() + 1);
            }
        }
    }

    private static String noteOf(BenchResult r) {
        return r.note().isEmpty() ? "(no note)" : r.note();
    }

    /**
     * Writes {@code results.json}, the plots and {@code report.md} into {@code dir} (created if
     * needed); returns the report's path.
     */
    public static Path writeAll(ResultsFile file, Path dir) throws IOException {
        Files.createDirectories(dir);
        file.write(dir.resolve("results.json"));
        List<String> plots = Plots.write(file.results(), dir);
        Path report = dir.resolve("report.md");
        Files.writeString(report, markdown(file, plots));
        return report;
    }

    /**
     * The report's markdown.
     *
     * @param plots image file names relative to the report, embedded at the end
     */
    public static String markdown(ResultsFile file, List<String> plots) {
        Report r = new Report(file);
        r.header();
        r.best();
        r.targets();
        for (EngineId e : M32_ENGINES) {
            r.engineTable(e);
        }
        r.graalTable();
        r.javaTable();
        r.checksums();
        r.missing();
        r.plots(plots);
        return r.md.toString();
    }

    private void line(String s) {
        md.append(s).append('\n');
    }

    private void header() {
        line("# Benchmark matrix report");
        line("");
        for (Map.Entry<String, String> e : file.meta().entrySet()) {
            line("- **" + e.getKey() + "**: " + e.getValue().replace("\n", "; "));
        }
        long measured = file.results().stream()
                .filter(r -> Double.isFinite(r.nsPerOp()))
                .count();
        line("- **cells**: " + file.results().size() + " (" + measured + " measured, "
                + (file.results().size() - measured) + " missing)");
        line("");
        line("Times are per `bench_run` (one pass over the working set). A ratio is the time divided by"
                + " M32's on the same engine, workload and size (on Chicory M32 is `ByteArrayMemory`):"
                + " below 1.00x is faster than M32. ± is JMH's 99.9 % error on the JVM and the"
                + " interquartile range of the batch medians on V8. See `bench/THREATS.md` before"
                + " drawing conclusions; differences under about 1.3x are within this machine's noise.");
        line("");
    }

    private void best() {
        line("## Best TVM variant per class and size");
        line("");
        List<EngineId> engines = M32_ENGINES.stream().filter(index::hasEngine).toList();
        boolean graal = index.hasEngine(EngineId.GRAALWASM) && index.hasEngine(EngineId.CHICORY_COMPILER);
        if (engines.isEmpty() && !graal) {
            line("No engine with an M32 baseline was measured.");
            line("");
            return;
        }
        StringBuilder head = new StringBuilder("| workload | size |");
        StringBuilder rule = new StringBuilder("|---|---:|");
        for (EngineId e : engines) {
            head.append(' ').append(index.engineLabel(e)).append(" |");
            rule.append("---|");
            if (isV8(e)) {
                head.append(" M64 on ").append(e.id()).append(" |");
                rule.append("---|");
            }
        }
        if (graal) {
            head.append(" best TVM (Chicory compiler) vs GraalWasm M64 |");
            rule.append("---|");
        }
        line(head.toString());
        line(rule.toString());
        for (Pair p : index.pairs()) {
            StringBuilder row = new StringBuilder("| " + p.workload() + " | " + Format.size(p.sizeBytes()) + " |");
            for (EngineId e : engines) {
                double m32 = index.ns(p, Variant.M32, e);
                Optional<Best> best = index.bestTvm(p, e);
                row.append(' ')
                        .append(best.map(b -> b.variant().id() + " " + ratio(b.nsPerOp(), m32))
                                .orElse("—"))
                        .append(" |");
                if (isV8(e)) {
                    row.append(' ')
                            .append(ratio(index.ns(p, Variant.M64, e), m32))
                            .append(" |");
                }
            }
            if (graal) {
                double m64 = index.ns(p, Variant.M64, EngineId.GRAALWASM);
                row.append(' ')
                        .append(index.bestTvm(p, EngineId.CHICORY_COMPILER)
                                .map(b -> b.variant().id() + " " + ratio(b.nsPerOp(), m64))
                                .orElse("—"))
                        .append(" |");
            }
            line(row.toString());
        }
        line("");
        line("Each cell: the fastest TVM variant (tvm-host, tvm-mm, tvm-guest) and its ratio to M32 on that"
                + " engine; the M64 columns give memory64's ratio to M32 on V8. The GraalWasm column divides"
                + " by GraalWasm's M64 time instead (GraalWasm has no memory32 runs here).");
        line("");
    }

    private void targets() {
        line("## Targets");
        line("");
        for (TargetOutcome t : Targets.evaluate(file.results())) {
            String status =
                    switch (t.status()) {
                        case MET -> "**met**";
                        case MISSED -> "**missed**";
                        case NO_DATA -> "**no data**";
                    };
            line("- " + status + ": " + t.target() + ". " + t.detail() + ".");
        }
        line("");
        line("The \"k of 24\" targets count every measured class and size except spill (M32 and M64"
                + " cannot spill); with fewer pairs measured the threshold scales (20 of 24, rounded up)."
                + " A missed target is a finding, not a failed run: see the tables for where and why.");
        line("");
    }

    private void engineTable(EngineId e) {
        if (!index.hasEngine(e)) {
            return;
        }
        line("## " + index.engineLabel(e));
        line("");
        List<Variant> variants = index.variantsOn(e);
        StringBuilder head = new StringBuilder("| workload | size |");
        StringBuilder rule = new StringBuilder("|---|---:|");
        for (Variant v : variants) {
            head.append(' ').append(v.id()).append(" |");
            rule.append("---:|");
        }
        line(head.toString());
        line(rule.toString());
        for (Pair p : index.pairs()) {
            double m32 = index.ns(p, Variant.M32, e);
            StringBuilder row = new StringBuilder("| " + p.workload() + " | " + Format.size(p.sizeBytes()) + " |");
            for (Variant v : variants) {
                row.append(' ').append(cell(index.get(p, v, e), m32)).append(" |");
            }
            line(row.toString());
        }
        line("");
    }

    private void graalTable() {
        if (!index.hasEngine(EngineId.GRAALWASM)) {
            return;
        }
        line("## " + index.engineLabel(EngineId.GRAALWASM) + " (memory64) vs TVM on Chicory's compiler");
        line("");
        line("| workload | size | GraalWasm m64 | best TVM (Chicory compiler) | TVM / GraalWasm M64 |");
        line("|---|---:|---:|---:|---:|");
        for (Pair p : index.pairs()) {
            Optional<BenchResult> m64 = index.get(p, Variant.M64, EngineId.GRAALWASM);
            Optional<Best> best = index.bestTvm(p, EngineId.CHICORY_COMPILER);
            double m64ns = m64.map(BenchResult::nsPerOp).orElse(Double.NaN);
            line("| " + p.workload() + " | " + Format.size(p.sizeBytes()) + " | " + cell(m64, Double.NaN) + " | "
                    + best.map(b -> b.variant().id() + " " + Format.time(b.nsPerOp()))
                            .orElse("—")
                    + " | " + best.map(b -> ratio(b.nsPerOp(), m64ns)).orElse("—") + " |");
        }
        line("");
    }

    private void javaTable() {
        if (!index.hasEngine(EngineId.JVM)) {
            return;
        }
        line("## Plain Java loop (" + index.engineLabel(EngineId.JVM) + ") vs the TVM host path");
        line("");
        line("| workload | size | java-segment | tvm-host (Chicory compiler) | tvm-host / Java |");
        line("|---|---:|---:|---:|---:|");
        for (Pair p : index.pairs()) {
            Optional<BenchResult> java = index.get(p, Variant.JAVA_SEGMENT, EngineId.JVM);
            if (java.isEmpty()) {
                continue;
            }
            Optional<BenchResult> host = index.get(p, Variant.TVM_HOST, EngineId.CHICORY_COMPILER);
            double hostNs = host.map(BenchResult::nsPerOp).orElse(Double.NaN);
            line("| " + p.workload() + " | " + Format.size(p.sizeBytes()) + " | " + cell(java, Double.NaN) + " | "
                    + cell(host, Double.NaN) + " | " + ratio(hostNs, java.get().nsPerOp()) + " |");
        }
        line("");
    }

    private void checksums() {
        line("## Checksums");
        line("");
        List<String> problems = new ArrayList<>();
        int agreeing = 0;
        for (Pair p : index.pairs()) {
            Map<String, List<String>> byChecksum = new TreeMap<>();
            for (BenchResult r : file.results()) {
                if (r.workload().equals(p.workload())
                        && r.sizeBytes() == p.sizeBytes()
                        && !r.checksum().isEmpty()) {
                    byChecksum
                            .computeIfAbsent(r.checksum(), k -> new ArrayList<>())
                            .add(r.variant() + " on " + ResultIndex.engineId(r.engine()));
                }
            }
            if (byChecksum.size() > 1) {
                StringBuilder sb = new StringBuilder(Targets.name(p) + ":");
                byChecksum.forEach((sum, who) -> sb.append(" `")
                        .append(sum)
                        .append("` (")
                        .append(String.join(", ", who))
                        .append(")"));
                problems.add(sb.toString());
            } else if (byChecksum.size() == 1) {
                agreeing++;
            }
        }
        line("Every `bench_run` returns a checksum of the data it read; equal checksums across variants and"
                + " engines show that each did the same work (and that none was optimised away).");
        line("");
        if (problems.isEmpty()) {
            line(agreeing + " of " + index.pairs().size() + " workload/size pairs: all variants and engines agree.");
        } else {
            line("**Checksums differ** (the timings of these pairs do not compare like with like):");
            line("");
            for (String s : problems) {
                line("- " + s);
            }
        }
        line("");
    }

    private void missing() {
        Map<String, List<BenchResult>> missing = new LinkedHashMap<>();
        List<BenchResult> noted = new ArrayList<>();
        for (BenchResult r : file.results()) {
            if (!Double.isFinite(r.nsPerOp())) {
                missing.computeIfAbsent(noteOf(r), k -> new ArrayList<>()).add(r);
            } else if (!r.note().isEmpty()) {
                noted.add(r);
            }
        }
        if (missing.isEmpty() && noted.isEmpty()) {
            return;
        }
        line("## Missing cells and notes");
        line("");
        line("Missing cells, grouped by the reason their runner gave (the tables cite these notes),"
                + " then measured cells that carry a note (marked ⚠ in the tables).");
        line("");
        // Grouped by note: a variant an engine cannot run is one line, not 27.
        for (Map.Entry<String, List<BenchResult>> e : missing.entrySet()) {
            List<String> cells = e.getValue().stream()
                    .map(r -> r.variant() + "@" + ResultIndex.engineId(r.engine()) + " " + r.workload() + " "
                            + Format.size(r.sizeBytes()))
                    .toList();
            line("- note " + noteIds.get(e.getKey()) + ": " + e.getKey() + " — " + cells.size() + " cell"
                    + (cells.size() == 1 ? "" : "s") + ": " + abbreviate(cells));
        }
        for (BenchResult r : noted) {
            line("- measured with a note: " + r.variant() + "@" + ResultIndex.engineId(r.engine()) + " " + r.workload()
                    + " " + Format.size(r.sizeBytes()) + ": " + r.note());
        }
        line("");
    }

    private static String abbreviate(List<String> cells) {
        int shown = 6;
        if (cells.size() <= shown) {
            return String.join(", ", cells);
        }
        return String.join(", ", cells.subList(0, shown)) + ", … (" + (cells.size() - shown) + " more)";
    }

    private void plots(List<String> plots) {
        if (plots.isEmpty()) {
            return;
        }
        line("## Plots");
        line("");
        for (String p : plots) {
            line("![" + p + "](" + p + ")");
            line("");
        }
    }

    private static boolean isV8(EngineId e) {
        return e == EngineId.NODE || e == EngineId.CHROMIUM;
    }

    /** "1.23 ms ±0.02 (0.97x)", or "— (note k)" for a missing cell. */
    private String cell(Optional<BenchResult> result, double baselineNs) {
        if (result.isEmpty()) {
            return "—";
        }
        BenchResult r = result.get();
        if (!Double.isFinite(r.nsPerOp())) {
            return "— (note " + noteIds.get(noteOf(r)) + ")";
        }
        String s = Format.time(r.nsPerOp());
        if (Double.isFinite(r.errorNs()) && r.errorNs() > 0) {
            s += " ±" + Format.time(r.errorNs());
        }
        if (Double.isFinite(baselineNs)) {
            s += " (" + Targets.x(r.nsPerOp() / baselineNs) + ")";
        }
        if (!r.note().isEmpty()) {
            s += " ⚠";
        }
        return s;
    }

    private static String ratio(double ns, double baselineNs) {
        return Double.isFinite(ns) && Double.isFinite(baselineNs) && baselineNs > 0
                ? String.format(Locale.ROOT, "%.2fx", ns / baselineNs)
                : "—";
    }
}
