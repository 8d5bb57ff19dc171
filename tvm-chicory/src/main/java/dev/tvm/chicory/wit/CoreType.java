package dev.tvm.chicory.wit;

import com.dylibso.chicory.wasm.types.ValType;

/**
 * The core WebAssembly value types that canonical-ABI flattening produces.
 *
 * <p>As {@code long} flat values (Chicory's representation of arguments and results): {@code i32}
 * is the 32-bit pattern sign-extended, {@code i64} the 64 bits, {@code f32} the float's raw bits in
 * the low 32 bits, {@code f64} the double's raw bits.
 */
public enum CoreType {
    /** A 32-bit integer. */
    I32,
    /** A 64-bit integer. */
    I64,
    /** A 32-bit float. */
    F32,
    /** A 64-bit float. */
    F64;

    /** The Chicory value type. */
    public ValType valType() {
        return switch (this) {
            case I32 -> ValType.I32;
            case I64 -> ValType.I64;
            case F32 -> ValType.F32;
            case F64 -> ValType.F64;
        };
    }

    /** The canonical ABI's {@code join}: the narrowest type both values can be carried in. */
    public static CoreType join(CoreType a, CoreType b) {
        if (a == b) {
            return a;
        }
        if ((a == I32 && b == F32) || (a == F32 && b == I32)) {
            return I32;
        }
        return I64;
    }

    /** Lower case, as in WebAssembly text. */
    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
