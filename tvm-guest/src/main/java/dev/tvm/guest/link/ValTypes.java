package dev.tvm.guest.link;

/** The value types the linker accepts (numeric, vector and the two basic reference types). */
final class ValTypes {
    private ValTypes() {}

    static boolean isValType(int b) {
        return b == 0x7f || b == 0x7e || b == 0x7d || b == 0x7c || b == 0x7b || b == 0x70 || b == 0x6f;
    }

    static boolean isRefType(int b) {
        return b == 0x70 || b == 0x6f;
    }

    static String name(int b) {
        switch (b) {
            case 0x7f:
                return "i32";
            case 0x7e:
                return "i64";
            case 0x7d:
                return "f32";
            case 0x7c:
                return "f64";
            case 0x7b:
                return "v128";
            case 0x70:
                return "funcref";
            case 0x6f:
                return "externref";
            default:
                return String.format("0x%02x", b);
        }
    }

    static String names(byte[] types) {
        StringBuilder sb = new StringBuilder();
        for (byte t : types) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(name(t & 0xff));
        }
        return sb.toString();
    }

    /** Reads one value type, refusing GC and typed-reference encodings with a clear message. */
    static int read(WasmReader r) {
        int at = r.pos();
        int b = r.u8();
        if (!isValType(b)) {
            throw r.errorAt(
                    at,
                    String.format(
                            "unsupported value type 0x%02x (only i32, i64, f32, f64, v128, funcref and externref)", b));
        }
        return b;
    }
}
