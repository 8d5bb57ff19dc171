package dev.tvm.chicory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.types.ValType;
import dev.tvm.core.RegionDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Keeps {@code docs/raw-abi.md} true: its function table must match what the host provides. */
class AbiDocumentationTest {
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z_0-9]+)` \\| ([^|]*) \\| ([^|]*) \\|");

    @Test
    void functionTableMatchesTheHostFunctions() throws IOException {
        Path doc = Path.of(System.getProperty("tvm.guests.dir", "../guests"))
                .resolveSibling("docs")
                .resolve("raw-abi.md");
        Map<String, String> documented = new LinkedHashMap<>();
        for (String line : Files.readAllLines(doc)) {
            Matcher m = ROW.matcher(line);
            if (m.find() && !m.group(1).equals(m.group(1).toUpperCase(Locale.ROOT))) {
                documented.put(m.group(1), signature(m.group(2), m.group(3)));
            }
        }
        Map<String, String> provided = new LinkedHashMap<>();
        try (RegionDirectory dir = RegionDirectory.builder().build()) {
            for (HostFunction f : TvmImports.builder(dir).build().functions()) {
                assertEquals(TvmImports.MODULE, f.module());
                provided.put(f.name(), types(f.paramTypes()) + " -> " + types(f.returnTypes()));
            }
        }
        assertEquals(provided, documented);
    }

    /** "kind i32, out ptr" and "`i64` handle" to "i32 i32 -> i64". */
    private static String signature(String params, String result) {
        List<String> types = new ArrayList<>();
        for (String p : params.split(",")) {
            String[] words = p.trim().replace("`", "").split("\\s+");
            if (words.length == 2) {
                types.add(words[1].equals("ptr") ? "i32" : words[1]);
            }
        }
        Matcher r = Pattern.compile("`([if](32|64))`").matcher(result);
        return String.join(" ", types) + " -> " + (r.find() ? r.group(1) : "");
    }

    private static String types(List<ValType> types) {
        List<String> names = new ArrayList<>();
        for (ValType t : types) {
            names.add(t.toString().toLowerCase(Locale.ROOT));
        }
        return String.join(" ", names);
    }
}
