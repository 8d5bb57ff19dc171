package dev.tvm.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

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
            value = Double.NaN;
        }
        if (Double.isNaN(value)) {
            throw new IllegalArgumentException("not a size; " + HOW);
        }
        double bytes = value * unit;
        if (!(bytes >= 0) || bytes > Long.MAX_VALUE) {
            throw new IllegalArgumentException(
                    (bytes < 0 ? "a size cannot be negative" : "size out of range") + "; " + HOW);
        }
        return (long) bytes;
    }

    private static final String HOW = "write bytes with an optional suffix k, m, g or t, e.g. 4096, 64k, 512m, 4.5g";

    /** Picocli converter for size options: {@link #parse}, refused values in one line. */
    static final class Converter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * Picocli converter for a resident budget: a size of at least {@link #MIN_BUDGET}, or {@code
     * none} (converted to null) for no budget. Zero is refused: it would read as "nothing resident".
     */
    static final class BudgetConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            if (value.strip().equalsIgnoreCase("none")) {
                return null;
            }
            long bytes = new Converter().convert(value);
            if (bytes == 0) {
                throw new TypeConversionException(
                        "a zero budget would keep nothing resident; write 'none' for no budget, or at least 4m");
            }
            if (bytes < MIN_BUDGET) {
                throw new TypeConversionException(
                        "below the smallest budget, 4 MiB; write at least 4m, or 'none' for no budget");
            }
            return bytes;
        }
    }

    /** The smallest resident budget a directory takes. */
    static final long MIN_BUDGET = 4L << 20;

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
