package dev.tvm.chicory.wit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parser for the subset of WIT the typed path uses: one package per text with its interfaces
 * and worlds.
 *
 * <pre>
 * package ns:name@1.2.3;                    (version optional)
 * interface i {
 *     use other.{a, b as c};                other interfaces of the same package
 *     type t = list&lt;u8&gt;;                     aliases
 *     record r { f: u32, g: string }
 *     variant v { none, some(u64) }
 *     enum e { x, y }
 *     flags f { read, write }               at most 32
 *     f: func(a: u32, b: string) -&gt; result&lt;r, e&gt;;
 * }
 * world w { import i; export j; }           interfaces of the same package only
 * </pre>
 *
 * <p>Types: {@code bool}, {@code u8 u16 u32 u64 s8 s16 s32 s64}, {@code f32 f64} (also spelled
 * {@code float32 float64}), {@code char}, {@code string}, {@code list<T>}, {@code option<T>},
 * {@code result}, {@code result<T>}, {@code result<_, E>}, {@code result<T, E>}, {@code
 * tuple<...>} and named types. Comments ({@code //}, <code>/* *&#47;</code>, doc comments) are skipped;
 * {@code %name} escapes a keyword. Not supported, rejected with a {@link WitParseException}:
 * resources and handles ({@code resource}, {@code own}, {@code borrow}), {@code future}, {@code
 * stream}, {@code error-context}, {@code include}, {@code use} of other packages, functions and
 * types directly in worlds, multiple named results, nested packages and feature gates.
 */
public final class WitParser {
    private static final Pattern PACKAGE = Pattern.compile(
            "([a-z][a-z0-9-]*):([a-z][a-z0-9-]*)(?:@([0-9]+\\.[0-9]+\\.[0-9]+(?:[-+][0-9A-Za-z.+-]*)?))?");
    private static final Set<String> UNSUPPORTED = Set.of(
            "resource", "own", "borrow", "future", "stream", "error-context", "include", "constructor", "static");

    private final String source;
    private final List<Token> tokens;
    private int pos;

    private WitParser(String source) {
        this.source = source;
        this.tokens = tokenize(source);
    }

    /** Parses a WIT package from text. */
    public static WitPackage parse(String text) {
        return new WitParser(text).parsePackage();
    }

    /**
     * Parses a WIT package from a classpath resource, e.g. {@code "wit/tvm.wit"}.
     *
     * @throws IllegalArgumentException if there is no such resource
     */
    public static WitPackage parseResource(String resource) {
        ClassLoader loader = WitParser.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no classpath resource " + resource);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    // ---------------------------------------------------------------- tokens

    private record Token(String text, int offset, boolean identifier) {}

    private static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (s.startsWith("//", i)) {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (s.startsWith("/*", i)) {
                int depth = 0;
                int start = i;
                do {
                    if (i >= n) {
                        throw new WitParseException("unterminated comment at " + position(s, start));
                    }
                    if (s.startsWith("/*", i)) {
                        depth++;
                        i += 2;
                    } else if (s.startsWith("*/", i)) {
                        depth--;
                        i += 2;
                    } else {
                        i++;
                    }
                } while (depth > 0);
            } else if (s.startsWith("->", i)) {
                out.add(new Token("->", i, false));
                i += 2;
            } else if (c == '%' || Character.isLetterOrDigit(c)) {
                int start = i;
                if (c == '%') {
                    i++;
                }
                while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '-')) {
                    i++;
                }
                // Versions (1.2.3-pre) only follow '@'; read them whole.
                if (!out.isEmpty() && out.get(out.size() - 1).text().equals("@")) {
                    while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || "-.+".indexOf(s.charAt(i)) >= 0)) {
                        i++;
                    }
                }
                out.add(new Token(s.substring(start, i), start, true));
            } else if ("{}()<>,:;.=@/*_".indexOf(c) >= 0) {
                out.add(new Token(String.valueOf(c), i, false));
                i++;
            } else {
                throw new WitParseException("unexpected character '" + c + "' at " + position(s, i));
            }
        }
        return out;
    }

    private static String position(String s, int offset) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < offset && i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return "line " + line + ":" + col;
    }

    private WitParseException error(String message) {
        int offset = pos < tokens.size() ? tokens.get(pos).offset() : source.length();
        return new WitParseException(message + " at " + position(source, offset));
    }

    private boolean atEnd() {
        return pos >= tokens.size();
    }

    private String peek() {
        return atEnd() ? "" : tokens.get(pos).text();
    }

    private boolean accept(String text) {
        if (!atEnd() && tokens.get(pos).text().equals(text)) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(String text) {
        if (!accept(text)) {
            throw error("expected '" + text + "' but found " + (atEnd() ? "end of input" : "'" + peek() + "'"));
        }
    }

    /** An identifier, with a leading '%' removed. */
    private String ident(String what) {
        if (atEnd() || !tokens.get(pos).identifier()) {
            throw error("expected " + what + " but found " + (atEnd() ? "end of input" : "'" + peek() + "'"));
        }
        String t = tokens.get(pos).text();
        if (!t.startsWith("%") && UNSUPPORTED.contains(t)) {
            throw error("'" + t + "' is not supported by this WIT subset");
        }
        pos++;
        String name = t.startsWith("%") ? t.substring(1) : t;
        if (!name.matches("[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*")) {
            throw error("'" + t + "' is not a kebab-case identifier");
        }
        return name;
    }

    // ---------------------------------------------------------------- syntax tree

    /** An unresolved type expression: a keyword type with arguments, or a name. */
    private record Node(String head, List<Node> args, int token) {}

    private record TypeDef(String kind, String name, List<String> labels, List<Node> types, int token) {}

    private record Use(String from, String name, String as, int token) {}

    private record FuncDef(String name, List<String> paramNames, List<Node> paramTypes, Node result, int token) {}

    private static final class IfaceDef {
        final String name;
        final Map<String, TypeDef> types = new LinkedHashMap<>();
        final List<Use> uses = new ArrayList<>();
        final List<FuncDef> funcs = new ArrayList<>();
        final Set<String> names = new HashSet<>();

        IfaceDef(String name) {
            this.name = name;
        }
    }

    // ---------------------------------------------------------------- grammar

    private WitPackage parsePackage() {
        expect("package");
        StringBuilder id = new StringBuilder();
        while (!atEnd() && !peek().equals(";")) {
            id.append(tokens.get(pos++).text());
        }
        expect(";");
        Matcher m = PACKAGE.matcher(id);
        if (!m.matches()) {
            throw new WitParseException("bad package name '" + id + "' (want namespace:name@x.y.z)");
        }
        Map<String, IfaceDef> ifaces = new LinkedHashMap<>();
        Map<String, WitPackage.World> worlds = new LinkedHashMap<>();
        while (!atEnd()) {
            if (accept("interface")) {
                IfaceDef def = parseInterface();
                if (ifaces.containsKey(def.name) || worlds.containsKey(def.name)) {
                    throw new WitParseException("interface " + def.name + " is defined twice");
                }
                ifaces.put(def.name, def);
            } else if (accept("world")) {
                WitPackage.World w = parseWorld();
                if (ifaces.containsKey(w.name()) || worlds.containsKey(w.name())) {
                    throw new WitParseException("world " + w.name() + " is defined twice");
                }
                worlds.put(w.name(), w);
            } else {
                throw error("expected 'interface' or 'world' but found '" + peek() + "'");
            }
        }
        for (WitPackage.World w : worlds.values()) {
            for (String i : concat(w.imports(), w.exports())) {
                if (!ifaces.containsKey(i)) {
                    throw new WitParseException("world " + w.name() + " names unknown interface " + i);
                }
            }
        }
        Map<String, WitInterface> resolved = new Resolver(ifaces, m.group(1) + ":" + m.group(2)).resolveAll();
        return new WitPackage(m.group(1), m.group(2), m.group(3), resolved, worlds);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private IfaceDef parseInterface() {
        IfaceDef def = new IfaceDef(ident("an interface name"));
        expect("{");
        while (!accept("}")) {
            if (atEnd()) {
                throw error("unterminated interface " + def.name);
            }
            int token = pos;
            String word = peek();
            if (accept("use")) {
                parseUse(def, token);
            } else if (word.equals("type") && isKeywordHere()) {
                pos++;
                String name = declare(def, ident("a type name"));
                expect("=");
                Node target = parseType();
                expect(";");
                def.types.put(name, new TypeDef("type", name, List.of(), List.of(target), token));
            } else if (word.equals("record") && isKeywordHere()) {
                pos++;
                String name = declare(def, ident("a record name"));
                List<String> labels = new ArrayList<>();
                List<Node> types = new ArrayList<>();
                expect("{");
                while (!accept("}")) {
                    labels.add(unique(labels, ident("a field name"), "field", name));
                    expect(":");
                    types.add(parseType());
                    if (!accept(",")) {
                        expect("}");
                        break;
                    }
                }
                def.types.put(name, new TypeDef("record", name, labels, types, token));
            } else if (word.equals("variant") && isKeywordHere()) {
                pos++;
                String name = declare(def, ident("a variant name"));
                List<String> labels = new ArrayList<>();
                List<Node> types = new ArrayList<>();
                expect("{");
                while (!accept("}")) {
                    labels.add(unique(labels, ident("a case name"), "case", name));
                    if (accept("(")) {
                        types.add(parseType());
                        expect(")");
                    } else {
                        types.add(null);
                    }
                    if (!accept(",")) {
                        expect("}");
                        break;
                    }
                }
                def.types.put(name, new TypeDef("variant", name, labels, types, token));
            } else if ((word.equals("enum") || word.equals("flags")) && isKeywordHere()) {
                pos++;
                String name = declare(def, ident("an " + word + " name"));
                List<String> labels = new ArrayList<>();
                expect("{");
                while (!accept("}")) {
                    labels.add(unique(labels, ident("a case name"), word.equals("enum") ? "case" : "flag", name));
                    if (!accept(",")) {
                        expect("}");
                        break;
                    }
                }
                def.types.put(name, new TypeDef(word, name, labels, List.of(), token));
            } else {
                String name = declare(def, ident("a function or type definition"));
                expect(":");
                expect("func");
                expect("(");
                List<String> names = new ArrayList<>();
                List<Node> types = new ArrayList<>();
                while (!accept(")")) {
                    names.add(unique(names, ident("a parameter name"), "parameter", name));
                    expect(":");
                    types.add(parseType());
                    if (!accept(",")) {
                        expect(")");
                        break;
                    }
                }
                Node result = null;
                if (accept("->")) {
                    if (peek().equals("(")) {
                        throw error("named or multiple results are not supported; return a record or tuple");
                    }
                    result = parseType();
                }
                expect(";");
                def.funcs.add(new FuncDef(name, names, types, result, token));
            }
        }
        return def;
    }

    /** Whether the keyword at pos starts a definition (not a function named like a keyword). */
    private boolean isKeywordHere() {
        return pos + 1 < tokens.size() && !tokens.get(pos + 1).text().equals(":");
    }

    private static String declare(IfaceDef def, String name) {
        if (!def.names.add(name)) {
            throw new WitParseException("'" + name + "' is defined twice in interface " + def.name);
        }
        return name;
    }

    private static String unique(List<String> seen, String name, String what, String owner) {
        if (seen.contains(name)) {
            throw new WitParseException(what + " '" + name + "' appears twice in " + owner);
        }
        return name;
    }

    private void parseUse(IfaceDef def, int token) {
        String from = ident("an interface name");
        if (peek().equals(":") || peek().equals("/")) {
            throw error("use of other packages is not supported");
        }
        expect(".");
        expect("{");
        while (!accept("}")) {
            String name = ident("a type name");
            String as = accept("as") ? ident("a type name") : name;
            declare(def, as);
            def.uses.add(new Use(from, name, as, token));
            if (!accept(",")) {
                expect("}");
                break;
            }
        }
        expect(";");
    }

    private WitPackage.World parseWorld() {
        String name = ident("a world name");
        List<String> imports = new ArrayList<>();
        List<String> exports = new ArrayList<>();
        expect("{");
        while (!accept("}")) {
            boolean isImport = accept("import");
            if (!isImport && !accept("export")) {
                throw error("worlds may only import or export interfaces of this package");
            }
            String iface = ident("an interface name");
            if (peek().equals(":")) {
                throw error("functions and inline interfaces in worlds are not supported");
            }
            expect(";");
            (isImport ? imports : exports).add(iface);
        }
        return new WitPackage.World(name, imports, exports);
    }

    private Node parseType() {
        int token = pos;
        if (accept("_")) {
            return new Node("_", List.of(), token);
        }
        String head = ident("a type");
        List<Node> args = new ArrayList<>();
        switch (head) {
            case "list", "option" -> {
                expect("<");
                args.add(parseType());
                if (peek().equals(",")) {
                    throw error("fixed-length lists are not supported");
                }
                expect(">");
            }
            case "tuple" -> {
                expect("<");
                while (!accept(">")) {
                    args.add(parseType());
                    if (!accept(",")) {
                        expect(">");
                        break;
                    }
                }
            }
            case "result" -> {
                if (accept("<")) {
                    args.add(parseType());
                    if (accept(",")) {
                        args.add(parseType());
                    }
                    expect(">");
                }
            }
            default -> {}
        }
        return new Node(head, args, token);
    }

    // ---------------------------------------------------------------- resolution

    private final class Resolver {
        private final Map<String, IfaceDef> ifaces;
        private final String packageId;
        private final Map<String, WitType> done = new HashMap<>();
        private final Set<String> inProgress = new HashSet<>();

        Resolver(Map<String, IfaceDef> ifaces, String packageId) {
            this.ifaces = ifaces;
            this.packageId = packageId;
        }

        Map<String, WitInterface> resolveAll() {
            Map<String, WitInterface> out = new LinkedHashMap<>();
            for (IfaceDef def : ifaces.values()) {
                Map<String, WitType> types = new LinkedHashMap<>();
                for (Use u : def.uses) {
                    types.put(u.as(), named(def, u.as(), u.token()));
                }
                for (String name : def.types.keySet()) {
                    types.put(name, named(def, name, def.types.get(name).token()));
                }
                List<WitFunction> funcs = new ArrayList<>();
                for (FuncDef f : def.funcs) {
                    List<WitFunction.Param> params = new ArrayList<>();
                    for (int i = 0; i < f.paramNames().size(); i++) {
                        params.add(new WitFunction.Param(
                                f.paramNames().get(i), type(def, f.paramTypes().get(i))));
                    }
                    funcs.add(new WitFunction(f.name(), params, f.result() == null ? null : type(def, f.result())));
                }
                out.put(def.name, new WitInterface(def.name, types, funcs));
            }
            return out;
        }

        private WitParseException fail(String message, int token) {
            pos = token;
            return error(message);
        }

        /** The type visible as {@code name} in {@code def}. */
        private WitType named(IfaceDef def, String name, int token) {
            for (Use u : def.uses) {
                if (u.as().equals(name)) {
                    IfaceDef from = ifaces.get(u.from());
                    if (from == null) {
                        throw fail("use of unknown interface " + u.from() + " in package " + packageId, u.token());
                    }
                    if (from == def) {
                        throw fail("interface " + def.name + " uses itself", u.token());
                    }
                    if (!from.types.containsKey(u.name())
                            && from.uses.stream().noneMatch(x -> x.as().equals(u.name()))) {
                        throw fail("interface " + u.from() + " has no type " + u.name(), u.token());
                    }
                    return named(from, u.name(), u.token());
                }
            }
            TypeDef td = def.types.get(name);
            if (td == null) {
                throw fail("unknown type " + name + " in interface " + def.name, token);
            }
            String key = def.name + "." + name;
            WitType cached = done.get(key);
            if (cached != null) {
                return cached;
            }
            if (!inProgress.add(key)) {
                throw fail("type " + name + " refers to itself", td.token());
            }
            WitType t;
            try {
                t = switch (td.kind()) {
                    case "type" -> type(def, td.types().get(0));
                    case "record" -> {
                        List<WitType.Field> fields = new ArrayList<>();
                        for (int i = 0; i < td.labels().size(); i++) {
                            fields.add(new WitType.Field(
                                    td.labels().get(i), type(def, td.types().get(i))));
                        }
                        if (fields.isEmpty()) {
                            throw fail("record " + name + " has no fields", td.token());
                        }
                        yield new WitType.RecordType(name, fields);
                    }
                    case "variant" -> {
                        List<WitType.Case> cases = new ArrayList<>();
                        for (int i = 0; i < td.labels().size(); i++) {
                            Node n = td.types().get(i);
                            cases.add(new WitType.Case(td.labels().get(i), n == null ? null : type(def, n)));
                        }
                        if (cases.isEmpty()) {
                            throw fail("variant " + name + " has no cases", td.token());
                        }
                        yield new WitType.VariantType(name, cases);
                    }
                    case "enum" -> {
                        if (td.labels().isEmpty()) {
                            throw fail("enum " + name + " has no cases", td.token());
                        }
                        yield new WitType.EnumType(name, td.labels());
                    }
                    case "flags" -> {
                        if (td.labels().size() > 32) {
                            throw fail("flags " + name + " has more than 32 flags", td.token());
                        }
                        yield new WitType.FlagsType(name, td.labels());
                    }
                    default -> throw new IllegalStateException(td.kind());
                };
            } finally {
                inProgress.remove(key);
            }
            done.put(key, t);
            return t;
        }

        private WitType type(IfaceDef def, Node n) {
            WitType.Primitive p = WitType.Primitive.byName(n.head());
            if (p != null && n.args().isEmpty()) {
                return p;
            }
            switch (n.head()) {
                case "_":
                    throw fail("'_' is only allowed as the ok type of a result", n.token());
                case "list":
                    return new WitType.ListType(type(def, n.args().get(0)));
                case "option":
                    return new WitType.OptionType(type(def, n.args().get(0)));
                case "tuple":
                    if (n.args().isEmpty()) {
                        throw fail("empty tuples are not supported", n.token());
                    }
                    return new WitType.TupleType(
                            n.args().stream().map(a -> type(def, a)).toList());
                case "result":
                    WitType ok = n.args().isEmpty() || n.args().get(0).head().equals("_")
                            ? null
                            : type(def, n.args().get(0));
                    WitType err =
                            n.args().size() < 2 ? null : type(def, n.args().get(1));
                    return new WitType.ResultType(ok, err);
                default:
                    return named(def, n.head(), n.token());
            }
        }
    }
}
