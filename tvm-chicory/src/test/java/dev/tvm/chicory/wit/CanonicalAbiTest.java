package dev.tvm.chicory.wit;

import static dev.tvm.chicory.wit.CoreType.I32;
import static dev.tvm.chicory.wit.CoreType.I64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The canonical ABI rules against hand-computed sizes, alignments, offsets and flattenings, and
 * lifting/lowering against bytes placed and read at hand-computed addresses of a Chicory memory.
 */
class CanonicalAbiTest {
    // ---------------------------------------------------------------- helpers

    private static WitInterface iface(String body) {
        return WitParser.parse("package t:t;\ninterface t {\n" + body + "\n}").iface("t");
    }

    /** The type {@code expr} with the declarations {@code decls} in scope. */
    private static WitType type(String decls, String expr) {
        return iface(decls + "\nprobe: func(x: " + expr + ");")
                .function("probe")
                .params()
                .get(0)
                .type();
    }

    private static String cases(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + i).collect(Collectors.joining(", "));
    }

    /** A 1-page memory and a bump cabi_realloc from 1024 that records its requests. */
    private static final class Guest {
        final Memory memory = new ByteArrayMemory(new MemoryLimits(1));
        final List<String> requests = new ArrayList<>();
        int top = 1024;
        final AbiContext cx = new AbiContext(memory, (oldPtr, oldSize, align, size) -> {
            requests.add(oldPtr + "," + oldSize + "," + align + "," + size);
            top = (top + align - 1) / align * align;
            int p = top;
            top += size;
            return p;
        });

        String string(int ptr, int len) {
            return new String(memory.readBytes(ptr, len), StandardCharsets.UTF_8);
        }

        int put(String s, int at) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            memory.write(at, b);
            return b.length;
        }
    }

    private static Map<String, Object> record(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    // ---------------------------------------------------------------- size and alignment

    @ParameterizedTest(name = "{1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "| bool | 1 | 1",
                "| u8 | 1 | 1",
                "| s16 | 2 | 2",
                "| u32 | 4 | 4",
                "| char | 4 | 4",
                "| s64 | 8 | 8",
                "| f32 | 4 | 4",
                "| float64 | 8 | 8",
                "| string | 8 | 4",
                "| list<u64> | 8 | 4",
                "| tuple<u8, u32> | 8 | 4",
                "| tuple<u8, u64, u8> | 24 | 8",
                "record r { a: u8, b: u16, c: u8 } | r | 6 | 2",
                "record r { a: u8, b: string } | r | 12 | 4",
                "| option<u8> | 2 | 1",
                "| option<u32> | 8 | 4",
                "| option<u64> | 16 | 8",
                "| option<string> | 12 | 4",
                "| result | 1 | 1",
                "| result<_, u8> | 2 | 1",
                "| result<u64, string> | 16 | 8",
                "| result<list<u8>, string> | 12 | 4",
                "enum e { a, b, c } | e | 1 | 1",
                "flags f { a, b, c, d, e, f, g, h } | f | 1 | 1",
                "flags f { a, b, c, d, e, f, g, h, i } | f | 2 | 2",
                "variant v { a, b(u16), c(tuple<u8, u8, u8>) } | v | 6 | 2",
                "variant v { a(u8), b(u64) } | v | 16 | 8",
            })
    void sizesAndAlignments(String decls, String expr, int size, int align) {
        WitType t = type(decls == null ? "" : decls, expr);
        assertEquals(size, CanonicalAbi.size(t), "size of " + expr);
        assertEquals(align, CanonicalAbi.alignment(t), "alignment of " + expr);
    }

    @Test
    void discriminantsGrowWithTheCaseCount() {
        assertEquals(1, CanonicalAbi.discriminantSize(2));
        assertEquals(1, CanonicalAbi.discriminantSize(256));
        assertEquals(2, CanonicalAbi.discriminantSize(257));
        assertEquals(2, CanonicalAbi.discriminantSize(65536));
        assertEquals(4, CanonicalAbi.discriminantSize(65537));
        WitType e256 = type("enum e { " + cases("c", 256) + " }", "e");
        WitType e257 = type("enum e { " + cases("c", 257) + " }", "e");
        assertEquals(1, CanonicalAbi.size(e256));
        assertEquals(2, CanonicalAbi.size(e257));
        assertEquals(2, CanonicalAbi.alignment(e257));
        // 257 cases, one with a u8 payload: u16 discriminant, payload at 2, size 3 rounded to 4.
        WitType v257 = type("variant v { p(u8), " + cases("c", 256) + " }", "v");
        assertEquals(2, CanonicalAbi.payloadOffset(v257));
        assertEquals(4, CanonicalAbi.size(v257));
        // Flags: 16 still fit a u16, 17..32 take a u32, all one i32 flat.
        assertEquals(2, CanonicalAbi.size(type("flags f { " + cases("f", 16) + " }", "f")));
        WitType f17 = type("flags f { " + cases("f", 17) + " }", "f");
        assertEquals(4, CanonicalAbi.size(f17));
        assertEquals(4, CanonicalAbi.alignment(f17));
        assertEquals(List.of(I32), CanonicalAbi.flatten(type("flags f { " + cases("f", 32) + " }", "f")));
        assertThrows(WitParseException.class, () -> type("flags f { " + cases("f", 33) + " }", "f"));
    }

    @Test
    void tvmRecordsHaveTheLayoutsTheGuestAssumes() {
        WitInterface types = TypedImports.wit().iface("types");
        WitType info = types.type("region-info");
        // region u32 @0, name string @4 (8 bytes), kind/allocator/tier/policy u8 @12..15, read-only
        // bool @16, pin-count u32 @20 (padded from 17), then seven u64 from 24.
        assertArrayEquals(
                new int[] {0, 4, 12, 13, 14, 15, 16, 20, 24, 32, 40, 48, 56, 64, 72}, CanonicalAbi.fieldOffsets(info));
        assertEquals(80, CanonicalAbi.size(info));
        assertEquals(8, CanonicalAbi.alignment(info));
        assertArrayEquals(new int[] {0, 4, 8, 16, 24, 32}, CanonicalAbi.fieldOffsets(types.type("compact-result")));
        assertEquals(40, CanonicalAbi.size(types.type("compact-result")));
        int[] metrics = CanonicalAbi.fieldOffsets(types.type("region-metrics"));
        assertEquals(17, metrics.length);
        for (int i = 0; i < 16; i++) {
            assertEquals(8 * i, metrics[i]);
        }
        assertEquals(128, metrics[16], "failures list after sixteen u64");
        assertEquals(136, CanonicalAbi.size(types.type("region-metrics")));
        assertArrayEquals(new int[] {0, 8}, CanonicalAbi.fieldOffsets(types.type("failure-count")));
        assertEquals(16, CanonicalAbi.size(types.type("failure-count")));
        assertEquals(72, CanonicalAbi.size(types.type("residency-stats")));
        assertEquals(8, CanonicalAbi.size(types.type("handle")));
        assertEquals(1, CanonicalAbi.size(types.type("error-code")), "18 cases: a u8");
        assertEquals(1, CanonicalAbi.size(types.type("policy")));

        WitInterface manager = TypedImports.wit().iface("manager");
        WitType describe = manager.function("describe").result();
        assertEquals(8, CanonicalAbi.payloadOffset(describe), "u8 discriminant, payload at the record's 8");
        assertEquals(88, CanonicalAbi.size(describe));
        WitType create = manager.function("create-region").result();
        assertEquals(4, CanonicalAbi.payloadOffset(create));
        assertEquals(8, CanonicalAbi.size(create));
        WitType destroy = manager.function("destroy-region").result();
        assertEquals(1, CanonicalAbi.payloadOffset(destroy));
        assertEquals(2, CanonicalAbi.size(destroy));
        WitType batch = manager.function("alloc-batch").result();
        assertEquals(4, CanonicalAbi.payloadOffset(batch));
        assertEquals(12, CanonicalAbi.size(batch));
        WitType residency =
                TypedImports.wit().iface("diagnostics").function("residency").result();
        assertEquals(8, CanonicalAbi.payloadOffset(residency));
        assertEquals(80, CanonicalAbi.size(residency));
    }

    // ---------------------------------------------------------------- flattening

    @ParameterizedTest(name = "{1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "| bool | i32",
                "| u64 | i64",
                "| f32 | f32",
                "| string | i32 i32",
                "| list<string> | i32 i32",
                "| tuple<u8, f64, string> | i32 f64 i32 i32",
                "| option<u8> | i32 i32",
                "| option<f32> | i32 f32",
                "| result | i32",
                "| result<string, u64> | i32 i64 i32",
                "variant v { a(u32), b(f32) } | v | i32 i32",
                "variant v { a(f32), b(f32) } | v | i32 f32",
                "variant v { a(u32), b(u64) } | v | i32 i64",
                "variant v { a(f64), b(f32) } | v | i32 i64",
                "variant v { a(tuple<u8, f32>), b(tuple<f32, u64, u8>), c } | v | i32 i32 i64 i32",
                "enum e { x, y } | e | i32",
                "record r { h: u64 } | r | i64",
            })
    void flattening(String decls, String expr, String flat) {
        List<CoreType> expected = Arrays.stream(flat.split(" "))
                .map(s -> CoreType.valueOf(s.toUpperCase(java.util.Locale.ROOT)))
                .toList();
        assertEquals(expected, CanonicalAbi.flatten(type(decls == null ? "" : decls, expr)));
    }

    @Test
    void regionInfoFlattensToExactlySixteenValues() {
        List<CoreType> flat =
                CanonicalAbi.flatten(TypedImports.wit().iface("types").type("region-info"));
        assertEquals(16, flat.size());
        assertEquals(List.of(I32, I32, I32, I32, I32, I32, I32, I32, I32), flat.subList(0, 9));
        assertEquals(List.of(I64, I64, I64, I64, I64, I64, I64), flat.subList(9, 16));
    }

    @Test
    void functionSignaturesFollowTheFlatLimits() {
        WitInterface i = iface(
                """
                record r16 { a: string, b: string, c: string, d: string, e: string, f: string, g: string, h: string }
                sixteen: func(a: u32, b: u32, c: u32, d: u32, e: u32, f: u32, g: u32, h: u32,
                              i: u32, j: u32, k: u32, l: u32, m: u32, n: u32, o: u32, p: u32) -> u64;
                seventeen: func(a: u32, b: u32, c: u32, d: u32, e: u32, f: u32, g: u32, h: u32,
                                i: u32, j: u32, k: u32, l: u32, m: u32, n: u32, o: u32, p: u32, q: u8) -> string;
                sixteen-and-area: func(x: r16) -> string;
                none: func();
                """);
        CanonicalAbi.CoreSignature s16 = CanonicalAbi.signature(i.function("sixteen"), CanonicalAbi.Direction.LOWER);
        assertEquals(16, s16.params().size());
        assertFalse(s16.paramsInMemory());
        assertEquals(List.of(I64), s16.results());
        assertFalse(s16.resultInMemory());

        CanonicalAbi.CoreSignature s17 = CanonicalAbi.signature(i.function("seventeen"), CanonicalAbi.Direction.LOWER);
        assertEquals("(i32,i32)->nil", s17.toString(), "a pointer to the parameters, then the return area");
        assertTrue(s17.paramsInMemory());
        assertTrue(s17.resultInMemory());
        assertEquals(
                "(i32)->i32",
                CanonicalAbi.signature(i.function("seventeen"), CanonicalAbi.Direction.LIFT)
                        .toString(),
                "an export returns a pointer to its result");

        // The return area is added after the parameter limit: 16 flat values plus the area.
        CanonicalAbi.CoreSignature area =
                CanonicalAbi.signature(i.function("sixteen-and-area"), CanonicalAbi.Direction.LOWER);
        assertEquals(17, area.params().size());
        assertFalse(area.paramsInMemory());
        assertEquals(
                "()->nil",
                CanonicalAbi.signature(i.function("none"), CanonicalAbi.Direction.LOWER)
                        .toString());

        WitInterface manager = TypedImports.wit().iface("manager");
        assertEquals(
                "(i32,i64,i32,i32,i32)->nil",
                CanonicalAbi.signature(manager.function("create-region"), CanonicalAbi.Direction.LOWER)
                        .toString());
        assertEquals(
                "()->i32",
                CanonicalAbi.signature(
                                TypedImports.wit().iface("diagnostics").function("region-count"),
                                CanonicalAbi.Direction.LOWER)
                        .toString());
    }

    // ---------------------------------------------------------------- lowering into memory

    @Test
    void describeResultLandsAtTheHandComputedOffsets() {
        Guest g = new Guest();
        WitFunction describe = TypedImports.wit().iface("manager").function("describe");
        FunctionAbi abi = FunctionAbi.of(describe, CanonicalAbi.Direction.LOWER);
        Map<String, Object> info = record(
                "region", 0x1001L,
                "name", "région ß 🙂",
                "kind", "page-store",
                "allocator", "slab",
                "tier", "cold",
                "policy", Set.of("spillable"),
                "read-only", true,
                "pin-count", 3L,
                "capacity", 1L << 32,
                "live-allocations", 5L,
                "live-bytes", 6L,
                "used-bytes", 7L,
                "touched-bytes", 8L,
                "resident-bytes", 9L,
                "spilled-bytes", -1L);
        int area = 256;
        assertNull(abi.lowerResult(g.cx, WitResult.ok(info), new long[] {0x1001, area}));
        Memory m = g.memory;
        assertEquals(0, m.read(area), "ok");
        int p = area + 8;
        assertEquals(0x1001, m.readInt(p));
        int namePtr = m.readInt(p + 4);
        int nameLen = m.readInt(p + 8);
        byte[] utf8 = "région ß 🙂".getBytes(StandardCharsets.UTF_8);
        assertEquals(utf8.length, nameLen);
        assertEquals("région ß 🙂", g.string(namePtr, nameLen));
        assertEquals(List.of("0,0,1," + utf8.length), g.requests, "one realloc, alignment 1, exact size");
        assertEquals(3, m.read(p + 12), "page-store");
        assertEquals(2, m.read(p + 13), "slab");
        assertEquals(2, m.read(p + 14), "cold");
        assertEquals(2, m.read(p + 15), "policy bit 1: spillable");
        assertEquals(1, m.read(p + 16), "read-only");
        assertEquals(3, m.readInt(p + 20));
        assertEquals(1L << 32, m.readLong(p + 24));
        for (int i = 0; i < 5; i++) {
            assertEquals(5 + i, m.readLong(p + 32 + 8 * i));
        }
        assertEquals(-1L, m.readLong(p + 72));

        // The error case: discriminant 1, the error-code index at the payload offset.
        assertNull(abi.lowerResult(g.cx, WitResult.error("stale-handle"), new long[] {0x1001, 512}));
        assertEquals(1, m.read(512));
        assertEquals(3, m.read(512 + 8));
    }

    @Test
    void listsAreAllocatedAtTheirElementAlignment() {
        Guest g = new Guest();
        g.top = 1025; // an odd start: the realloc must be asked for 8-byte alignment
        WitFunction batch = TypedImports.wit().iface("manager").function("alloc-batch");
        FunctionAbi abi = FunctionAbi.of(batch, CanonicalAbi.Direction.LOWER);
        List<Object> handles = List.of(record("raw", 0x1001_0000_1001L), record("raw", -2L), record("raw", 7L));
        abi.lowerResult(g.cx, WitResult.ok(handles), new long[] {1, 1, 3, 64});
        assertEquals(List.of("0,0,8,24"), g.requests);
        assertEquals(0, g.memory.read(64));
        int ptr = g.memory.readInt(68);
        assertEquals(1032, ptr);
        assertEquals(3, g.memory.readInt(72));
        assertEquals(0x1001_0000_1001L, g.memory.readLong(ptr));
        assertEquals(-2L, g.memory.readLong(ptr + 8));
        assertEquals(7L, g.memory.readLong(ptr + 16));

        // list<u8>: a byte[] copied in one piece; an empty list still asks realloc (size 0).
        FunctionAbi read =
                FunctionAbi.of(TypedImports.wit().iface("bytes").function("read"), CanonicalAbi.Direction.LOWER);
        read.lowerResult(g.cx, WitResult.ok(new byte[] {1, 2, 3}), new long[] {0, 0, 3, 96});
        int bytes = g.memory.readInt(100);
        assertEquals(3, g.memory.readInt(104));
        assertArrayEquals(new byte[] {1, 2, 3}, g.memory.readBytes(bytes, 3));
        read.lowerResult(g.cx, WitResult.ok(new byte[0]), new long[] {0, 0, 0, 96});
        assertEquals(0, g.memory.readInt(104));
        assertEquals("0,0,1,0", g.requests.get(g.requests.size() - 1));
    }

    @Test
    void directResultsNeedNoMemory() {
        Guest g = new Guest();
        WitInterface i = iface(
                """
                enum e { a, b, c }
                count: func() -> u32;
                pick: func() -> e;
                sign: func() -> s8;
                flag: func() -> bool;
                """);
        assertArrayEquals(
                new long[] {-1L},
                FunctionAbi.of(i.function("count"), CanonicalAbi.Direction.LOWER)
                        .lowerResult(g.cx, 0xFFFF_FFFFL, new long[0]),
                "u32 max is the i32 pattern -1");
        assertArrayEquals(
                new long[] {2},
                FunctionAbi.of(i.function("pick"), CanonicalAbi.Direction.LOWER).lowerResult(g.cx, "c", new long[0]));
        assertArrayEquals(
                new long[] {-5},
                FunctionAbi.of(i.function("sign"), CanonicalAbi.Direction.LOWER).lowerResult(g.cx, -5L, new long[0]));
        assertArrayEquals(
                new long[] {1},
                FunctionAbi.of(i.function("flag"), CanonicalAbi.Direction.LOWER).lowerResult(g.cx, true, new long[0]));
        assertTrue(g.requests.isEmpty());
    }

    // ---------------------------------------------------------------- lifting from the guest

    @Test
    void argumentsAreLiftedFromFlatValuesAndMemory() {
        Guest g = new Guest();
        WitInterface i = iface(
                """
                record handle { raw: u64 }
                f: func(a: u8, b: string, c: list<u32>, d: option<u64>, e: handle, f: bool, g: s8, h: char, k: list<u8>);
                """);
        FunctionAbi abi = FunctionAbi.of(i.function("f"), CanonicalAbi.Direction.LOWER);
        assertEquals(
                "(i32,i32,i32,i32,i32,i32,i64,i64,i32,i32,i32,i32,i32)->nil",
                abi.signature().toString());
        int len = g.put("naïve", 100);
        g.memory.writeI32(200, 7);
        g.memory.writeI32(204, -1);
        g.memory.write(300, new byte[] {9, 8});
        long[] core = {0x1FF, 100, len, 200, 2, 1, 1L << 40, -3L, 2, 0xFF, 0x1F600, 300, 2};
        List<Object> args = abi.liftArguments(g.cx, core);
        assertEquals(255L, args.get(0), "u8 keeps the low 8 bits");
        assertEquals("naïve", args.get(1));
        assertEquals(List.of(7L, 0xFFFF_FFFFL), args.get(2));
        assertEquals(Optional.of(1L << 40), args.get(3));
        assertEquals(Map.of("raw", -3L), args.get(4));
        assertEquals(true, args.get(5), "any non-zero i32 is true");
        assertEquals(-1L, args.get(6));
        assertEquals(0x1F600, args.get(7));
        assertArrayEquals(new byte[] {9, 8}, (byte[]) args.get(8));
        assertTrue(g.requests.isEmpty(), "lifting never allocates");
    }

    @Test
    void manyParametersTravelAsATupleInMemory() {
        Guest g = new Guest();
        WitInterface i =
                iface("big: func(a: u8, b: u64, c: string, d: list<u16>, e: option<s32>, f: u32, g: u32, h: u32,"
                        + " i: u32, j: u32, k: u32, l: u32, m: u32, n: u32, o: u32, p: u32) -> string;");
        WitFunction big = i.function("big");
        // 1 + 1 + 2 + 2 + 2 + 11 = 19 flat values: more than 16.
        FunctionAbi export = FunctionAbi.of(big, CanonicalAbi.Direction.LIFT);
        FunctionAbi imported = FunctionAbi.of(big, CanonicalAbi.Direction.LOWER);
        assertEquals("(i32)->i32", export.signature().toString());
        assertEquals("(i32,i32)->nil", imported.signature().toString());
        List<Object> values = new ArrayList<>(List.of(200L, -7L, "tuple", List.of(1L, 65535L), Optional.of(-9L)));
        for (long v = 0; v <= 10; v++) {
            values.add(v * 1000);
        }
        long[] core = export.lowerArguments(g.cx, values);
        assertEquals(1, core.length);
        int tuple = (int) core[0];
        // Tuple layout: u8 @0, u64 @8, string @16, list @24, option<s32> @32 (disc) / 36 (payload),
        // eleven u32 from 40 to 84; size rounded to 88, alignment 8.
        assertEquals(0, tuple % 8);
        assertEquals(200, g.memory.read(tuple) & 0xFF);
        assertEquals(-7L, g.memory.readLong(tuple + 8));
        assertEquals("tuple", g.string(g.memory.readInt(tuple + 16), g.memory.readInt(tuple + 20)));
        assertEquals(2, g.memory.readInt(tuple + 28));
        assertEquals(65535, g.memory.readShort(g.memory.readInt(tuple + 24) + 2) & 0xFFFF);
        assertEquals(1, g.memory.read(tuple + 32));
        assertEquals(-9, g.memory.readInt(tuple + 36));
        assertEquals(9000, g.memory.readInt(tuple + 40 + 36));
        assertEquals(10000, g.memory.readInt(tuple + 80));
        assertTrue(g.requests.contains("0,0,8,88"), g.requests.toString());

        assertEquals(values, imported.liftArguments(g.cx, new long[] {tuple, 512}));
        imported.lowerResult(g.cx, "done", new long[] {tuple, 512});
        assertEquals("done", export.liftResult(g.cx, new long[] {512}));
    }

    @Test
    void variantPayloadsAreCoercedToTheJoinedFlatTypes() {
        Guest g = new Guest();
        WitInterface i = iface(
                """
                variant v { a(u32), b(u64), c(f32), d }
                f: func(x: v) -> v;
                """);
        FunctionAbi export = FunctionAbi.of(i.function("f"), CanonicalAbi.Direction.LIFT);
        FunctionAbi imported = FunctionAbi.of(i.function("f"), CanonicalAbi.Direction.LOWER);
        assertEquals("(i32,i64,i32)->nil", imported.signature().toString());

        WitVariant a = new WitVariant("a", 0xFFFF_FFFFL);
        assertArrayEquals(new long[] {0, 0xFFFF_FFFFL}, export.lowerArguments(g.cx, List.of(a)), "zero-extended");
        WitVariant c = new WitVariant("c", 1.5f);
        long bits = Float.floatToRawIntBits(1.5f) & 0xFFFF_FFFFL;
        assertArrayEquals(new long[] {2, bits}, export.lowerArguments(g.cx, List.of(c)));
        assertArrayEquals(new long[] {3, 0}, export.lowerArguments(g.cx, List.of(WitVariant.of("d"))), "padded");

        assertEquals(List.of(a), imported.liftArguments(g.cx, new long[] {0, 0xFFFF_FFFFL, 0}));
        assertEquals(List.of(c), imported.liftArguments(g.cx, new long[] {2, bits, 0}));
        assertEquals(
                List.of(new WitVariant("a", 5L)),
                imported.liftArguments(g.cx, new long[] {0, 0x7_0000_0005L, 0}),
                "an i64 slot read as u32 wraps");
        assertEquals(List.of(new WitVariant("b", -1L)), imported.liftArguments(g.cx, new long[] {1, -1L, 0}));

        // In memory: u8 discriminant, payload at 8 (the u64 case's alignment), size 16.
        imported.lowerResult(g.cx, c, new long[] {2, bits, 128});
        assertEquals(2, g.memory.read(128));
        assertEquals(1.5f, g.memory.readFloat(136));
        assertEquals(c, export.liftResult(g.cx, new long[] {128}));
    }

    @Test
    void optionsResultsEnumsAndFlagsRoundTrip() {
        Guest g = new Guest();
        WitInterface i = iface(
                """
                enum e { x, y, z }
                flags f { r, w, x }
                record rec { o: option<string>, r: result<u8, e>, fl: f, t: tuple<char, s16>, l: list<option<u32>> }
                echo: func(v: rec) -> rec;
                """);
        FunctionAbi export = FunctionAbi.of(i.function("echo"), CanonicalAbi.Direction.LIFT);
        FunctionAbi imported = FunctionAbi.of(i.function("echo"), CanonicalAbi.Direction.LOWER);
        Map<String, Object> v = record(
                "o", Optional.of("é"),
                "r", WitResult.error("z"),
                "fl", Set.of("r", "x"),
                "t", List.of(0x10FFFF, -2L),
                "l", List.of(Optional.empty(), Optional.of(42L)));
        long[] core = export.lowerArguments(g.cx, List.of(v));
        // option<string> 3 + result<u8, e> 2 + flags 1 + tuple 2 + list 2 = 10 flat values.
        assertEquals(10, core.length);
        assertEquals(5, core[5], "flags r|x = 0b101");
        List<Object> back = imported.liftArguments(g.cx, Arrays.copyOf(core, 11));
        assertEquals(List.of(v), back);
        imported.lowerResult(g.cx, v, appendArea(core, 2048));
        assertEquals(v, export.liftResult(g.cx, new long[] {2048}));
        // rec in memory: option<string> @0 (12 bytes), result<u8,e> @12 (2), flags @14, tuple
        // <char, s16> @16 (8), list @24; size 32, alignment 4.
        assertEquals(32, CanonicalAbi.size(i.type("rec")));
        assertArrayEquals(new int[] {0, 12, 14, 16, 24}, CanonicalAbi.fieldOffsets(i.type("rec")));
        assertEquals(1, g.memory.read(2048 + 12), "error case");
        assertEquals(2, g.memory.read(2048 + 13), "z");
        assertEquals(5, g.memory.read(2048 + 14));
        assertEquals(0x10FFFF, g.memory.readInt(2048 + 16));
    }

    private static long[] appendArea(long[] core, int area) {
        long[] out = Arrays.copyOf(core, core.length + 1);
        out[core.length] = area;
        return out;
    }

    // ---------------------------------------------------------------- traps and host errors

    @Test
    void guestViolationsTrap() {
        Guest g = new Guest();
        WitInterface i = iface(
                """
                enum e { a, b, c }
                s: func(x: string);
                l: func(x: list<u32>);
                en: func(x: e);
                ch: func(x: char);
                r: func() -> result<u64, e>;
                v: func(x: list<result<u8, u8>>);
                """);
        FunctionAbi s = FunctionAbi.of(i.function("s"), CanonicalAbi.Direction.LOWER);
        assertThrows(CanonicalAbiException.class, () -> s.liftArguments(g.cx, new long[] {65530, 10}), "past the end");
        assertThrows(CanonicalAbiException.class, () -> s.liftArguments(g.cx, new long[] {-1, 1}), "unsigned ptr");
        assertThrows(CanonicalAbiException.class, () -> s.liftArguments(g.cx, new long[] {0, -1}), "length >= 2^31");
        g.memory.write(10, new byte[] {(byte) 0xC3, 0x28});
        CanonicalAbiException utf8 =
                assertThrows(CanonicalAbiException.class, () -> s.liftArguments(g.cx, new long[] {10, 2}));
        assertTrue(utf8.getMessage().contains("UTF-8"), utf8.getMessage());
        FunctionAbi l = FunctionAbi.of(i.function("l"), CanonicalAbi.Direction.LOWER);
        assertThrows(CanonicalAbiException.class, () -> l.liftArguments(g.cx, new long[] {2, 1}), "misaligned");
        assertThrows(CanonicalAbiException.class, () -> l.liftArguments(g.cx, new long[] {0, 1 << 20}), "too long");
        assertEquals(List.of(List.of()), l.liftArguments(g.cx, new long[] {65536, 0}), "empty at the end is fine");
        FunctionAbi en = FunctionAbi.of(i.function("en"), CanonicalAbi.Direction.LOWER);
        assertThrows(CanonicalAbiException.class, () -> en.liftArguments(g.cx, new long[] {3}));
        assertThrows(CanonicalAbiException.class, () -> en.liftArguments(g.cx, new long[] {-1}));
        FunctionAbi ch = FunctionAbi.of(i.function("ch"), CanonicalAbi.Direction.LOWER);
        assertThrows(CanonicalAbiException.class, () -> ch.liftArguments(g.cx, new long[] {0xD800}), "surrogate");
        assertThrows(CanonicalAbiException.class, () -> ch.liftArguments(g.cx, new long[] {0x110000}));
        FunctionAbi v = FunctionAbi.of(i.function("v"), CanonicalAbi.Direction.LOWER);
        g.memory.write(40, new byte[] {0, 7, 2, 7});
        assertThrows(CanonicalAbiException.class, () -> v.liftArguments(g.cx, new long[] {40, 2}), "disc 2 of 2");

        FunctionAbi r = FunctionAbi.of(i.function("r"), CanonicalAbi.Direction.LOWER);
        assertThrows(CanonicalAbiException.class, () -> r.lowerResult(g.cx, WitResult.ok(1L), new long[] {4}));
        assertThrows(CanonicalAbiException.class, () -> r.lowerResult(g.cx, WitResult.ok(1L), new long[] {65536 - 8}));
        r.lowerResult(g.cx, WitResult.ok(1L), new long[] {65536 - 16});
        assertEquals(1L, g.memory.readLong(65536 - 8));
    }

    @Test
    void aBadReallocTraps() {
        Memory memory = new ByteArrayMemory(new MemoryLimits(1));
        WitFunction f = iface("f: func() -> string;").function("f");
        FunctionAbi abi = FunctionAbi.of(f, CanonicalAbi.Direction.LOWER);
        AbiContext outside = new AbiContext(memory, (p, o, a, n) -> 65535);
        assertThrows(CanonicalAbiException.class, () -> abi.lowerResult(outside, "abc", new long[] {0}));
        AbiContext none = new AbiContext(memory, null);
        assertThrows(CanonicalAbiException.class, () -> abi.lowerResult(none, "abc", new long[] {0}));
        WitFunction g = iface("g: func() -> list<u64>;").function("g");
        AbiContext misaligned = new AbiContext(memory, (p, o, a, n) -> 4);
        assertThrows(CanonicalAbiException.class, () -> FunctionAbi.of(g, CanonicalAbi.Direction.LOWER)
                .lowerResult(misaligned, List.of(1L), new long[] {0}));
    }

    @Test
    void hostValuesOfTheWrongShapeAreHostBugs() {
        Guest g = new Guest();
        WitInterface i = iface(
                """
                enum e { a, b }
                record r { x: u8 }
                u: func() -> u8;
                en: func() -> e;
                rec: func() -> r;
                str: func() -> string;
                """);
        assertThrows(IllegalArgumentException.class, () -> FunctionAbi.of(i.function("u"), CanonicalAbi.Direction.LOWER)
                .lowerResult(g.cx, 256L, new long[0]));
        assertThrows(
                IllegalArgumentException.class, () -> FunctionAbi.of(i.function("en"), CanonicalAbi.Direction.LOWER)
                        .lowerResult(g.cx, "c", new long[0]));
        assertThrows(
                IllegalArgumentException.class, () -> FunctionAbi.of(i.function("rec"), CanonicalAbi.Direction.LOWER)
                        .lowerResult(g.cx, Map.of("y", 1L), new long[0]));
        assertThrows(
                IllegalArgumentException.class, () -> FunctionAbi.of(i.function("str"), CanonicalAbi.Direction.LOWER)
                        .lowerResult(g.cx, 5L, new long[] {0}));
        assertThrows(IllegalStateException.class, () -> FunctionAbi.of(i.function("u"), CanonicalAbi.Direction.LIFT)
                .liftArguments(g.cx, new long[0]));
    }
}
