package dev.tvm.guest.engines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON crossing to and from the JavaScript runners, without needing an engine installed. */
class HarnessJsonTest {
    @Test
    void callScriptIsWrittenAsTheRunnersReadIt() {
        CallScript s = new CallScript().imports(CallScript.Imports.WASI_STUB);
        int first = s.call("setup", 3, 1.5, CallScript.i64(-7), CallScript.f64(Double.NaN), CallScript.f64(-0.0));
        s.call("use \"q\"", CallScript.ref(first));
        assertEquals(
                "{\"imports\":\"wasi-stub\",\"calls\":["
                        + "{\"fn\":\"setup\",\"args\":[3,1.5,\"-7n\",\"NaN\",\"-0\"]},"
                        + "{\"fn\":\"use \\\"q\\\"\",\"args\":[{\"ref\":0}]}]}",
                s.toJson());
    }

    @Test
    void nonFiniteNumbersAreRefusedAsArguments() {
        assertThrows(IllegalArgumentException.class, () -> new CallScript().call("f", Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new CallScript().call("f", Double.POSITIVE_INFINITY));
    }

    @Test
    void engineOutputReadsToCanonicalResults() {
        EngineRun run = EngineRun.fromJson("{\"engine\":\"node 24.9.0\",\"instantiated\":true,\"error\":null,"
                + "\"results\":[5,2.5,-3.0,\"5n\",\"-0\",null,[1,2],{\"trap\":\"unreachable\",\"kind\":\"unreachable\"},"
                + "{\"exit\":0},{\"error\":\"no export f\"},12345678901],\"stdout\":\"hi\\n\"}");
        assertEquals("node 24.9.0", run.engine());
        assertTrue(run.instantiated());
        assertEquals("hi\n", run.stdout());
        assertEquals(
                List.of(
                        "5",
                        "2.5",
                        "-3",
                        "5n",
                        "-0",
                        "void",
                        "[1,2]",
                        "trap:unreachable",
                        "exit:0",
                        "error",
                        "12345678901"),
                run.canonical());
        assertEquals(7, run.firstTrap());
        assertEquals(1, run.errors());
    }

    @Test
    void brokenEngineOutputSaysWhatItWas() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> EngineRun.fromJson("{\"engine\":"));
        assertFalse(e.getMessage().isEmpty());
        assertTrue(e.getMessage().contains("{\"engine\":"), e.getMessage());
    }
}
