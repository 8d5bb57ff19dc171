package dev.tvm.guest.link;

import static dev.tvm.guest.link.Wasm.b;
import static dev.tvm.guest.link.Wasm.code;
import static dev.tvm.guest.link.Wasm.function;
import static dev.tvm.guest.link.Wasm.functionWithMemory;
import static dev.tvm.guest.link.Wasm.module;
import static dev.tvm.guest.link.Wasm.oneFunction;
import static dev.tvm.guest.link.Wasm.sec;
import static dev.tvm.guest.link.Wasm.u32;
import static dev.tvm.guest.link.Wasm.voidType;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import dev.tvm.guest.ShellGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The linker refuses malformed and unsupported guests with a {@link LinkException} that names the
 * section and offset, and never lets another exception escape: a hand-written corpus of broken
 * modules (each with the words its error must contain), truncations of the real C guest, and
 * random byte mutations of it.
 */
class MalformedInputTest {
    private static final byte[] SHELL =
            ShellGenerator.builder().withPools(2).withMaximumPages(64).build().generate();
    private static final Linker LINKER = Linker.builder().build();

    /** {@code i64 -> i32}, the type of {@code free}, then {@code (i32, i64) -> i64}, that of {@code alloc}. */
    private static byte[] shellTypes() {
        return sec(1, 2, 0x60, 1, 0x7e, 1, 0x7f, 0x60, 2, 0x7f, 0x7e, 1, 0x7e);
    }

