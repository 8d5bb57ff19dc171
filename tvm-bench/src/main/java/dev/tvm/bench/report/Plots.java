package dev.tvm.bench.report;

import dev.tvm.bench.matrix.BenchResult;
import dev.tvm.bench.matrix.EngineId;
import dev.tvm.bench.matrix.Variant;
import dev.tvm.bench.report.ResultIndex.Best;
import dev.tvm.bench.report.ResultIndex.Pair;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Bar charts of the matrix as PNG files (XChart, drawn headless): per engine, every variant's ratio
 * to M32 for each workload and size; V8's TVM-guest over M64; and the best TVM variant on Chicory's
 * compiler over GraalWasm's M64. A line marks 1.0 (parity); missing cells are gaps.
 */
public final class Plots {
    private static final List<EngineId> M32_ENGINES =
            List.of(EngineId.CHICORY_COMPILER, EngineId.CHICORY_INTERPRETER, EngineId.NODE, EngineId.CHROMIUM);

    private Plots() {}

    /** Writes every chart the results allow into {@code dir}; returns the file names written. */
    public static List<String> write(List<BenchResult> results, Path dir) throws IOException {
        // Charts are drawn into images; no display is needed or wanted (CI, ssh).
        System.setProperty("java.awt.headless", "true");
        ResultIndex index = new ResultIndex(results);
        List<String> written = new ArrayList<>();
        for (EngineId e : M32_ENGINES) {
            if (!index.hasEngine(e) || index.variantsOn(e).size() < 2) {
                continue;
            }
            Map<String, List<Double>> series = new LinkedHashMap<>();
            for (Variant v : index.variantsOn(e)) {
                if (v == Variant.M32) {
                    continue;
                }
                List<Double> ratios = new ArrayList<>();
                for (Pair p : index.pairs()) {
                    ratios.add(ratio(index.ns(p, v, e), index.ns(p, Variant.M32, e)));
                }
                series.put(v.id(), ratios);
            }
            if (!hasValue(series)) {
                continue;
            }
            String name = "ratio-" + e.id() + ".png";
            save(
                    chart(
                            "Time relative to M32 on " + index.engineLabel(e),
                            "ratio to M32 (lower is faster)",
                            index,
                            series),
                    dir.resolve(name));
            written.add(name);
        }
        Map<String, List<Double>> guestVsM64 = new LinkedHashMap<>();
        for (EngineId e : List.of(EngineId.NODE, EngineId.CHROMIUM)) {
            if (!index.hasEngine(e)) {
                continue;
            }
            List<Double> ratios = new ArrayList<>();
            for (Pair p : index.pairs()) {
                ratios.add(ratio(index.ns(p, Variant.TVM_GUEST, e), index.ns(p, Variant.M64, e)));
            }
            guestVsM64.put(index.engineLabel(e), ratios);
        }
        if (hasValue(guestVsM64)) {
            String name = "v8-tvm-guest-vs-m64.png";
            save(
                    chart("V8: TVM-guest relative to M64", "tvm-guest / m64 (lower is faster)", index, guestVsM64),
                    dir.resolve(name));
            written.add(name);
        }
        if (index.hasEngine(EngineId.GRAALWASM) && index.hasEngine(EngineId.CHICORY_COMPILER)) {
            List<Double> ratios = new ArrayList<>();
            for (Pair p : index.pairs()) {
                Optional<Best> best = index.bestTvm(p, EngineId.CHICORY_COMPILER);
                ratios.add(ratio(
                        best.map(Best::nsPerOp).orElse(Double.NaN), index.ns(p, Variant.M64, EngineId.GRAALWASM)));
            }
            Map<String, List<Double>> series = Map.of("best TVM variant, Chicory compiler", ratios);
            if (hasValue(series)) {
                String name = "jvm-tvm-vs-graalwasm-m64.png";
                save(
                        chart(
                                "JVM: best TVM variant (Chicory) relative to GraalWasm M64",
                                "TVM / GraalWasm m64",
                                index,
                                series),
                        dir.resolve(name));
                written.add(name);
            }
        }
        return written;
    }

    private static boolean hasValue(Map<String, List<Double>> series) {
        return series.values().stream().flatMap(List::stream).anyMatch(v -> v != null);
    }

    /** The ratio, or null (a gap in the chart) when either side is missing. */
    private static Double ratio(double ns, double baseline) {
        return Double.isFinite(ns) && Double.isFinite(baseline) && baseline > 0 ? ns / baseline : null;
    }

    private static CategoryChart chart(
            String title, String yTitle, ResultIndex index, Map<String, List<Double>> series) {
        List<String> categories = index.pairs().stream()
                .map(p -> p.workload() + " " + Format.size(p.sizeBytes()))
                .toList();
        CategoryChart chart = new CategoryChartBuilder()
                .width(Math.max(900, 60 * categories.size() + 200))
                .height(600)
                .title(title)
                .xAxisTitle("workload and working-set size")
                .yAxisTitle(yTitle)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setXAxisLabelRotation(60);
        chart.getStyler().setAvailableSpaceFill(0.85);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setYAxisMin(0.0);
        for (Map.Entry<String, List<Double>> s : series.entrySet()) {
            List<Double> y = s.getValue();
            if (y.stream().allMatch(v -> v == null)) {
                continue;
            }
            chart.addSeries(s.getKey(), categories, y);
        }
        chart.addAnnotation(new AnnotationLine(1.0, false, false));
        return chart;
    }

    private static void save(CategoryChart chart, Path file) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
