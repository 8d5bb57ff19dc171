package dev.tvm.chicory.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.chicory.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link WastConverter}: top-level forms, and commands wast2json cannot parse skipped by name. */
class WastConverterTest {

    @Test
    void splitFindsTopLevelFormsPastCommentsAndStrings() {
        String text = String.join(
                "\n",
                ";; a comment with ( and \"",
                "(module $M (func (export \"f)\") (result i32) (i32.const 1)))",
                "(; block (; nested ;) ( ;)",
                "(assert_return (invoke $M \"f)\" ) (i32.const 1))",
                "(module definition $D",
                "  (memory 1)) (register \"d\\\")\" $D)");
        List<WastConverter.Form> forms = WastConverter.Form.split(text);
        assertEquals(
                List.of("module", "assert_return", "module", "register"),
                forms.stream().map(f -> f.keyword).toList());
        assertEquals(List.of(2, 4, 5, 6), forms.stream().map(f -> f.line).toList());
        assertEquals("$M", forms.get(0).name);
        assertEquals("$D", forms.get(2).name);
        assertNull(forms.get(1).name);
        // line 6, column 15 is inside the register command, not the module that ends on that line
        assertEquals(forms.get(3), WastConverter.Form.at(forms, text, 6, 15));
        assertEquals(forms.get(2), WastConverter.Form.at(forms, text, 6, 3));
        assertNull(WastConverter.Form.at(forms, text, 3, 3));
    }

    @Test
    void commandsWast2jsonCannotParseAreSkippedByNameAndTheRestKeepTheirLines(@TempDir Path dir) throws IOException {
        StringBuilder why = new StringBuilder();
        WastConverter converter = WastConverter.find("wast2json", dir.resolve("cache"), why);
        Assumptions.assumeTrue(converter != null, () -> "wast2json missing (" + why + "): " + SpecSuite.INSTALL_WABT);
        Path wast = dir.resolve("t.wast");
        Files.writeString(
                wast,
                String.join(
                        "\n",
                        "(module $A (memory 1) (func (export \"size\") (result i32) (memory.size)))",
                        "(assert_return (invoke \"size\") (i32.const 1))",
                        "(module $Bad (frobnicate))",
                        "(assert_return (invoke \"size\") (i32.const 1))",
                        "(assert_frobnicated (invoke $A \"size\"))",
                        "(assert_return (invoke $A \"size\") (i32.const 1))",
                        ""));
        Path json = converter.convert(wast);
        assertEquals(json, converter.convert(wast), "a second conversion comes from the cache");
        WastScript script = WastScript.read(json, "t.json");
        assertEquals(
                List.of(1, 2, 3, 4, 5, 6),
                script.commands().stream().map(WastScript.Command::line).toList());
        List<SpecRunner.Outcome> outcomes = SpecRunner.run(script, Engine.INTERPRETER, MemoryMode.REGION);
        assertEquals(
                List.of(
                        SpecRunner.Verdict.PASS,
                        SpecRunner.Verdict.PASS,
                        SpecRunner.Verdict.SKIP,
                        SpecRunner.Verdict.SKIP,
                        SpecRunner.Verdict.SKIP,
                        SpecRunner.Verdict.PASS),
                outcomes.stream().map(SpecRunner.Outcome::verdict).toList());
        assertTrue(outcomes.get(2).detail().startsWith("wast2json cannot parse this command"), outcomes.get(2)::detail);
        assertEquals("module $Bad", outcomes.get(2).title());
        assertTrue(outcomes.get(3).detail().contains("the module at line 3 was skipped"), outcomes.get(3)::detail);
        assertEquals("assert_frobnicated", outcomes.get(4).command().type());
    }

    @Test
    void aMissingWast2jsonIsReportedNotThrown(@TempDir Path dir) {
        StringBuilder why = new StringBuilder();
        assertNull(WastConverter.find(dir.resolve("no-such-wast2json").toString(), dir, why));
        assertTrue(why.toString().contains("no-such-wast2json does not run"), why::toString);
    }
}
