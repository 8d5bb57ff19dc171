package dev.tvm.cli;

import dev.tvm.core.RegionDirectory;
import dev.tvm.micrometer.TvmMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code --metrics}: binds {@link TvmMetrics} to a {@link SimpleMeterRegistry} and prints what it
 * reads, so the names printed are the ones a monitoring system would see.
 */
final class MetricsReport {
    /** Per-region columns: heading and meter name. */
    private static final String[][] REGION_COLUMNS = {
        {"capacity", "tvm.region.capacity"},
        {"resident", "tvm.region.resident"},
        {"spilled", "tvm.region.spilled"},
        {"live", "tvm.region.live"},
        {"allocs", "tvm.region.allocations"},
        {"frees", "tvm.region.frees"},
        {"read", "tvm.region.read"},
        {"written", "tvm.region.written"},
        {"compact", "tvm.region.compactions"},
        {"refused", "tvm.region.handle.failures"},
    };

    private MetricsReport() {}

    /** Prints the directory meters, then one row per live region. */
    static void print(PrintWriter out, RegionDirectory directory) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TvmMetrics.builder(directory).withRegionMeters(true).build().bindTo(registry);
        List<Meter> meters = new ArrayList<>(registry.getMeters());
        meters.sort(Comparator.comparing(m -> m.getId().getName()));

        out.println("metrics (tvm-micrometer):");
        long failures = 0;
        List<String> byCode = new ArrayList<>();
        for (Meter meter : meters) {
            Meter.Id id = meter.getId();
            if (id.getName().startsWith("tvm.region.")) {
                continue;
            }
            double value = value(meter);
            if (id.getTag("code") != null) {
                // One counter per error code: a total, then only the codes that happened.
                failures += Double.isNaN(value) ? 0 : (long) value;
                if (value > 0) {
                    byCode.add(String.format(
                            Locale.ROOT, "  %-40s %d%n", id.getName() + "{code=" + id.getTag("code") + "}", (long)
                                    value));
                }
                continue;
            }
            out.printf(Locale.ROOT, "  %-40s %s%n", id.getName(), format(value, id.getBaseUnit()));
        }
        out.printf(Locale.ROOT, "  %-40s %d%n", "tvm.handle.failures", failures);
        byCode.forEach(out::print);

        // Rows by region id, columns by meter name.
        Map<Integer, Map<String, Meter>> rows = new TreeMap<>();
        Map<Integer, String[]> labels = new LinkedHashMap<>();
        for (Meter meter : meters) {
            Meter.Id id = meter.getId();
            if (!id.getName().startsWith("tvm.region.")) {
                continue;
            }
            int region = Integer.parseInt(id.getTag("region.id"));
            rows.computeIfAbsent(region, k -> new TreeMap<>()).put(id.getName(), meter);
            labels.put(region, new String[] {id.getTag("region.name"), id.getTag("region.kind")});
        }
        if (rows.isEmpty()) {
            out.println("no live regions");
            out.flush();
            return;
        }
        out.println("regions:");
        @SuppressWarnings("OrphanedFormatString") // built here, formatted below
        StringBuilder format = new StringBuilder("%-6s %-16s %-13s");
        List<Object> heading = new ArrayList<>(List.of("region", "name", "kind"));
        for (String[] column : REGION_COLUMNS) {
            format.append(" %10s");
            heading.add(column[0]);
        }
        format.append("%n");
        out.printf(Locale.ROOT, format.toString(), heading.toArray());
        for (Map.Entry<Integer, Map<String, Meter>> row : rows.entrySet()) {
            String[] label = labels.get(row.getKey());
            List<Object> cells = new ArrayList<>(List.of(row.getKey(), shorten(label[0]), label[1]));
            for (String[] column : REGION_COLUMNS) {
                Meter meter = row.getValue().get(column[1]);
                cells.add(
                        meter == null ? "-" : format(value(meter), meter.getId().getBaseUnit()));
            }
            out.printf(Locale.ROOT, format.toString(), cells.toArray());
        }
        out.flush();
    }

    private static double value(Meter meter) {
        if (meter instanceof Gauge gauge) {
            return gauge.value();
        }
        if (meter instanceof FunctionCounter counter) {
            return counter.count();
        }
        return Double.NaN;
    }

    private static String format(double value, String unit) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        if (BaseUnits.BYTES.equals(unit)) {
            return Sizes.format((long) value);
        }
        return Long.toString((long) value);
    }

    private static String shorten(String name) {
        return name.length() <= 16 ? name : name.substring(0, 15) + "~";
    }
}
