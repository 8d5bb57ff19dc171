package dev.tvm.cli;

import java.util.Locale;

/** Byte sizes written the way people write them: {@code 4096}, {@code 64k}, {@code 512m}, {@code 4.5g}. */
final class Sizes {
    private Sizes() {}

    /**
     * Parses a size with an optional binary suffix k, m, g or t (powers of 1024), optionally
     * followed by "b" or "ib".
     *
     * @throws IllegalArgumentException for anything else, or a negative or overflowing size
     */
    static long parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ib")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        long unit = 1;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k' -> unit = 1L << 10;
                case 'm' -> unit = 1L << 20;
                case 'g' -> unit = 1L << 30;
                case 't' -> unit = 1L << 40;
                default -> unit = 1;
            }
        }
        if (unit != 1) {
            s = s.substring(0, s.length() - 1);
        }
        double value;
        try {
            value = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (examples: 4096, 64k, 512m, 4.5g)");
        }
        double bytes = value * unit;
        if (!(bytes >= 0) || bytes > Long.MAX_VALUE) {
            throw new IllegalArgumentException("size out of range: '" + text + "'");
        }
        return (long) bytes;
    }

    /** Formats bytes with a binary unit, two decimals. */
    static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
