package dev.tvm.chicory.wit;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import java.util.Objects;

/**
 * What lifting and lowering need from a guest: its memory 0 and its {@code cabi_realloc}. One
 * per call (cheap); every pointer the guest hands over or {@code cabi_realloc} returns is checked
 * here against the memory's current size and the required alignment, and a failure is a {@link
 * CanonicalAbiException} (a trap).
 */
public final class AbiContext {
    /** The guest export that allocates lowered strings, lists and parameter tuples. */
    public static final String REALLOC_EXPORT = "cabi_realloc";

    /** {@code cabi_realloc(old_ptr, old_size, align, new_size) -> ptr}. */
    @FunctionalInterface
    public interface Realloc {
        /** Resizes {@code oldPtr} (0: a new block) to {@code newSize} bytes aligned to {@code align}; returns the new pointer. */
        int realloc(int oldPtr, int oldSize, int align, int newSize);
    }

    private final Memory memory;
    private final Realloc realloc;

    /**
     * A context over {@code memory}; {@code realloc} may be null if nothing will be lowered into
     * memory (lowering a string or list then traps).
     */
    public AbiContext(Memory memory, Realloc realloc) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.realloc = realloc;
    }

    /** The context of a Chicory instance: its memory 0 and its {@code cabi_realloc} export, if any. */
    public static AbiContext of(Instance instance) {
        Memory memory = instance.memory();
        if (memory == null) {
            throw new CanonicalAbiException("the guest has no memory 0");
        }
        return new AbiContext(memory, (oldPtr, oldSize, align, newSize) -> {
            ExportFunction fn;
            try {
                fn = instance.export(REALLOC_EXPORT);
            } catch (RuntimeException e) {
                throw new CanonicalAbiException("the guest exports no " + REALLOC_EXPORT, e);
            }
            return (int) fn.apply(oldPtr, oldSize, align, newSize)[0];
        });
    }

    /** The guest memory. */
    public Memory memory() {
        return memory;
    }

    /** The memory's size in bytes. */
    public long memorySize() {
        return (long) memory.pages() * Memory.PAGE_SIZE;
    }

    /**
     * Checks that {@code [ptr, ptr + length)} lies in memory and {@code ptr} is a multiple of
     * {@code align}; returns ptr. {@code ptr} is read as unsigned.
     */
    public int checkRange(int ptr, long length, int align, String what) {
        long p = Integer.toUnsignedLong(ptr);
        if (p % align != 0) {
            throw new CanonicalAbiException(what + " at " + p + " is not " + align + "-byte aligned");
        }
        long size = memorySize();
        if (length < 0 || p + length > size) {
            throw new CanonicalAbiException(
                    what + " [" + p + ", " + p + " + " + length + ") is outside the guest's " + size + "-byte memory");
        }
        return ptr;
    }

    /** {@code cabi_realloc(0, 0, align, size)}, checked: a fresh, aligned, in-bounds block. */
    public int allocate(int align, long size, String what) {
        if (size > Integer.MAX_VALUE) {
            throw new CanonicalAbiException(what + " of " + size + " bytes is too large for a 32-bit memory");
        }
        if (realloc == null) {
            throw new CanonicalAbiException("lowering " + what + " needs the guest's " + REALLOC_EXPORT);
        }
        int ptr = realloc.realloc(0, 0, align, (int) size);
        return checkRange(ptr, size, align, what + " from " + REALLOC_EXPORT);
    }
}
