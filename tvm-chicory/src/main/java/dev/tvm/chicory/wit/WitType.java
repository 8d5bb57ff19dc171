package dev.tvm.chicory.wit;

import java.util.List;
import java.util.Objects;

/**
 * A WIT value type, as far as the typed path supports them (see {@link WitParser}). Type aliases
 * and {@code use} are resolved by the parser, so a {@code WitType} is always structural; records,
 * variants, enums and flags keep their WIT name for messages.
 *
 * <p>Java values of each type (what lifting produces and lowering accepts):
 *
 * <pre>
 * bool                   Boolean
 * u8 u16 u32 s8 s16 s32  Long (the mathematical value; u32 is 0..2^32-1)
 * u64 s64                Long (u64 as its two's-complement bit pattern)
 * f32 / f64              Float / Double
 * char                   Integer (a Unicode scalar value)
 * string                 String
 * list&lt;u8&gt;               byte[]
 * list&lt;T&gt;                List&lt;Object&gt; (elements as above)
 * tuple&lt;...&gt;             List&lt;Object&gt;
 * record                 Map&lt;String, Object&gt; (field name to value; lifting gives fields in order)
 * enum                   String (the case name)
 * flags                  Set&lt;String&gt; (the names of the set flags)
 * variant                {@link WitVariant} (case name, payload or null)
 * option&lt;T&gt;              Optional&lt;Object&gt;
 * result&lt;T, E&gt;           {@link WitResult} (ok or error, payload or null)
 * </pre>
 */
public sealed interface WitType {

    /** The WIT spelling, e.g. {@code result<list<u8>, error-code>}; named types give their name. */
    String wit();

    /** The scalar types. */
    enum Primitive implements WitType {
        /** {@code bool}. */
        BOOL("bool"),
        /** {@code u8}. */
        U8("u8"),
        /** {@code u16}. */
        U16("u16"),
        /** {@code u32}. */
        U32("u32"),
        /** {@code u64}. */
        U64("u64"),
        /** {@code s8}. */
        S8("s8"),
        /** {@code s16}. */
        S16("s16"),
        /** {@code s32}. */
        S32("s32"),
        /** {@code s64}. */
        S64("s64"),
        /** {@code f32}. */
        F32("f32"),
        /** {@code f64}. */
        F64("f64"),
        /** {@code char}. */
        CHAR("char"),
        /** {@code string}. */
        STRING("string");

        private final String wit;

        Primitive(String wit) {
            this.wit = wit;
        }

        @Override
        public String wit() {
            return wit;
        }

        /** The primitive spelled {@code name} in WIT (also {@code float32}/{@code float64}), or null. */
        public static Primitive byName(String name) {
            for (Primitive p : values()) {
                if (p.wit.equals(name)) {
                    return p;
                }
            }
            return switch (name) {
                case "float32" -> F32;
                case "float64" -> F64;
                default -> null;
            };
        }
    }

    /** {@code list<T>}. */
    record ListType(WitType element) implements WitType {
        /** Checks the components (lists and maps are copied). */
        public ListType {
            Objects.requireNonNull(element, "element");
        }

        @Override
        public String wit() {
            return "list<" + element.wit() + ">";
        }
    }

    /** {@code option<T>}: a variant {@code none | some(T)}. */
    record OptionType(WitType inner) implements WitType {
        /** Checks the components (lists and maps are copied). */
        public OptionType {
            Objects.requireNonNull(inner, "inner");
        }

        @Override
        public String wit() {
            return "option<" + inner.wit() + ">";
        }
    }

    /** {@code result<T, E>}: a variant {@code ok(T?) | error(E?)}; either side may be absent (null). */
    record ResultType(WitType ok, WitType error) implements WitType {
        @Override
        public String wit() {
            if (ok == null && error == null) {
                return "result";
            }
            return "result<" + (ok == null ? "_" : ok.wit()) + (error == null ? "" : ", " + error.wit()) + ">";
        }
    }

    /** {@code tuple<A, B, ...>}: a record with fields named 0, 1, ... */
    record TupleType(List<WitType> elements) implements WitType {
        /** Checks the components (lists and maps are copied). */
        public TupleType {
            elements = List.copyOf(elements);
        }

        @Override
        public String wit() {
            StringBuilder sb = new StringBuilder("tuple<");
            for (int i = 0; i < elements.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(elements.get(i).wit());
            }
            return sb.append('>').toString();
        }
    }

    /** A named field of a record. */
    record Field(String name, WitType type) {
        /** Checks the components (lists and maps are copied). */
        public Field {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
        }
    }

    /** A case of a variant; {@code type} is null for a case without payload. */
    record Case(String name, WitType type) {
        /** Checks the components (lists and maps are copied). */
        public Case {
            Objects.requireNonNull(name, "name");
        }
    }

    /** {@code record name { fields }}. */
    record RecordType(String name, List<Field> fields) implements WitType {
        /** Checks the components (lists and maps are copied). */
        public RecordType {
            fields = List.copyOf(fields);
        }

        @Override
        public String wit() {
            return name;
        }
    }

    /** {@code variant name { cases }}. */
    record VariantType(String name, List<Case> cases) implements WitType {
        /** Checks the components (lists and maps are copied). */
        public VariantType {
            cases = List.copyOf(cases);
            if (cases.isEmpty()) {
                throw new IllegalArgumentException("variant " + name + " has no cases");
            }
        }

        @Override
        public String wit() {
            return name;
        }

        /** The index of case {@code label}, or -1. */
        public int indexOf(String label) {
            for (int i = 0; i < cases.size(); i++) {
                if (cases.get(i).name().equals(label)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** {@code enum name { cases }}: a variant whose cases carry no payload. */
    record EnumType(String name, List<String> cases) implements WitType {
        /** Checks the components (lists and maps are copied). */
        public EnumType {
            cases = List.copyOf(cases);
            if (cases.isEmpty()) {
                throw new IllegalArgumentException("enum " + name + " has no cases");
            }
        }

        @Override
        public String wit() {
            return name;
        }
    }

    /** {@code flags name { flags }}: a bit set, flag i is bit i. At most 32 flags. */
    record FlagsType(String name, List<String> flags) implements WitType {
        /** Checks the components (lists and maps are copied). */
        public FlagsType {
            flags = List.copyOf(flags);
            if (flags.size() > 32) {
                throw new IllegalArgumentException("flags " + name + " has more than 32 flags");
            }
        }

        @Override
        public String wit() {
            return name;
        }
    }
}
