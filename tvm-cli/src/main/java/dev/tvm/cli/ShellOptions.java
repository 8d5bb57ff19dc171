package dev.tvm.cli;

import dev.tvm.guest.ShellGenerator;
import picocli.CommandLine.Option;

/** The shell generator's options, shared by {@code tvm shell} and {@code tvm link}. */
final class ShellOptions {
    @Option(
            names = "--pools",
            defaultValue = "1",
            paramLabel = "N",
            description = "Pool memories, 1..256 (default: ${DEFAULT-VALUE}).")
    int pools;

    @Option(
            names = "--initial-pages",
            defaultValue = "1",
            paramLabel = "PAGES",
            description = "Initial 64 KiB pages per pool (default: ${DEFAULT-VALUE}).")
    int initialPages;

    @Option(
            names = "--max-pages",
            defaultValue = "16384",
            paramLabel = "PAGES",
            description = "Maximum pages per pool, up to 65536; Chicory allows 32767 (default: ${DEFAULT-VALUE}).")
    int maxPages;

    @Option(
            names = "--max-regions",
            defaultValue = "64",
            paramLabel = "N",
            description = "Regions the shell can create (default: ${DEFAULT-VALUE}).")
    int maxRegions;

    @Option(
            names = "--slots",
            defaultValue = "4096",
            paramLabel = "N",
            description = "Handle-table slots per region (default: ${DEFAULT-VALUE}).")
    int slots;

    /** The shell's bytes; {@link IllegalArgumentException} for options out of range. */
    byte[] generate() {
        return ShellGenerator.builder()
                .withPools(pools)
                .withInitialPages(initialPages)
                .withMaximumPages(maxPages)
                .withMaxRegions(maxRegions)
                .withSlotsPerRegion(slots)
                .build()
                .generate();
    }
}
