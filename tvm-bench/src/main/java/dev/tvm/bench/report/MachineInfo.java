package dev.tvm.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Facts about the machine a run is on, for the report header: results only compare on one machine. */
public final class MachineInfo {
    private MachineInfo() {}

    /** CPU model and count, memory, OS, JVM and load average; what cannot be read is left out. */
    public static Map<String, String> collect() {
        Map<String, String> out = new LinkedHashMap<>();
        String cpu = firstValue(Path.of("/proc/cpuinfo"), "model name");
        out.put(
                "cpu",
                (cpu == null ? System.getProperty("os.arch") : cpu) + ", "
                        + Runtime.getRuntime().availableProcessors() + " logical CPUs available");
        String mem = firstValue(Path.of("/proc/meminfo"), "MemTotal");
        if (mem != null) {
            out.put("memory", mem);
        }
        out.put(
                "os",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        out.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        // Other processes on a shared machine are the largest source of noise: say how busy it was.
        try {
            String[] load = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            out.put("load average at start", load[0] + " " + load[1] + " " + load[2] + " (1, 5, 15 min)");
        } catch (IOException | RuntimeException e) {
            // not Linux: nothing to say
        }
        return out;
    }

    private static String firstValue(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (String l : lines) {
                int colon = l.indexOf(':');
                if (colon > 0 && l.substring(0, colon).trim().equals(key)) {
                    return l.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: the header just says less
        }
        return null;
    }
}
