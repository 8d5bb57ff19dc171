package dev.tvm.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tvm.core.Region;
import dev.tvm.core.RegionDirectory;
import dev.tvm.core.RegionKind;
import dev.tvm.core.RegionSpec;
import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scrapes a real {@link PrometheusMeterRegistry} with every meter bound (residency and per-region
 * meters included) and checks the names Prometheus sees: one name per meter, the unit once, the
 * type's suffix, and the list in {@code docs/observability.md}.
 */
class PrometheusNamesTest {
    private static final Pattern TYPE_LINE = Pattern.compile("^# TYPE (\\S+) (\\S+)$", Pattern.MULTILINE);
    private static final Path DOC = Path.of("..", "docs", "observability.md");

    @TempDir
    Path tmp;

    /** Exported name to Prometheus type, of every {@code tvm_} family in a full scrape. */
    private Map<String, String> scrape(PrometheusMeterRegistry registry) {
        Map<String, String> types = new TreeMap<>();
        Matcher m = TYPE_LINE.matcher(registry.scrape());
        while (m.find()) {
            if (m.group(1).startsWith("tvm_")) {
                types.put(m.group(1), m.group(2));
            }
        }
        return types;
    }

    private Map<String, String> everyMeter(PrometheusMeterRegistry registry) {
        try (RegionDirectory dir = RegionDirectory.builder()
                .withResidentBudget(8L << 20)
                .withSpillDirectory(tmp)
                .build()) {
            TvmMetrics.builder(dir).withRegionMeters(true).build().bindTo(registry);
            Region r = dir.create(RegionSpec.of(RegionKind.BLOB_ARENA).withName("blobs"));
            r.setLong(r.allocate(4096), 0, 1);
            scrape(registry); // the first scrape adds the region's meters
            Map<String, String> exported = scrape(registry);
            long micrometerNames = registry.getMeters().stream()
                    .map(Meter::getId)
                    .map(Meter.Id::getName)
                    .filter(n -> n.startsWith("tvm."))
                    .distinct()
                    .count();
            assertEquals(micrometerNames, exported.size(), "every meter exports under a name of its own: " + exported);
            return exported;
        }
    }

    @Test
    void everyExportedNameHasItsUnitOnceAndItsTypesSuffix() {
        Map<String, String> exported = everyMeter(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        for (Map.Entry<String, String> e : exported.entrySet()) {
            String name = e.getKey();
            long bytes = Arrays.stream(name.split("_")).filter("bytes"::equals).count();
            assertTrue(bytes <= 1, name + " names its unit twice");
            if (e.getValue().equals("counter")) {
                assertTrue(name.endsWith("_total"), name);
                assertTrue(!name.endsWith("_total_total"), name);
            } else {
                assertEquals("gauge", e.getValue(), name);
                assertTrue(!name.endsWith("_total"), name);
            }
        }
        assertTrue(exported.containsKey("tvm_regions_creations_total"), exported.toString());
        assertTrue(exported.containsKey("tvm_read_bytes_total"), exported.toString());
        assertTrue(exported.containsKey("tvm_region_read_bytes_total"), exported.toString());
    }

    @Test
    void docsListEveryExportedNameAndNoOther() throws IOException {
        Map<String, String> exported = everyMeter(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        String doc = Files.readString(DOC);
        int start = doc.indexOf("<!-- prometheus-names:start -->");
        int end = doc.indexOf("<!-- prometheus-names:end -->");
        assertTrue(start >= 0 && end > start, DOC + " has the prometheus-names markers");
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("`(tvm_[a-z_]+)`").matcher(doc.substring(start, end));
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertEquals(exported.keySet(), documented, "docs/observability.md lists exactly the exported names");
    }
}
