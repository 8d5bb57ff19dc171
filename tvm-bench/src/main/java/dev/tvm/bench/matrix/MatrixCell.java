package dev.tvm.bench.matrix;

/**
 * One workload instance in one memory model on one engine, speaking the guest ABI: {@link
 * #setup} once, then {@link #run} as often as wanted. Made by {@link MatrixCells#open}.
 */
public interface MatrixCell extends AutoCloseable {
    /** {@code bench_setup(bytes, seed)}: builds the working set; returns the bytes used or a negative error. */
    long setup(long bytes, long seed);

    /** {@code bench_run()}: one pass; returns the checksum (negative on error). */
    long run();

    /** Releases memories, regions and spill files. */
    @Override
    void close();
}
