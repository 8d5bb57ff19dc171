/**
 * TVM's core: a directory of 32-bit regions reached through generation-checked handles, with a
 * resident budget, a CRC-checked spill file and snapshots.
 *
 * <p>Exported: {@code dev.tvm.core} (the API), {@code dev.tvm.core.memory} (the backing SPI a
 * directory's builder takes) and {@code dev.tvm.core.residency} (the eviction-policy SPI).
 * Allocators, the spill file and JFR event emission are internal.
 */
module dev.tvm.core {
    requires jdk.jfr;

    exports dev.tvm.core;
    exports dev.tvm.core.memory;
    exports dev.tvm.core.residency;
}
