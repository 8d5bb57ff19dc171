package dev.tvm.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar redrawn in place on a terminal; on a pipe (CI logs) it prints one line
 * per tenth of the work instead, so logs stay readable.
 */
final class ProgressBar {
    private static final int WIDTH = 30;

    private final PrintWriter out;
    private final String label;
    private final long total;
    private final boolean interactive;
    /** What is counted ("cells"); null for bytes, which also show a rate. */
    private final String unit;

    private final long startNanos = System.nanoTime();
    private long done;
    private int lastTenth = -1;
    private long lastDrawNanos;

    ProgressBar(PrintWriter out, String label, long total, boolean interactive) {
        this(out, label, total, interactive, null);
    }

    private ProgressBar(PrintWriter out, String label, long total, boolean interactive, String unit) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.interactive = interactive;
        this.unit = unit;
    }

    /** A bar over a count of things ({@code "12 / 162 cells"}) that shows elapsed time instead of a rate. */
    static ProgressBar counting(PrintWriter out, String label, long total, boolean interactive, String unit) {
        return new ProgressBar(out, label, total, interactive, unit);
    }

    /**
     * Whether stderr's console is a terminal, so a bar can be redrawn in place. Since JDK 22
     * {@code System.console()} is not null when output is redirected; only {@code isTerminal} says.
     */
    @SuppressWarnings("SystemConsoleNull") // still null when the JVM has no console provider
    static boolean terminal() {
        java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }

    void advance(long bytes) {
        done += bytes;
        long now = System.nanoTime();
        if (interactive) {
            if (now - lastDrawNanos > 100_000_000L || done >= total) {
                lastDrawNanos = now;
                out.print("\r" + line(now));
                out.flush();
            }
        } else {
            int tenth = (int) Math.min(10, done * 10 / total);
            if (tenth != lastTenth) {
                lastTenth = tenth;
                out.println(line(now));
            }
        }
    }

    /** Ends a bar left half drawn on a terminal with a line break, so what follows starts a line. */
    void abandon() {
        if (interactive && lastDrawNanos != 0 && done < total) {
            out.println();
            out.flush();
        }
    }

    void finish() {
        if (interactive) {
            out.print("\r" + line(System.nanoTime()) + "\n");
            out.flush();
        }
    }

    private String line(long now) {
        double fraction = Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        if (unit != null) {
            return String.format(
                    Locale.ROOT,
                    "%-8s [%s%s] %3d%%  %d / %d %s  %ds",
                    label,
                    "#".repeat(filled),
                    "-".repeat(WIDTH - filled),
                    Math.round(fraction * 100),
                    done,
                    total,
                    unit,
                    Math.round(seconds));
        }
        return String.format(
                Locale.ROOT,
                "%-8s [%s%s] %3d%%  %s / %s  %s/s",
                label,
                "#".repeat(filled),
                "-".repeat(WIDTH - filled),
                Math.round(fraction * 100),
                Sizes.format(done),
                Sizes.format(total),
                Sizes.format((long) (done / seconds)));
    }
}
