package dev.tvm.chicory.wit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.RegionKind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WitParserTest {

    @Test
    void parsesTheShippedDescription() {
        WitPackage pkg = WitParser.parseResource(TypedImports.WIT_RESOURCE);
        assertEquals("tvm:memory@0.1.0", pkg.id());
        assertEquals(
                List.of("types", "manager", "bytes", "diagnostics"),
                List.copyOf(pkg.interfaces().keySet()));
        assertEquals("tvm:memory/manager@0.1.0", pkg.importModule("manager"));
        assertEquals(
                List.of(
                        "create-region",
                        "destroy-region",
                        "describe",
                        "list-regions",
                        "pin",
                        "unpin",
                        "reset",
                        "compact",
                        "alloc",
                        "alloc-batch",
                        "free",
                        "size-of"),
                pkg.iface("manager").functions().stream().map(WitFunction::name).toList());
        assertEquals(
                List.of("write", "read", "copy", "fill"),
                pkg.iface("bytes").functions().stream().map(WitFunction::name).toList());
        assertEquals(
                List.of(
                        "metrics",
                        "directory-metrics",
                        "residency",
                        "region-count",
                        "last-error",
                        "last-error-message"),
                pkg.iface("diagnostics").functions().stream()
                        .map(WitFunction::name)
                        .toList());
        WitPackage.World world = pkg.worlds().get("guest");
        assertEquals(List.of("manager", "bytes", "diagnostics"), world.imports());
        assertEquals(List.of(), world.exports());

        // use resolves to the very same type objects; the alias `region` is u32.
        WitInterface types = pkg.iface("types");
        assertSame(types.type("region-info"), pkg.iface("manager").type("region-info"));
        assertSame(WitType.Primitive.U32, pkg.iface("manager").type("region"));
        assertEquals(
                "create-region: func(kind: region-kind, capacity: u64, name: string) -> result<u32, error-code>",
                pkg.iface("manager").function("create-region").wit());
        assertEquals(
                "read: func(handle: handle, offset: u64, len: u32) -> result<list<u8>, error-code>",
                pkg.iface("bytes").function("read").wit());
        assertEquals(
                "residency: func() -> option<residency-stats>",
                pkg.iface("diagnostics").function("residency").wit());

        // The enums list the Java constants in order.
        WitType.EnumType kinds = (WitType.EnumType) types.type("region-kind");
        assertEquals(RegionKind.values().length, kinds.cases().size());
        for (RegionKind k : RegionKind.values()) {
            assertEquals(WitArgs.witName(k), kinds.cases().get(k.code()));
        }
        WitType.EnumType errors = (WitType.EnumType) types.type("error-code");
        for (ErrorCode c : ErrorCode.values()) {
            assertEquals(-(errors.cases().indexOf(WitArgs.witName(c)) + 1), c.code(), c.name());
        }
        WitType.RecordType info = (WitType.RecordType) types.type("region-info");
        assertEquals("name", info.fields().get(1).name());
        assertEquals(WitType.Primitive.STRING, info.fields().get(1).type());
        assertEquals(
                new WitType.FlagsType("policy", List.of("pinnable", "spillable")),
                info.fields().get(5).type());
        assertEquals(pkg, TypedImports.wit());
    }

    @Test
    void parsesEveryConstructOfTheSubset() {
        WitPackage pkg = WitParser.parse(
                """
                // line comment
                /* block /* nested */ comment */
                package example:demo;

                interface b {
                    use a.{point, color as colour};
                    /// doc comment
                    paint: func(p: point, c: colour, %type: u8) -> result;
                    unit-err: func() -> result<_, string>;
                    ok-only: func() -> result<u32>;
                    both: func(t: tuple<u8, s64, f32, float64, char, bool>) -> result<list<point>, colour>;
                }

                interface a {
                    type coords = list<point>;
                    record point { x: s32, y: s32, }
                    enum color { red, green, blue }
                    flags perms { read, write, exec }
                    variant shape { none, circle(u32), poly(coords) }
                    maybe: func(s: shape, p: perms) -> option<option<s16>>;
                    nothing: func();
                }

                world w { import a; export b; }
                """);
        assertEquals("example:demo", pkg.id());
        assertNull(pkg.version());
        assertEquals("example:demo/a", pkg.importModule("a"));
        WitInterface a = pkg.iface("a");
        WitType.RecordType point = (WitType.RecordType) a.type("point");
        assertEquals(
                List.of("x", "y"),
                point.fields().stream().map(WitType.Field::name).toList());
        assertEquals(new WitType.ListType(point), a.type("coords"));
        WitType.VariantType shape = (WitType.VariantType) a.type("shape");
        assertNull(shape.cases().get(0).type());
        assertEquals(WitType.Primitive.U32, shape.cases().get(1).type());
        assertEquals(new WitType.ListType(point), shape.cases().get(2).type());
        assertEquals(2, shape.indexOf("poly"));
        assertEquals(
                new WitType.OptionType(new WitType.OptionType(WitType.Primitive.S16)),
                a.function("maybe").result());
        assertNull(a.function("nothing").result());

        WitInterface b = pkg.iface("b");
        assertSame(point, b.type("point"));
        assertSame(a.type("color"), b.type("colour"));
        WitFunction paint = b.function("paint");
        assertEquals("type", paint.params().get(2).name(), "%type escapes the keyword");
        assertEquals(new WitType.ResultType(null, null), paint.result());
        assertEquals(
                new WitType.ResultType(null, WitType.Primitive.STRING),
                b.function("unit-err").result());
        assertEquals(
                new WitType.ResultType(WitType.Primitive.U32, null),
                b.function("ok-only").result());
        assertEquals(
                new WitType.TupleType(List.of(
                        WitType.Primitive.U8,
                        WitType.Primitive.S64,
                        WitType.Primitive.F32,
                        WitType.Primitive.F64,
                        WitType.Primitive.CHAR,
                        WitType.Primitive.BOOL)),
                b.function("both").params().get(0).type());
        assertEquals("result<list<point>, color>", b.function("both").result().wit());
        assertEquals(List.of("a"), pkg.worlds().get("w").imports());
        assertEquals(List.of("b"), pkg.worlds().get("w").exports());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "unknown type | interface i { f: func(x: nope); } | unknown type nope",
                "resource | interface i { resource r; } | 'resource' is not supported",
                "borrow | interface i { f: func(x: borrow<r>); } | 'borrow' is not supported",
                "future | interface i { f: func() -> future<u8>; } | 'future' is not supported",
                "duplicate name | interface i { type a = u8; a: func(); } | 'a' is defined twice",
                "duplicate field | interface i { record r { x: u8, x: u8 } } | field 'x' appears twice",
                "self reference | interface i { record r { x: list<r> } } | refers to itself",
                "alias cycle | interface i { type a = b; type b = a; } | refers to itself",
                "unknown interface | interface i { use j.{t}; } | use of unknown interface j",
                "unknown used type | interface i { use j.{t}; } interface j { type u = u8; } | has no type t",
                "foreign package | interface i { use wasi:io/streams.{t}; } | use of other packages",
                "named results | interface i { f: func() -> (a: u8); } | named or multiple results",
                "empty enum | interface i { enum e { } } | enum e has no cases",
                "underscore | interface i { f: func(x: _); } | '_' is only allowed",
                "world function | world w { import f: func(); } | functions and inline interfaces",
                "world unknown | world w { import nope; } | unknown interface nope",
                "missing semicolon | interface i { f: func() } | expected ';'",
                "bad character | interface i { f: func() -> u8; } # | unexpected character '#'",
            })
    void rejectsWhatItDoesNotSupport(String what, String body, String message) {
        WitParseException e =
                assertThrows(WitParseException.class, () -> WitParser.parse("package t:t@1.0.0;\n" + body));
        assertTrue(e.getMessage().contains(message), what + ": " + e.getMessage());
    }

    @Test
    void reportsPositionsAndPackageErrors() {
        WitParseException e = assertThrows(
                WitParseException.class, () -> WitParser.parse("package t:t;\ninterface i {\n  f: func(x: nope);\n}"));
        assertTrue(e.getMessage().contains("line 3:"), e.getMessage());
        assertThrows(WitParseException.class, () -> WitParser.parse("interface i {}"));
        assertThrows(WitParseException.class, () -> WitParser.parse("package nons;"));
        assertThrows(WitParseException.class, () -> WitParser.parse("package a:b; /* open"));
        assertThrows(IllegalArgumentException.class, () -> WitParser.parseResource("wit/none.wit"));
    }

    @Test
    void versionsMayCarryPreReleases() {
        WitPackage pkg = WitParser.parse("package wasi:io@0.2.0-rc-2023-11-10; interface streams {}");
        assertEquals("0.2.0-rc-2023-11-10", pkg.version());
        assertEquals("wasi:io/streams@0.2.0-rc-2023-11-10", pkg.importModule("streams"));
    }
}
