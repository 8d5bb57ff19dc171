package dev.tvm.guest.wasm;

import java.util.List;

/** A function type: parameter and result types (encoded {@code 0x60 vec(params) vec(results)}). */
public record FuncType(List<ValType> params, List<ValType> results) {
    public FuncType {
        params = List.copyOf(params);
        results = List.copyOf(results);
    }

    /** A type from parameters and at most one result ({@code null} for none). */
    public static FuncType of(ValType result, ValType... params) {
        return new FuncType(List.of(params), result == null ? List.of() : List.of(result));
    }
}
