package dev.tvm.chicory.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One wast2json output: the {@code .json} command list of a {@code .wast} script, whose module
 * files sit next to it.
 *
 * @param name how tests name the script: its path relative to the suite directory, with the
 *     {@code .wast} source name
 * @param json the command list
 * @param commands in script order
 */
record WastScript(String name, Path json, List<Command> commands) {
    /** Reads wast2json output: objects as insertion-ordered maps, arrays as lists. */
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The field of a command wast2json could not parse: why. */
    static final String UNPARSED = "unparsed";

    /** One command; {@code fields} is its JSON object as wast2json wrote it. */
    record Command(String type, int line, Map<String, Object> fields) {
        String string(String key) {
            Object v = fields.get(key);
            return v == null ? null : v.toString();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> action() {
            return (Map<String, Object>) fields.get("action");
        }

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> expected() {
            Object v = fields.get("expected");
            return v == null ? List.of() : (List<Map<String, Object>>) v;
        }
    }

    /** Reads {@code json}; {@code relative} is its path relative to the suite directory. */
    @SuppressWarnings("unchecked")
    static WastScript read(Path json, String relative) {
        Map<String, Object> root;
        try {
            root = JSON.readValue(json.toFile(), Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(json + ": not a wast2json command list", e);
        }
        String source = String.valueOf(root.getOrDefault("source_filename", json.getFileName()));
        String dir = relative.contains("/") ? relative.substring(0, relative.lastIndexOf('/') + 1) : "";
        List<Command> commands = new ArrayList<>();
        for (Object o : (List<Object>) root.get("commands")) {
            Map<String, Object> c = (Map<String, Object>) o;
            commands.add(new Command((String) c.get("type"), ((Number) c.get("line")).intValue(), c));
        }
        commands.addAll(unparsed(json));
        commands.sort(Comparator.comparingInt(Command::line));
        return new WastScript(dir + Path.of(source).getFileName(), json, List.copyOf(commands));
    }

    /**
     * The commands wast2json could not parse, from the {@link WastConverter} sidecar file next to
     * the JSON: each becomes a command of its own type carrying an {@code unparsed} field (the
     * error), which the runner skips.
     */
    private static List<Command> unparsed(Path json) {
        String base = json.getFileName().toString().replaceFirst("\\.json$", "");
        Path tsv = json.resolveSibling(base + WastConverter.UNPARSED_SUFFIX);
        if (!Files.isRegularFile(tsv)) {
            return List.of();
        }
        List<Command> result = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", 4);
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("type", f[1]);
                fields.put("line", Long.parseLong(f[0]));
                if (!f[2].isEmpty()) {
                    fields.put("name", f[2]);
                }
                fields.put(UNPARSED, f[3]);
                result.add(new Command(f[1], Integer.parseInt(f[0]), fields));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /** A module file named by a command, next to the JSON file. */
    Path file(String filename) {
        return json.resolveSibling(filename);
    }
}
