package dev.tvm.bench.report;

import java.util.Locale;

/** Human-readable sizes and durations for the report. */
final class Format {
    private Format() {}

    /** Binary units, exact where possible: "16 KiB", "1 GiB", "1.5 MiB". */
    static String size(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return v == Math.rint(v)
                ? String.format(Locale.ROOT, "%d %s", (long) v, units[u])
                : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** Three significant digits in the largest unit under 1000: "812 ns", "1.23 µs", "45.6 ms". */
    static String time(double ns) {
        if (!Double.isFinite(ns)) {
            return "—";
        }
        String[] units = {"ns", "µs", "ms", "s"};
        double v = ns;
        int u = 0;
        while (Math.abs(v) >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        String digits = Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 10 ? "%.1f" : "%.2f";
        return String.format(Locale.ROOT, digits + " %s", v, units[u]);
    }
}
