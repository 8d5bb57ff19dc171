package dev.tvm.guest.engines;

import static dev.tvm.guest.engines.CallScript.f32;
import static dev.tvm.guest.engines.CallScript.f64;
import static dev.tvm.guest.engines.CallScript.i64;
import static dev.tvm.guest.engines.CallScript.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tvm.guest.wasm.Code;
import dev.tvm.guest.wasm.FuncType;
import dev.tvm.guest.wasm.ModuleBuilder;
import dev.tvm.guest.wasm.ValType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The harness itself: value conversions, trap kinds, the WASI stub and {@code proc_exit} give the
 * same results in Chicory (both engines), Node and Chromium, on a small hand-built module.
 */
class EnginesHarnessTest {
    private static final String HELLO = "hello, engines\n";

    /** fd_write/proc_exit/clock_time_get imports, a memory, and functions that trap or echo values. */
    static byte[] probeModule() {
        ModuleBuilder m = new ModuleBuilder();
        String wasi = "wasi_snapshot_preview1";
        int fdWrite = m.importFunction(
                wasi, "fd_write", FuncType.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32));
        int procExit = m.importFunction(wasi, "proc_exit", FuncType.of(null, ValType.I32));
        int clock = m.importFunction(
                wasi, "clock_time_get", FuncType.of(ValType.I32, ValType.I32, ValType.I64, ValType.I32));
        m.exportMemory("memory", m.memory(1, 1));
        m.data(0, 64, HELLO.getBytes(StandardCharsets.UTF_8));

        int hello = m.function(FuncType.of(ValType.I32));
        m.body(
                hello,
                new Code(0)
                        .i32Const(0)
                        .i32Const(64)
                        .i32Store(0, 0)
                        .i32Const(4)
                        .i32Const(HELLO.length())
                        .i32Store(0, 0)
                        .i32Const(1)
                        .i32Const(0)
                        .i32Const(1)
                        .i32Const(8)
                        .call(fdWrite));
        m.exportFunction("hello", hello);
        int written = m.function(FuncType.of(ValType.I32));
        m.body(written, new Code(0).i32Const(8).i32Load(0, 0));
        m.exportFunction("written", written);
        int bye = m.function(FuncType.of(null, ValType.I32));
        m.body(bye, new Code(1).localGet(0).call(procExit));
        m.exportFunction("bye", bye);
        int time = m.function(FuncType.of(ValType.I32));
        m.body(time, new Code(0).i32Const(0).i64Const(1).i32Const(32).call(clock));
        m.exportFunction("clock", time);