    static Stream<Arguments> corpus() {
        List<Arguments> c = new ArrayList<>();
        // framing
        c.add(case_("empty file", new byte[0], "not a WebAssembly module"));
        c.add(case_("four bytes", b(0, 0x61, 0x73, 0x6d), "not a WebAssembly module"));
        c.add(case_("bad magic", b(0, 0x61, 0x73, 0x6e, 1, 0, 0, 0), "bad magic"));
        c.add(case_("version 2", b(0, 0x61, 0x73, 0x6d, 2, 0, 0, 0), "unsupported binary version 2"));
        c.add(case_("a component", b(0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0), "a component"));
        c.add(case_("section id without size", module(b(1)), "unexpected end of input"));
        c.add(case_("section longer than the file", module(b(1, 10, 1, 0x60)), "declares 10 bytes"));
        c.add(case_("unknown section id", module(sec(14, 0)), "unknown section id 14"));
        c.add(case_("sections out of order", module(sec(5, 1, 0, 1), voidType()), "out of order"));
        c.add(case_("repeated section", module(voidType(), voidType()), "out of order or repeated"));
        c.add(case_("unread bytes in a section", module(sec(1, 1, 0x60, 0, 0, 0x99)), "unread bytes"));
        c.add(case_("u32 longer than 5 bytes", module(b(1, 0x80, 0x80, 0x80, 0x80, 0x80, 0)), "longer than 5 bytes"));
        c.add(case_("u32 overflowing", module(b(1, 0xff, 0xff, 0xff, 0xff, 0x7f)), "overflows 32 bits"));
        c.add(case_("huge item count", module(sec(1, 0xff, 0xff, 0xff, 0xff, 0x0f)), "exceeds the section"));
        // types
        c.add(case_("GC array type", module(sec(1, 1, 0x5e, 0x7f, 0)), "not a function type"));
        c.add(case_("typed reference parameter", module(sec(1, 1, 0x60, 1, 0x64, 0x70, 0)), "unsupported value type"));
        // imports
        c.add(case_("import of unknown kind", module(voidType(), sec(2, 1, "env", "x", 5, 0)), "unknown kind 5"));
        c.add(case_("import name not UTF-8", module(voidType(), sec(2, 1, 3, 0xff, 0xfe, 0xfd, "x", 0, 0)), "UTF-8"));
        c.add(case_("import of a missing type", module(voidType(), sec(2, 1, "env", "f", 0, 7)), "type index 7"));
        c.add(case_(
                "memory imported from the shell",
                module(sec(2, 1, "tvm_shell", "pool0", 2, 0, 1)),
                "only functions can be imported from the shell"));
        c.add(case_(
                "function the shell lacks",
                module(voidType(), sec(2, 1, "tvm_shell", "no_such", 0, 0)),
                "exports no function 'no_such'"));
        c.add(case_(
                "shell function with the wrong type",
                module(shellTypes(), sec(2, 1, "tvm_shell", "alloc", 0, 0)),
                "with type (i64) -> (i32) but the shell's function has type (i32, i64) -> (i64)"));
        // functions, tables, memories, globals
        c.add(case_("function of a missing type", module(voidType(), sec(3, 1, 4)), "type index 4"));
        c.add(case_("bodies missing", module(voidType(), oneFunction()), "1 functions declared but 0 bodies"));
        c.add(case_("table with an initialiser", module(sec(4, 1, 0x40, 0, 0x70, 0, 1)), "initialiser expressions"));
        c.add(case_("table of a GC type", module(sec(4, 1, 0x63, 0, 1)), "not funcref or externref"));
        c.add(case_("custom page size", module(sec(5, 1, 0x08, 1)), "custom page sizes"));
        c.add(case_("memory64 guest memory", module(sec(5, 1, 0x04, 1)), "64-bit"));
        c.add(case_("memory maximum below minimum", module(sec(5, 1, 1, 5, 2)), "below minimum"));
        c.add(case_("memory over 4 GiB", module(sec(5, 1, 0, 0x80, 0xa2, 0x04)), "exceeds 65536"));
        c.add(case_("shared memory without maximum", module(sec(5, 1, 2, 1)), "must have a maximum"));
        c.add(case_("global mutability 2", module(sec(6, 1, 0x7f, 2, 0x41, 0, 0x0b)), "mutability"));
        c.add(case_("call in a constant expression", module(sec(6, 1, 0x7f, 0, 0x10, 0, 0x0b)), "constant expression"));
        c.add(case_("global.get of a missing global", module(sec(6, 1, 0x7f, 0, 0x23, 3, 0x0b)), "global index 3"));
        // exports and start
        c.add(case_(
                "repeated export name",
                module(voidType(), oneFunction(), sec(7, 2, "f", 0, 0, "f", 0, 0), code(0x0b)),
                "repeated"));
        c.add(case_("export of a missing function", module(sec(7, 1, "f", 0, 0)), "names function 0"));
        c.add(case_("export of unknown kind", module(sec(7, 1, "f", 9, 0)), "unknown kind 9"));
        c.add(case_("missing start function", module(voidType(), sec(8, 0)), "start function 0 does not exist"));
        // element and data segments
        c.add(case_("element flags 9", module(sec(9, 1, 9, 0)), "flags 9 unknown"));
        c.add(case_("active element without a table", module(sec(9, 1, 0, 0x41, 0, 0x0b, 0)), "no table"));
        c.add(case_(
                "element naming a missing function",
                module(sec(4, 1, 0x70, 0, 1), sec(9, 1, 0, 0x41, 0, 0x0b, 1, 5)),
                "names function 5"));
        c.add(case_("data flags 3", module(sec(5, 1, 0, 1), sec(11, 1, 3, 0)), "flags 3 unknown"));
        c.add(case_("data in a missing memory", module(sec(11, 1, 0, 0x41, 0, 0x0b, 0)), "names memory 0"));
        c.add(case_(
                "data longer than its section",
                module(sec(5, 1, 0, 1), sec(11, 1, 1, 100, 1, 2)),
                "data segment 0 of 100 bytes"));
        c.add(case_(
                "data count disagrees",
                module(sec(5, 1, 0, 1), sec(12, 2), sec(11, 1, 1, 0)),
                "data count section says 2"));
        // code
        c.add(case_("empty body", module(voidType(), oneFunction(), sec(10, 1, 0, 0)), "function body of 0 bytes"));
        c.add(case_("unknown opcode", function(0xff, 0x0b), "unknown or unsupported opcode 0xff"));
        c.add(case_("GC instruction", function(0xfb, 0, 0x0b), "GC instructions are unsupported"));
        c.add(case_("call of a missing function", function(0x10, 9, 0x0b), "function index 9 out of range"));
        c.add(case_("global.set of a missing global", function(0x41, 0, 0x24, 0, 0x0b), "global index 0"));
        c.add(case_(
                "memory argument naming a missing memory",
                functionWithMemory(0x41, 0, 0x28, 0x42, 5, 0, 0x1a, 0x0b),
                "memory index 5 out of range"));
        c.add(case_("load without a memory", function(0x41, 0, 0x28, 2, 0, 0x1a, 0x0b), "memory index 0"));
        c.add(case_("bad alignment flags", functionWithMemory(0x41, 0, 0x28, 0x20, 0, 0x1a, 0x0b), "flags 32"));
        c.add(case_("br_table longer than the body", function(0x0e, 0xff, 0xff, 0x03, 0x0b), "exceeds the section"));
        c.add(case_("bytes after the final end", function(0x0b, 0x01), "bytes after its final end"));
        c.add(case_("body without an end", function(0x01, 0x01), "unexpected end"));
        c.add(case_("unclosed block", function(0x02, 0x40, 0x0b), "unexpected end"));
        c.add(case_(
                "too many locals",
                module(voidType(), oneFunction(), sec(10, 1, 6, 1, 0xff, 0xff, 0x03, 0x7f, 0x0b)),
                "locals"));
        c.add(case_("unknown 0xfc opcode", function(0xfc, 99, 0x0b), "unknown 0xfc opcode 99"));
        c.add(case_("unknown SIMD opcode", function(0xfd, 0xe7, 0x07, 0x0b), "unknown SIMD opcode 999"));
        c.add(case_("atomic.fence with a flag", function(0xfe, 3, 1, 0x0b), "atomic.fence"));
        c.add(case_("unsupported block type", function(0x02, 0x6e, 0x0b, 0x0b), "unsupported block type"));
        c.add(case_("block of a missing type", function(0x02, 0x05, 0x0b, 0x0b), "type index 5 out of range"));
        c.add(case_("delegate outside try", function(0x18, 0, 0x0b), "delegate outside a try"));
        c.add(case_(
                "i32.const overlong", function(0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1a, 0x0b), "s32 LEB128"));
        // custom sections
        c.add(case_("relocatable object", module(sec(0, "linking", 2)), "relocatable object"));
        c.add(case_("relocations", module(sec(0, "reloc.CODE", 0)), "relocatable object"));
        c.add(case_("custom section name too long", module(sec(0, 40, 1)), "needs 40 bytes"));
        c.add(case_(
                "name subsections out of order",
                module(voidType(), oneFunction(), code(0x0b), sec(0, "name", 1, 2, 1, 0, 0, 1, 0)),
                "name subsection 0 out of order"));
        c.add(case_(
                "function name of a missing function",
                module(voidType(), oneFunction(), code(0x0b), sec(0, "name", 1, 5, 1, 7, "f", 0)),
                "function index 7"));
        return c.stream();
    }

