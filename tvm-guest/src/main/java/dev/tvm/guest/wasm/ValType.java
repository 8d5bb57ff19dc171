package dev.tvm.guest.wasm;

/** Value types with their one-byte encodings (core spec 5.3.1). */
public enum ValType {
    I32(0x7f),
    I64(0x7e),
    F32(0x7d),
    F64(0x7c);

    private final int code;

    ValType(int code) {
        this.code = code;
    }

    /** The type's byte in the binary format. */
    public int code() {
        return code;
    }
}