        int div = m.function(FuncType.of(ValType.I32, ValType.I32, ValType.I32));
        m.body(div, new Code(2).localGet(0).localGet(1).i32DivU());
        m.exportFunction("div_u", div);
        int boom = m.function(FuncType.of(null));
        m.body(boom, new Code(0).unreachable());
        m.exportFunction("boom", boom);
        int peek = m.function(FuncType.of(ValType.I32, ValType.I32));
        m.body(peek, new Code(1).localGet(0).i32Load(0, 0));
        m.exportFunction("peek", peek);
        int f32 = m.function(FuncType.of(ValType.F32, ValType.F32));
        m.body(
                f32,
                new Code(1)
                        .i32Const(128)
                        .localGet(0)
                        .f32Store(0, 0)
                        .i32Const(128)
                        .f32Load(0, 0));
        m.exportFunction("f32_rt", f32);
        int f64 = m.function(FuncType.of(ValType.F64, ValType.F64));
        m.body(
                f64,
                new Code(1)
                        .i32Const(136)
                        .localGet(0)
                        .f64Store(0, 0)
                        .i32Const(136)
                        .f64Load(0, 0));
        m.exportFunction("f64_rt", f64);
        int add64 = m.function(FuncType.of(ValType.I64, ValType.I64, ValType.I64));
        m.body(add64, new Code(2).localGet(0).localGet(1).i64Add());
        m.exportFunction("add_i64", add64);
        int add32 = m.function(FuncType.of(ValType.I32, ValType.I32, ValType.I32));
        m.body(add32, new Code(2).localGet(0).localGet(1).i32Add());
        m.exportFunction("add_i32", add32);
        return m.build();
    }

    static CallScript probeScript() {
        CallScript s = new CallScript().imports(CallScript.Imports.WASI_STUB);
        s.call("hello");
        s.call("written");
        s.call("clock");
        s.call("hello");
        s.call("bye", 7);
        s.call("div_u", 7, 2);
        s.call("div_u", 7, 0);
        s.call("boom");
        s.call("peek", 65533);
        s.call("peek", 64);
        for (float f : new float[] {
            0.1f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE, 3.5f, -1e-30f
        }) {
            s.call("f32_rt", f32(f));
        }
        s.call("f32_rt", 0.1); // a double rounded to f32 on entry
        s.call("f32_rt", 1e300);
        for (double d : new double[] {0.1, -0.0, Double.NaN, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, 1e300}) {
            s.call("f64_rt", f64(d));
        }
        int big = s.call("add_i64", i64(Long.MAX_VALUE), i64(1)); // wraps
        s.call("add_i64", ref(big), 5); // a number for an i64 parameter
        s.call("add_i32", ref(big), 1); // the low 32 bits of a BigInt
        s.call("add_i32", 4294967295.0, 0); // ToInt32
        s.call("add_i32", -2.7, 0); // truncation
        s.call("add_i32", "NaN", "Infinity");
        s.call("add_i64", 1.5, 1); // not an integer: error
        s.call("add_i64", ref(6), 1); // ref to a trap: error
        s.call("no_such_export");
        s.call("f64_rt", ref(5));
        return s;
    }

    @Test
    void chicoryInterpreterAndCompilerAgreeOnTheProbe() {
        EngineRun interp = ChicoryCalls.run(probeModule(), probeScript(), ChicoryCalls.Mode.INTERPRETER);
        EngineRun comp = ChicoryCalls.run(probeModule(), probeScript(), ChicoryCalls.Mode.COMPILER);
        assertEquals(interp.canonical(), comp.canonical());
        assertEquals(HELLO + HELLO, interp.stdout());
        assertEquals(HELLO + HELLO, comp.stdout());
        List<String> r = interp.canonical();
        assertEquals(
                List.of("0", "15", "52", "0", "exit:7", "3", "trap:div-zero", "trap:unreachable"), r.subList(0, 8));
        assertEquals(List.of("trap:memory-oob", "1819043176"), r.subList(8, 10)); // "hell"
        assertEquals(List.of("0.10000000149011612", "-0", "NaN", "Infinity"), r.subList(10, 14));
        assertEquals(List.of("0.10000000149011612", "Infinity"), r.subList(18, 20));
        assertEquals("-9223372036854775808n", r.get(26));
        assertEquals(
                List.of("-9223372036854775803n", "1", "-1", "-2", "0", "error", "error", "error", "3"),
                r.subList(27, 36));
    }

    @Test
    void nodeAgreesOnTheProbe() {
        Optional<JsEngines.Engine> node = JsEngines.node();
        assumeTrue(node.isPresent(), JsEngines.NODE_MISSING);
        assertAgrees(node.get());
    }

    @Test
    void chromiumAgreesOnTheProbe() {
        Optional<JsEngines.Engine> chromium = JsEngines.chromium();
        assumeTrue(chromium.isPresent(), JsEngines.CHROMIUM_MISSING);
        assertAgrees(chromium.get());
    }

    private static void assertAgrees(JsEngines.Engine engine) {
        EngineRun expected = ChicoryCalls.run(probeModule(), probeScript(), ChicoryCalls.Mode.INTERPRETER);
        EngineRun actual = engine.run(probeModule(), probeScript());
        assertFalse(actual.engine().isEmpty());
        Comparisons.assertSameResults(probeScript(), expected, actual);
        assertEquals(expected.stdout(), actual.stdout());
    }
}
