package dev.tvm.chicory.spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Converts a {@code .wast} script to wast2json output (a {@code .json} command list and its
 * module files) with wabt's {@code wast2json}, at test time, into a cache directory.
 *
 * <p>An older wast2json cannot parse some commands of newer scripts (Debian's 1.0.32 rejects, for
 * example, {@code (module definition ...)} and {@code 0x1_0000_0000} in {@code memory.wast}). Then
 * the converter blanks each top-level command an error points into (every character but the line
 * breaks, so all other commands keep their lines) and tries again, until the rest converts. The
 * blanked commands are written to {@code NAME.unparsed.tsv} (line, command, module name, first
 * error), which {@link WastScript} turns into commands the runner skips with that error as the
 * reason, and a blanked module also skips everything that uses it.
 *
 * <p>The cache key is the script's SHA-256 with the wast2json version and flags, so an edited
 * script or another wast2json converts again and an unchanged one never does.
 */
final class WastConverter {
    /** The proposals the memory scripts use; function references make wabt 1.0.32 crash on linking.wast. */
    static final List<String> FLAGS =
            List.of("--enable-multi-memory", "--enable-memory64", "--enable-extended-const", "--enable-exceptions");

    static final String UNPARSED_SUFFIX = ".unparsed.tsv";

    /** Part of the cache key: change it when the converter's output changes for the same input. */
    private static final String FORMAT = "2";

    private static final Pattern ERROR = Pattern.compile(":(\\d+):(\\d+): error: (.*)");
    private static final Pattern ATOM = Pattern.compile("[^\\s()\";]+");

    private final String wast2json;
    private final String version;
    private final Path cache;

    private WastConverter(String wast2json, String version, Path cache) {
        this.wast2json = wast2json;
        this.version = version;
        this.cache = cache;
    }

