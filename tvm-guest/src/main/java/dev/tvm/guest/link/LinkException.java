package dev.tvm.guest.link;

/**
 * A module the linker cannot take: malformed (truncated, bad encoding, an index out of range) or
 * using something the linker does not support (a relocatable object, memory64 guest memory, GC
 * types). The message names the input, the section and the byte offset in the input file.
 */
public final class LinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String input;
    private final String section;
    private final long offset;

    LinkException(String input, String section, long offset, String message) {
        super(input + ": section '" + section + "' at offset " + offset + " (0x" + Long.toHexString(offset) + "): "
                + message);
        this.input = input;
        this.section = section;
        this.offset = offset;
    }

    /** Which input was at fault: {@code "guest"} or {@code "shell"}. */
    public String input() {
        return input;
    }

    /** The section being read, by its spec name ({@code "code"}, {@code "import"}, ...). */
    public String section() {
        return section;
    }

    /** Byte offset in the input at which the problem was found, or -1 when it concerns the whole module. */
    public long offset() {
        return offset;
    }
}
