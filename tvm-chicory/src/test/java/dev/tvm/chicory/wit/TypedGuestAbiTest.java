package dev.tvm.chicory.wit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import dev.tvm.chicory.TestGuests;
import dev.tvm.core.RegionDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the three hand-written descriptions of the typed ABI honest against the host's flattening
 * of {@code wit/tvm.wit}: the TYPED_ABI table of {@code guests/build.sh} (which checks every typed
 * guest's imports), the imports of the committed {@code typed.wasm}, and the layout assertions
 * ({@code TM_LAYOUT}, {@code TM_OFFSET}) of {@code guests/src/typed.c} that clang enforced when it
 * compiled the guest.
 */
class TypedGuestAbiTest {
    private static final Path GUESTS = Path.of(System.getProperty("tvm.guests.dir", "../guests"));

    private static Map<String, String> hostSignatures() {
        Map<String, String> out = new LinkedHashMap<>();
        try (RegionDirectory dir = RegionDirectory.builder().build();
                TypedImports typed = TypedImports.builder(dir).build()) {
            typed.host().coreSignatures().forEach((k, v) -> out.put(k, v.toString()));
            for (HostFunction f : typed.functions()) {
                String sig =
                        signature(f.paramTypes().toString(), f.returnTypes().toString());
                assertEquals(out.get(f.module() + "." + f.name()), sig, "Chicory type of " + f.name());
            }
        }
        return out;
    }

    /** "[I32, I64]", "[I32]" to "(i32,i64)->i32". */
    private static String signature(String params, String results) {
        String p = params.replaceAll("[\\[\\] ]", "").toLowerCase(java.util.Locale.ROOT);
        String r = results.replaceAll("[\\[\\] ]", "").toLowerCase(java.util.Locale.ROOT);
        return "(" + p + ")->" + (r.isEmpty() ? "nil" : r);
    }

    @Test
    void buildScriptTableMatchesTheHostsFlattening() throws IOException {
        String script = Files.readString(GUESTS.resolve("build.sh"));
        Matcher m = Pattern.compile("TYPED_ABI=\"([^\"]*)\"").matcher(script);
        assertTrue(m.find(), "build.sh has a TYPED_ABI table");
        Map<String, String> table = new LinkedHashMap<>();
        for (String line : m.group(1).split("\n")) {
            String[] parts = line.trim().split(" ");
            table.put(parts[0], parts[1]);
        }
        assertEquals(hostSignatures(), table);
    }

    @Test
    void committedGuestImportsExactlyTheHostFunctions() {
        WasmModule module = TestGuests.module("typed.wasm");
        Map<String, String> imported = new LinkedHashMap<>();
        for (int i = 0; i < module.importSection().importCount(); i++) {
            FunctionImport f = (FunctionImport) module.importSection().getImport(i);
            FunctionType t = module.typeSection().getType(f.typeIndex());
            imported.put(
                    f.module() + "." + f.name(),
                    signature(t.params().toString(), t.returns().toString()));
        }
        assertEquals(new java.util.TreeMap<>(hostSignatures()), new java.util.TreeMap<>(imported));
    }

    /** The C type of typed.c and the WIT type it mirrors. */
    private static Map<String, WitType> cTypes() {
        WitPackage wit = TypedImports.wit();
        WitInterface types = wit.iface("types");
        WitInterface manager = wit.iface("manager");
        WitInterface diagnostics = wit.iface("diagnostics");
        Map<String, WitType> m = new LinkedHashMap<>();
        m.put("tm_handle_t", types.type("handle"));
        m.put("tm_string_t", WitType.Primitive.STRING);
        m.put("tm_bytes_t", new WitType.ListType(WitType.Primitive.U8));
        m.put("tm_handle_list_t", new WitType.ListType(types.type("handle")));
        m.put("tm_region_info_t", types.type("region-info"));
        m.put("tm_info_list_t", new WitType.ListType(types.type("region-info")));
        m.put("tm_compact_result_t", types.type("compact-result"));
        m.put("tm_failure_count_t", types.type("failure-count"));
        m.put("tm_region_metrics_t", types.type("region-metrics"));
        m.put("tm_residency_stats_t", types.type("residency-stats"));
        m.put("tm_result_unit_t", manager.function("destroy-region").result());
        m.put("tm_result_u32_t", manager.function("create-region").result());
        m.put("tm_result_u64_t", manager.function("size-of").result());
        m.put("tm_result_handle_t", manager.function("alloc").result());
        m.put("tm_result_handles_t", manager.function("alloc-batch").result());
        m.put("tm_result_info_t", manager.function("describe").result());
        m.put("tm_result_compact_t", manager.function("compact").result());
        m.put("tm_result_bytes_t", wit.iface("bytes").function("read").result());
        m.put("tm_result_metrics_t", diagnostics.function("metrics").result());
        m.put("tm_option_residency_t", diagnostics.function("residency").result());
        m.put("tm_option_error_t", diagnostics.function("last-error").result());
        return m;
    }

    @Test
    void guestStructLayoutsMatchTheHostsLayouts() throws IOException {
        String source = Files.readString(GUESTS.resolve("src").resolve("typed.c"));
        Map<String, WitType> types = cTypes();
        Matcher layout = Pattern.compile("^TM_LAYOUT\\((\\w+), (\\d+), (\\d+)\\);", Pattern.MULTILINE)
                .matcher(source);
        int layouts = 0;
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (layout.find()) {
            WitType t = types.get(layout.group(1));
            assertTrue(t != null, "unmapped C type " + layout.group(1));
            assertEquals(Integer.parseInt(layout.group(2)), CanonicalAbi.size(t), "size of " + layout.group(1));
            assertEquals(
                    Integer.parseInt(layout.group(3)), CanonicalAbi.alignment(t), "alignment of " + layout.group(1));
            seen.add(layout.group(1));
            layouts++;
        }
        assertEquals(types.keySet(), seen, "every mirrored type has its layout asserted in typed.c");
        Matcher offset = Pattern.compile("^TM_OFFSET\\((\\w+), (\\w+), (\\d+)\\);", Pattern.MULTILINE)
                .matcher(source);
        int offsets = 0;
        while (offset.find()) {
            WitType t = types.get(offset.group(1));
            String field = offset.group(2);
            int expected = Integer.parseInt(offset.group(3));
            int actual;
            if (t instanceof WitType.RecordType r) {
                String name = field.replace('_', '-');
                List<String> names =
                        r.fields().stream().map(WitType.Field::name).toList();
                assertTrue(names.contains(name), offset.group(1) + " has no field " + name);
                actual = CanonicalAbi.fieldOffsets(t)[names.indexOf(name)];
            } else {
                assertTrue(field.equals("val") || field.equals("err"), field);
                actual = CanonicalAbi.payloadOffset(t);
            }
            assertEquals(expected, actual, offset.group(1) + "." + field);
            offsets++;
        }
        assertEquals(21, layouts);
        assertTrue(offsets >= 25, "offsets checked: " + offsets);
    }
}
