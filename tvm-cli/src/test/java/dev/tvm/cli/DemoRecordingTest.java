package dev.tvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The acceptance check of the JFR events: a recording of {@code tvm demo} under a resident budget
 * shows region lifecycle, spill and fault events, as {@code docs/observability.md} describes.
 */
class DemoRecordingTest {
    @Test
    void aRecordingOfTheDemoShowsLifecycleSpillAndFaultEvents(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("demo.jfr");
        int exit;
        StringWriter err = new StringWriter();
        try (Recording recording = new Recording()) {
            for (String name : new String[] {"dev.tvm.RegionLifecycle", "dev.tvm.Spill", "dev.tvm.Fault"}) {
                recording.enable(name).withoutThreshold();
            }
            recording.start();
            CommandLine cli = new CommandLine(new TvmCommand()).setCaseInsensitiveEnumValuesAllowed(true);
            cli.setOut(new PrintWriter(new StringWriter(), true));
            cli.setErr(new PrintWriter(err, true));
            exit = cli.execute(
                    "demo", "--size", "256m", "--regions", "4", "--budget", "64m", "--spill-dir", tmp.toString());
            recording.stop();
            recording.dump(file);
        }
        assertEquals(0, exit, err.toString());

        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Map<String, Integer> counts = new TreeMap<>();
        for (RecordedEvent e : events) {
            String name = e.getEventType().getName();
            if (name.equals("dev.tvm.RegionLifecycle")) {
                name += "/" + e.getString("action");
            }
            counts.merge(name, 1, Integer::sum);
        }
        // the demo's 4 regions and its guest's own memory 0
        assertEquals(5, counts.getOrDefault("dev.tvm.RegionLifecycle/CREATE", 0), counts.toString());
        assertEquals(5, counts.getOrDefault("dev.tvm.RegionLifecycle/DESTROY", 0), counts.toString());
        assertTrue(counts.getOrDefault("dev.tvm.Spill", 0) > 0, counts.toString());
        assertTrue(counts.getOrDefault("dev.tvm.Fault", 0) > 0, counts.toString());

        long spilled = events.stream()
                .filter(e -> e.getEventType().getName().equals("dev.tvm.Spill"))
                .mapToLong(e -> e.getLong("bytes"))
                .sum();
        // 256 MiB written under a 64 MiB budget: at least the difference went to the spill file.
        assertTrue(spilled >= (256L - 64 - 4) << 20, "spilled " + spilled);
        assertTrue(
                events.stream()
                        .filter(e -> e.getEventType().getName().equals("dev.tvm.Fault"))
                        .allMatch(e -> e.getString("source").equals("spill file") && e.getInt("pages") > 0),
                "every fault read pages from the spill file");
    }
}