    /**
     * A converter using {@code wast2json} (a command on the PATH or a file), caching under {@code
     * cache}; null, with {@code why} filled in, when that command does not run.
     */
    static WastConverter find(String wast2json, Path cache, StringBuilder why) {
        try {
            Process p = new ProcessBuilder(wast2json, "--version")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                why.append(wast2json).append(" --version failed: ").append(out);
                return null;
            }
            return new WastConverter(wast2json, out, cache);
        } catch (IOException e) {
            why.append(wast2json)
                    .append(" does not run (")
                    .append(e.getMessage())
                    .append(')');
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why.append("interrupted");
            return null;
        }
    }

    /** The wast2json version, as {@code --version} prints it. */
    String version() {
        return version;
    }

    /** Converts {@code wast} (or finds it converted) and returns the {@code .json} file. */
    Path convert(Path wast) {
        String name = wast.getFileName().toString();
        String base = name.endsWith(".wast") ? name.substring(0, name.length() - 5) : name;
        try {
            byte[] source = Files.readAllBytes(wast);
            Path dir = cache.resolve(base + "-" + key(source));
            Path json = dir.resolve(base + ".json");
            if (Files.isRegularFile(dir.resolve("done"))) {
                return json;
            }
            // Convert into a fresh directory and move it into place, so a run that stops midway
            // (or a concurrent one) never leaves half a conversion where the cache looks.
            Files.createDirectories(cache);
            Path work = Files.createTempDirectory(cache, base + ".tmp");
            run(new String(source, StandardCharsets.UTF_8), work, base);
            Files.writeString(work.resolve("done"), version + "\n");
            try {
                Files.move(work, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isRegularFile(dir.resolve("done"))) {
                    throw e;
                }
                deleteTree(work); // another run converted it meanwhile
            }
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException("converting " + wast, e);
        }
    }

    private String key(byte[] source) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(source);
            sha.update((FORMAT + "\n" + version + "\n" + String.join(" ", FLAGS)).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs wast2json on {@code text} in {@code dir}, blanking the commands it cannot parse. */
    private void run(String text, Path dir, String base) throws IOException {
        List<Form> forms = Form.split(text);
        char[] chars = text.toCharArray();
        Map<Form, String> unparsed = new LinkedHashMap<>();
        while (true) {
            Path wast = dir.resolve(base + ".wast");
            Files.writeString(wast, new String(chars), StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>();
            command.add(wast2json);
            command.addAll(FLAGS);
            command.addAll(List.of(base + ".wast", "-o", base + ".json"));
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status;
            try {
                status = p.waitFor();
            } catch (InterruptedException e) {
                p.destroy();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (status == 0) {
                break;
            }
            // Only the first error's command goes: wast2json's error recovery can report errors
            // in the commands after a bad one, which parse well on their own.
            Form first = null;
            String error = null;
            for (String line : out.split("\n")) {
                Matcher m = ERROR.matcher(line);
                if (m.find()) {
                    Form f = Form.at(forms, text, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
                    if (f != null && !unparsed.containsKey(f) && (first == null || f.start < first.start)) {
                        first = f;
                        error = m.group(3).strip();
                    }
                }
            }
            if (first == null) {
                throw new IOException(wast2json + " failed on " + base + ".wast (exit " + status
                        + ") with no error inside a command it has not already dropped:\n" + out);
            }
            unparsed.put(first, error);
            first.blank(chars);
        }
        StringBuilder tsv = new StringBuilder();
        for (Map.Entry<Form, String> e : unparsed.entrySet()) {
            Form f = e.getKey();
            tsv.append(f.line)
                    .append('\t')
                    .append(f.keyword)
                    .append('\t')
                    .append(f.name == null ? "" : f.name)
                    .append('\t')
                    .append(version)
                    .append(": ")
                    .append(e.getValue().replace('\t', ' '))
                    .append('\n');
        }
        Files.writeString(dir.resolve(base + UNPARSED_SUFFIX), tsv, StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * One top-level form of a script: its character range, first line, keyword ({@code module},
     * {@code assert_return}, ...) and, for a module, its {@code $name}.
     */
    static final class Form {
        final int start;
        final int end;
        final int line;
        final String keyword;
        final String name;

        private Form(int start, int end, int line, String keyword, String name) {
            this.start = start;
            this.end = end;
            this.line = line;
            this.keyword = keyword;
            this.name = name;
        }

        /** Blanks the form: spaces for every character but line breaks. */
        void blank(char[] chars) {
            for (int i = start; i < end; i++) {
                if (chars[i] != '\n' && chars[i] != '\r') {
                    chars[i] = ' ';
                }
            }
        }

        /** The form holding line {@code line}, column {@code column} (both from 1) of {@code text}, or null. */
        static Form at(List<Form> forms, String text, int line, int column) {
            int offset = 0;
            for (int l = 1; l < line && offset >= 0; l++) {
                offset = text.indexOf('\n', offset);
                offset = offset < 0 ? -1 : offset + 1;
            }
            if (offset < 0) {
                return null;
            }
            offset += column - 1;
            for (Form f : forms) {
                if (f.start <= offset && offset < f.end) {
                    return f;
                }
            }
            return null;
        }

        /**
         * Splits a script into its top-level forms, past {@code ;;} and nested {@code (; ;)}
         * comments and strings with escapes.
         */
        static List<Form> split(String text) {
            List<Form> forms = new ArrayList<>();
            int depth = 0;
            int line = 1;
            int start = -1;
            int startLine = 0;
            int i = 0;
            int n = text.length();
            while (i < n) {
                char c = text.charAt(i);
                if (c == '\n') {
                    line++;
                    i++;
                } else if (c == ';' && i + 1 < n && text.charAt(i + 1) == ';') {
                    while (i < n && text.charAt(i) != '\n') {
                        i++;
                    }
                } else if (c == '(' && i + 1 < n && text.charAt(i + 1) == ';') {
                    int nest = 0;
                    do {
                        if (text.startsWith("(;", i)) {
                            nest++;
                            i += 2;
                        } else if (text.startsWith(";)", i)) {
                            nest--;
                            i += 2;
                        } else {
                            if (text.charAt(i) == '\n') {
                                line++;
                            }
                            i++;
                        }
                    } while (nest > 0 && i < n);
                } else if (c == '"') {
                    i++;
                    while (i < n && text.charAt(i) != '"') {
                        if (text.charAt(i) == '\\') {
                            i++;
                        }
                        if (i < n && text.charAt(i) == '\n') {
                            line++;
                        }
                        i++;
                    }
                    i++;
                } else if (c == '(') {
                    if (depth++ == 0) {
                        start = i;
                        startLine = line;
                    }
                    i++;
                } else if (c == ')') {
                    i++;
                    if (--depth == 0) {
                        forms.add(form(text, start, i, startLine));
                    }
                } else {
                    i++;
                }
            }
            return forms;
        }

        private static Form form(String text, int start, int end, int line) {
            List<String> atoms = new ArrayList<>();
            Matcher m = ATOM.matcher(text.substring(start + 1, end - 1));
            while (atoms.size() < 3 && m.find()) {
                atoms.add(m.group());
            }
            String keyword = atoms.isEmpty() ? "" : atoms.get(0);
            String name = null;
            if (keyword.equals("module")) {
                for (String a : atoms.subList(1, atoms.size())) {
                    if (a.startsWith("$")) {
                        name = a;
                        break;
                    }
                    if (!a.equals("definition") && !a.equals("instance")) {
                        break;
                    }
                }
            }
            return new Form(start, end, line, keyword, name);
        }
    }
}
