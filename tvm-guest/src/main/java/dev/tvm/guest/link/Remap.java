package dev.tvm.guest.link;

/**
 * Where each index of one input module lands in the merged module, one table per index space. A
 * lookup out of range is the input's fault and is reported at the offset where the index was read.
 */
final class Remap {
    static final int FUNC = 0;
    static final int TABLE = 1;
    static final int MEMORY = 2;
    static final int GLOBAL = 3;
    static final int TAG = 4;
    static final int TYPE = 5;
    static final int ELEM = 6;
    static final int DATA = 7;
    private static final String[] NAMES = {
        "function", "table", "memory", "global", "tag", "type", "element segment", "data segment"
    };

    private final int[][] maps = new int[8][];

    /** Sets the map of {@code space}: {@code map[i]} is the merged index of input index {@code i}. */
    Remap set(int space, int[] map) {
        maps[space] = map;
        return this;
    }

    /** Identity for the first {@code n} indices shifted by {@code shift}. */
    static int[] shifted(int n, int shift) {
        int[] map = new int[n];
        for (int i = 0; i < n; i++) {
            map[i] = i + shift;
        }
        return map;
    }

    int map(int space, int index, WasmReader r, int at) {
        int[] map = maps[space];
        if (index < 0 || index >= map.length) {
            throw r.errorAt(
                    at,
                    NAMES[space] + " index " + Integer.toUnsignedString(index) + " out of range (the module has "
                            + map.length + ")");
        }
        return map[index];
    }

    int size(int space) {
        return maps[space].length;
    }
}
