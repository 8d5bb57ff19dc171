package dev.tvm.chicory.guests13;

/**
 * The numbers of {@code guests/src/guest_mix.h} in Java, so a test regenerates what an issue-13
 * guest wrote instead of trusting the guest's own arithmetic: the splitmix64 finalizer, the word
 * stream {@code word(i)} and the FNV-1a-style fold over 64-bit words.
 */
final class GuestMix {
    static final long GOLDEN = 0x9E3779B97F4A7C15L;
    static final long FOLD_START = 0xCBF29CE484222325L;
    private static final long FOLD_PRIME = 0x100000001B3L;

    private GuestMix() {}

    /** {@code guest_mix64}: the splitmix64 finalizer. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** {@code guest_word}: word {@code index} of the splitmix64 stream seeded with 0. */
    static long word(long index) {
        return mix64((index + 1) * GOLDEN);
    }

    /** {@code guest_fold}: one step of the checksum. */
    static long fold(long checksum, long word) {
        return (checksum ^ word) * FOLD_PRIME;
    }
}
