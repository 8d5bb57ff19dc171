package dev.tvm.chicory;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Makes sure an import's body has at least {@link #HEADROOM} bytes of thread stack before it
 * changes any state, so that a guest that recursed almost to the end of its stack and then calls
 * an import gets a trap instead of a {@link StackOverflowError} half way through a lock, a pin or
 * a ledger update (which would leave a region lock held forever or a pin nobody can release).
 *
 * <p>How: {@link #check()} recurses until it has used {@code HEADROOM} bytes of stack and returns.
 * If that overflows, nothing has been touched yet and the {@link StackOverflowError} goes to the
 * guest, which Chicory reports as the trap "call stack exhausted", exactly as for a guest that
 * overflows on its own. If it returns, the body runs from the same stack position with at least
 * that much room below it (the JVM throws {@code StackOverflowError} at a method's entry, when the
 * room left below it is smaller than its frame plus a fixed shadow zone that native code uses).
 *
 * <p>The probe costs microseconds, so on Linux x86-64 it runs only when needed: a 4-byte native
 * function ({@code mov rax, rsp; ret}, mapped executable once) returns the stack pointer, and a
 * guard remembers the lowest stack position at which a probe succeeded on its thread; a call from
 * there or above (the common case: a guest calling imports in a loop) costs one native call.
 * Elsewhere, and on virtual threads (whose stacks move between carriers), every call probes.
 *
 * <p>One guard per {@link Tenant} (a guest, which runs on one thread at a time; a guard used from
 * another thread simply probes again).
 */
// Reads the thread's stack bounds through native calls: restricted methods are the point.
@SuppressWarnings("restricted")
public final class StackGuard {
    /**
     * Stack every import body gets, in bytes: room for the deepest path of any body (a fault
     * through the spill file, building an exception, first-time class initialisation or string
     * concatenation bootstrap) with interpreted frames.
     */
    public static final int HEADROOM = 64 * 1024;

    /** Smallest JVM frame (return address and saved frame pointer). */
    private static final int MIN_FRAME = 16;

    private static final MethodHandle STACK_POINTER = stackPointerReader();

    /** The thread and lowest stack pointer at which a probe succeeded; null before the first. */
    private volatile Verified verified;

    private record Verified(Thread thread, long stackPointer) {}

    /** A guard that has verified nothing yet. */
    public StackGuard() {}

    /** Whether the stack pointer can be read here (else every {@link #check()} probes). */
    public static boolean readsStackPointer() {
        return STACK_POINTER != null;
    }

    /**
     * Returns normally if the caller has at least {@link #HEADROOM} bytes of stack below it.
     *
     * @throws StackOverflowError if it has not; nothing was changed
     */
    public void check() {
        if (STACK_POINTER == null) {
            probe(HEADROOM / MIN_FRAME);
            return;
        }
        Thread thread = Thread.currentThread();
        long sp = stackPointer();
        Verified v = verified;
        if (v != null && v.thread == thread && sp >= v.stackPointer) {
            return;
        }
        descend(sp - HEADROOM, 0);
        if (!thread.isVirtual()) {
            verified = new Verified(thread, sp); // below the one verified before, or on a new thread
        }
    }

    /** Recurses {@code depth} frames deep: at least {@code depth * MIN_FRAME} bytes. */
    private static int probe(int depth) {
        return depth == 0 ? 0 : probe(depth - 1) + 1;
    }

    /**
     * Recurses until the stack pointer is at or below {@code target}, reading it every 32 frames
     * ({@code frames} is how many to go before the next reading).
     */
    private static int descend(long target, int frames) {
        if (frames > 0) {
            return descend(target, frames - 1) + 1;
        }
        if (stackPointer() <= target) {
            return 0;
        }
        return descend(target, 32) + 1;
    }

    private static long stackPointer() {
        try {
            return (long) STACK_POINTER.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * A downcall to {@code mov rax, rsp; ret} in a page mapped executable for it, or null where
     * that is not possible (not Linux x86-64, no native access, the kernel refuses executable
     * mappings).
     */
    private static MethodHandle stackPointerReader() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            var libc = linker.defaultLookup();
            MethodHandle mmap = linker.downcallHandle(
                    libc.find("mmap").orElseThrow(),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
            MethodHandle mprotect = linker.downcallHandle(
                    libc.find("mprotect").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
            long page = 4096;
            int protRead = 1, protWrite = 2, protExec = 4, mapPrivateAnonymous = 0x02 | 0x20;
            MemorySegment code = ((MemorySegment) mmap.invokeExact(
                            MemorySegment.NULL, page, protRead | protWrite, mapPrivateAnonymous, -1, 0L))
                    .reinterpret(page);
            if (code.address() == -1L || code.address() == 0L) {
                return null;
            }
            byte[] movRaxRspRet = {0x48, (byte) 0x89, (byte) 0xE0, (byte) 0xC3};
            MemorySegment.copy(MemorySegment.ofArray(movRaxRspRet), 0, code, 0, movRaxRspRet.length);
            if ((int) mprotect.invokeExact(code, page, protRead | protExec) != 0) {
                return null;
            }
            MethodHandle reader =
                    linker.downcallHandle(code, FunctionDescriptor.of(JAVA_LONG), Linker.Option.critical(false));
            long sp = (long) reader.invokeExact();
            return sp != 0 ? reader : null;
        } catch (Throwable unavailable) {
            return null;
        }
    }
}