    private static Arguments case_(String name, byte[] bytes, String expected) {
        return Arguments.of(name, bytes, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void eachMalformedGuestIsRefusedWithItsReason(String name, byte[] bytes, String expected) {
        LinkException e = assertThrows(LinkException.class, () -> LINKER.link(bytes, SHELL), name);
        assertTrue(e.getMessage().contains(expected), name + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith("guest: section '"), e.getMessage());
        assertEquals("guest", e.input());
    }

    @Test
    void theCorpusHasAtLeastFiftyCases() {
        assertTrue(corpus().count() >= 50, "corpus size " + corpus().count());
    }

    @Test
    void everyTruncationOfTheRealGuestIsRefused() throws IOException {
        byte[] guest = LinkedWorkloadsTest.guest();
        int refused = 0;
        for (int len = 0; len < guest.length; len += Math.max(1, guest.length / 400)) {
            byte[] cut = Arrays.copyOf(guest, len);
            try {
                LINKER.link(cut, SHELL);
                // a cut exactly at a section boundary is a well-formed, smaller module: it must link validly
                Parser.parse(LINKER.link(cut, SHELL).wasm());
            } catch (LinkException e) {
                assertTrue(e.offset() >= -1 && e.offset() <= len, e.getMessage());
                refused++;
            }
        }
        assertTrue(refused > 300, "refused " + refused);
    }

    @Test
    void randomMutationsGiveALinkExceptionOrAModuleAsValidAsTheInput() throws IOException {
        byte[] guest = LinkedWorkloadsTest.guest();
        SplittableRandom rnd = new SplittableRandom(42);
        int refused = 0;
        int linked = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] m = guest.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
            }
            byte[] out;
            try {
                out = LINKER.link(m, SHELL).wasm();
            } catch (LinkException e) {
                refused++;
                continue;
            } catch (RuntimeException e) {
                fail("mutation " + i + " escaped as " + e, e);
                return;
            }
            linked++;
            if (validInChicory(m)) {
                assertTrue(validInChicory(out), "mutation " + i + ": a valid input linked into an invalid module");
            }
        }
        assertTrue(refused > 0 && linked > 0, "refused " + refused + ", linked " + linked);
    }

    private static boolean validInChicory(byte[] wasm) {
        try {
            Instance.builder(Parser.parse(wasm)).withStart(false).build();
            return true;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @Test
    void aShellWithImportsIsRefused() {
        byte[] shell = module(voidType(), sec(2, 1, "env", "f", 0, 0));
        LinkException e = assertThrows(LinkException.class, () -> LINKER.link(function(0x0b), shell));
        assertEquals("shell", e.input());
        assertTrue(e.getMessage().contains("must be self-contained"), e.getMessage());
    }

    @Test
    void helperDslWritesLeb() {
        assertEquals(2, u32(200).length);
    }
}
