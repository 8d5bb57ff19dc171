package dev.tvm.chicory.memory;

/**
 * Decides whether a memory may grow, in the spirit of wasmtime's {@code ResourceLimiter}: a
 * refused grow makes {@code memory.grow} return −1 to the guest, which then handles it like any
 * allocation failure; nothing traps. Called under the memory's grow lock, on the growing thread.
 */
@FunctionalInterface
public interface MemoryLimiter {
    /**
     * Whether the memory may grow from {@code currentBytes} to {@code desiredBytes}; {@code
     * maximumBytes} is the most it could ever have (its declared maximum, clamped). Throwing
     * traps the guest instead.
     */
    boolean growing(long currentBytes, long desiredBytes, long maximumBytes);

    /** A limiter allowing every grow. */
    MemoryLimiter UNLIMITED = (current, desired, maximum) -> true;

    /** A limiter refusing to grow past {@code maxBytes}. */
    static MemoryLimiter atMost(long maxBytes) {
        return (current, desired, maximum) -> desired <= maxBytes;
    }
}
