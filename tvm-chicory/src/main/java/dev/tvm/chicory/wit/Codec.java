package dev.tvm.chicory.wit;

import com.dylibso.chicory.runtime.Memory;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The canonical ABI of one {@link WitType}, compiled once: its size, alignment and flattening, and
 * the four conversions between Java values and their guest representations (load from / store to
 * linear memory, lift from / lower to flat core values). Built recursively from the type, so every
 * function's lifting and lowering is driven by its WIT description; nothing is per function.
 */
abstract class Codec {
    final WitType type;
    final int size;
    final int align;
    final CoreType[] flat;

    Codec(WitType type, int size, int align, CoreType[] flat) {
        this.type = type;
        this.size = size;
        this.align = align;
        this.flat = flat;
    }

    /** Reads a value at {@code ptr} (aligned and in bounds: checked by the caller). */
    abstract Object load(AbiContext cx, int ptr);

    /** Writes a value at {@code ptr} (aligned and in bounds: checked by the caller). */
    abstract void store(AbiContext cx, Object value, int ptr);

    /** Reads a value from flat core values. */
    abstract Object liftFlat(AbiContext cx, FlatIn in);

    /** Appends a value's flat core values. */
    abstract void lowerFlat(AbiContext cx, Object value, FlatOut out);

    // ---------------------------------------------------------------- flat value streams

    /** A stream of flat core values being lifted. */
    interface FlatIn {
        /** The next value, which must be of type {@code want}. */
        long next(CoreType want);
    }

    /** A sink of flat core values being lowered. */
    interface FlatOut {
        void add(CoreType type, long value);
    }

    /** Flat values in an array, with their declared types. */
    static final class ArrayIn implements FlatIn {
        private final long[] values;
        private final CoreType[] types;
        private int index;

        ArrayIn(long[] values, CoreType[] types, int from) {
            this.values = values;
            this.types = types;
            this.index = from;
        }

        @Override
        public long next(CoreType want) {
            if (types[index] != want) {
                throw new IllegalStateException("flat value " + index + " is " + types[index] + ", not " + want);
            }
            return values[index++];
        }
    }

    /** Flat values into an array. */
    static final class ArrayOut implements FlatOut {
        final long[] values;
        final CoreType[] types;
        int index;

        ArrayOut(CoreType[] types) {
            this.types = types;
            this.values = new long[types.length];
        }

        @Override
        public void add(CoreType type, long value) {
            if (types[index] != type) {
                throw new IllegalStateException("flat value " + index + " is " + types[index] + ", not " + type);
            }
            values[index++] = value;
        }
    }

    // ---------------------------------------------------------------- layout helpers

    static int alignTo(int offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    static int discriminantSize(int cases) {
        if (cases <= 1 << 8) {
            return 1;
        }
        return cases <= 1 << 16 ? 2 : 4;
    }

    static Memory mem(AbiContext cx) {
        return cx.memory();
    }

    static long loadUnsigned(AbiContext cx, int ptr, int bytes) {
        Memory m = cx.memory();
        return switch (bytes) {
            case 1 -> m.read(ptr) & 0xFFL;
            case 2 -> m.readShort(ptr) & 0xFFFFL;
            case 4 -> m.readInt(ptr) & 0xFFFF_FFFFL;
            default -> m.readLong(ptr);
        };
    }

    static void storeInt(AbiContext cx, long value, int ptr, int bytes) {
        Memory m = cx.memory();
        switch (bytes) {
            case 1 -> m.writeByte(ptr, (byte) value);
            case 2 -> m.writeShort(ptr, (short) value);
            case 4 -> m.writeI32(ptr, (int) value);
            default -> m.writeLong(ptr, value);
        }
    }

    static IllegalArgumentException badValue(WitType type, Object value, String why) {
        String shown = value == null ? "null" : value.getClass().getSimpleName() + " " + value;
        return new IllegalArgumentException("cannot lower " + shown + " as " + type.wit() + ": " + why);
    }

    // ---------------------------------------------------------------- construction

    /** The codec of {@code type}. */
    static Codec of(WitType type) {
        if (type instanceof WitType.Primitive p) {
            return switch (p) {
                case BOOL -> new BoolCodec();
                case U8, U16, U32, U64, S8, S16, S32, S64 -> new IntCodec(p);
                case F32, F64 -> new FloatCodec(p);
                case CHAR -> new CharCodec();
                case STRING -> new StringCodec();
            };
        }
        if (type instanceof WitType.ListType l) {
            return new ListCodec(l, of(l.element()));
        }
        if (type instanceof WitType.RecordType r) {
            List<String> names = new ArrayList<>();
            List<Codec> fields = new ArrayList<>();
            for (WitType.Field f : r.fields()) {
                names.add(f.name());
                fields.add(of(f.type()));
            }
            return new RecordCodec(r, names, fields, false);
        }
        if (type instanceof WitType.TupleType t) {
            return tuple(t, t.elements());
        }
        if (type instanceof WitType.FlagsType f) {
            return new FlagsCodec(f);
        }
        List<String> labels = new ArrayList<>();
        List<Codec> payloads = new ArrayList<>();
        if (type instanceof WitType.VariantType v) {
            for (WitType.Case c : v.cases()) {
                labels.add(c.name());
                payloads.add(c.type() == null ? null : of(c.type()));
            }
        } else if (type instanceof WitType.EnumType e) {
            for (String c : e.cases()) {
                labels.add(c);
                payloads.add(null);
            }
        } else if (type instanceof WitType.OptionType o) {
            labels.add("none");
            payloads.add(null);
            labels.add("some");
            payloads.add(of(o.inner()));
        } else if (type instanceof WitType.ResultType r) {
            labels.add("ok");
            payloads.add(r.ok() == null ? null : of(r.ok()));
            labels.add("error");
            payloads.add(r.error() == null ? null : of(r.error()));
        } else {
            throw new IllegalArgumentException("unsupported type " + type);
        }
        return new VariantCodec(type, labels, payloads);
    }

    /** A tuple of {@code types}: the layout of parameter lists passed in memory. */
    static RecordCodec tuple(WitType type, List<WitType> types) {
        List<String> names = new ArrayList<>();
        List<Codec> fields = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            names.add(String.valueOf(i));
            fields.add(of(types.get(i)));
        }
        return new RecordCodec(type, names, fields, true);
    }

    // ---------------------------------------------------------------- scalars

    static final class BoolCodec extends Codec {
        BoolCodec() {
            super(WitType.Primitive.BOOL, 1, 1, new CoreType[] {CoreType.I32});
        }

        private boolean check(Object v) {
            if (v instanceof Boolean b) {
                return b;
            }
            throw badValue(type, v, "want a Boolean");
        }

        @Override
        Object load(AbiContext cx, int ptr) {
            return mem(cx).read(ptr) != 0;
        }

        @Override
        void store(AbiContext cx, Object v, int ptr) {
            mem(cx).writeByte(ptr, (byte) (check(v) ? 1 : 0));
        }

        @Override
        Object liftFlat(AbiContext cx, FlatIn in) {
            return (int) in.next(CoreType.I32) != 0;
        }

        @Override
        void lowerFlat(AbiContext cx, Object v, FlatOut out) {
            out.add(CoreType.I32, check(v) ? 1 : 0);
        }
    }

    static final class IntCodec extends Codec {
        private final int bytes;
        private final boolean signed;
        private final long min;
        private final long max;

        IntCodec(WitType.Primitive p) {
            super(p, width(p), width(p), new CoreType[] {width(p) == 8 ? CoreType.I64 : CoreType.I32});
            this.bytes = width(p);
            this.signed = p == WitType.Primitive.S8
                    || p == WitType.Primitive.S16
                    || p == WitType.Primitive.S32
                    || p == WitType.Primitive.S64;
            if (bytes == 8) {
                min = Long.MIN_VALUE; // u64 travels as its bit pattern
                max = Long.MAX_VALUE;
            } else if (signed) {
                min = -(1L << (8 * bytes - 1));
                max = (1L << (8 * bytes - 1)) - 1;
            } else {
                min = 0;
                max = (1L << (8 * bytes)) - 1;
            }
        }

        private static int width(WitType.Primitive p) {
            return switch (p) {
                case U8, S8 -> 1;
                case U16, S16 -> 2;
                case U32, S32 -> 4;
                default -> 8;
            };
        }

        /** The low {@code bytes} bytes of {@code raw} as this type's value. */
        private long normalize(long raw) {
            return switch (bytes) {
                case 1 -> signed ? (byte) raw : raw & 0xFFL;
                case 2 -> signed ? (short) raw : raw & 0xFFFFL;
                case 4 -> signed ? (int) raw : raw & 0xFFFF_FFFFL;
                default -> raw;
            };
        }

        private long check(Object v) {
            if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
                long x = ((Number) v).longValue();
                if (x < min || x > max) {
                    throw badValue(type, v, "out of range " + min + ".." + max);
                }
                return x;
            }
            throw badValue(type, v, "want a Long");
        }

        @Override
        Object load(AbiContext cx, int ptr) {
            return normalize(loadUnsigned(cx, ptr, bytes));
        }

        @Override
        void store(AbiContext cx, Object v, int ptr) {
            storeInt(cx, check(v), ptr, bytes);
        }

        @Override
        Object liftFlat(AbiContext cx, FlatIn in) {
            return normalize(in.next(flat[0]));
        }

        @Override
        void lowerFlat(AbiContext cx, Object v, FlatOut out) {
            long x = check(v);
            out.add(flat[0], bytes == 8 ? x : (long) (int) x);
        }
    }

    static final class FloatCodec extends Codec {
        private static final int NAN32 = 0x7fc00000;
        private static final long NAN64 = 0x7ff8000000000000L;
        private final boolean single;

        FloatCodec(WitType.Primitive p) {
            super(p, p == WitType.Primitive.F32 ? 4 : 8, p == WitType.Primitive.F32 ? 4 : 8, new CoreType[] {
                p == WitType.Primitive.F32 ? CoreType.F32 : CoreType.F64
            });
            this.single = p == WitType.Primitive.F32;
        }

        /** Raw bits of a Java float/double, NaNs canonicalised; unsigned in a long for f32. */
        private long bits(Object v) {
            if (single && v instanceof Float f) {
                return Integer.toUnsignedLong(f.isNaN() ? NAN32 : Float.floatToRawIntBits(f));
            }
            if (!single && v instanceof Double d) {
                return d.isNaN() ? NAN64 : Double.doubleToRawLongBits(d);
            }
            throw badValue(type, v, single ? "want a Float" : "want a Double");
        }

        private Object value(long raw) {
            if (single) {
                float f = Float.intBitsToFloat((int) raw);
                return Float.isNaN(f) ? Float.intBitsToFloat(NAN32) : f;
            }
            double d = Double.longBitsToDouble(raw);
            return Double.isNaN(d) ? Double.longBitsToDouble(NAN64) : d;
        }

        @Override
        Object load(AbiContext cx, int ptr) {
            return value(loadUnsigned(cx, ptr, size));
        }

        @Override
        void store(AbiContext cx, Object v, int ptr) {
            storeInt(cx, bits(v), ptr, size);
        }

        @Override
        Object liftFlat(AbiContext cx, FlatIn in) {
            return value(in.next(flat[0]));
        }

        @Override
        void lowerFlat(AbiContext cx, Object v, FlatOut out) {
            out.add(flat[0], bits(v));
        }
    }

    static final class CharCodec extends Codec {
        CharCodec() {
            super(WitType.Primitive.CHAR, 4, 4, new CoreType[] {CoreType.I32});
        }

        private static boolean valid(long c) {
            return c >= 0 && c < 0x110000 && (c < 0xD800 || c > 0xDFFF);
        }

        private Integer lift(long raw) {
            long c = raw & 0xFFFF_FFFFL;
            if (!valid(c)) {
                throw new CanonicalAbiException("0x" + Long.toHexString(c) + " is not a Unicode scalar value");
            }
            return (int) c;
        }

        private int check(Object v) {
            if (v instanceof Integer i && valid(i)) {
                return i;
            }
            throw badValue(type, v, "want an Integer Unicode scalar value");
        }

        @Override
        Object load(AbiContext cx, int ptr) {
            return lift(mem(cx).readInt(ptr));
        }

        @Override
        void store(AbiContext cx, Object v, int ptr) {
            mem(cx).writeI32(ptr, check(v));
        }

        @Override
        Object liftFlat(AbiContext cx, FlatIn in) {
            return lift(in.next(CoreType.I32));
        }

        @Override
        void lowerFlat(AbiContext cx, Object v, FlatOut out) {
            out.add(CoreType.I32, check(v));
        }
    }

    // ---------------------------------------------------------------- strings and lists

    /**
     * Strings and lists: a (pointer, length) pair of i32s, in memory and flattened alike; the
     * subclasses say how a range becomes a value and back.
     */
    abstract static class RangeCodec extends Codec {
        RangeCodec(WitType type) {
            super(type, 8, 4, new CoreType[] {CoreType.I32, CoreType.I32});
        }

        /** The value held by {@code length} units at {@code ptr}. */
        abstract Object fromRange(AbiContext cx, int ptr, int length);

        /** Allocates and writes a value; returns {pointer, length}. */
        abstract int[] toRange(AbiContext cx, Object v);

        @Override
        Object load(AbiContext cx, int ptr) {
            return fromRange(cx, mem(cx).readInt(ptr), mem(cx).readInt(ptr + 4));
        }

        @Override
        void store(AbiContext cx, Object v, int ptr) {
            int[] range = toRange(cx, v);
            mem(cx).writeI32(ptr, range[0]);
            mem(cx).writeI32(ptr + 4, range[1]);
        }

        @Override
        Object liftFlat(AbiContext cx, FlatIn in) {
            int ptr = (int) in.next(CoreType.I32);
            int len = (int) in.next(CoreType.I32);
            return fromRange(cx, ptr, len);
        }

        @Override
        void lowerFlat(AbiContext cx, Object v, FlatOut out) {
            int[] range = toRange(cx, v);
            out.add(CoreType.I32, range[0]);
            out.add(CoreType.I32, range[1]);
        }
    }

    /** Strings are UTF-8: (pointer, byte length) pairs, the bytes allocated with alignment 1. */
    static final class StringCodec extends RangeCodec {
        /** The canonical ABI's limit, which keeps the length's top bit clear. */
        static final long MAX_BYTES = (1L << 31) - 1;

        StringCodec() {
            super(WitType.Primitive.STRING);
        }

        @Override
        String fromRange(AbiContext cx, int ptr, int length) {
            long len = Integer.toUnsignedLong(length);
            if (len > MAX_BYTES) {
                throw new CanonicalAbiException("string length " + len + " exceeds 2^31 - 1");
            }
            cx.checkRange(ptr, len, 1, "string");
            byte[] bytes = mem(cx).readBytes(ptr, (int) len);
            try {
                return StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new CanonicalAbiException("string at " + Integer.toUnsignedLong(ptr) + " is not valid UTF-8", e);
            }
        }

        /** Allocates and writes the string; returns {pointer, length}. */
        @Override
        int[] toRange(AbiContext cx, Object v) {
            if (!(v instanceof String s)) {
                throw badValue(type, v, "want a String");
            }
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            int ptr = cx.allocate(1, bytes.length, "string");
            mem(cx).write(ptr, bytes);
            return new int[] {ptr, bytes.length};
        }
    }

    /** Lists are (pointer, element count) pairs; {@code list<u8>} is a {@code byte[]} copied in bulk. */
    static final class ListCodec extends RangeCodec {
        private final Codec element;
        private final boolean bytes;

        ListCodec(WitType.ListType type, Codec element) {
            super(type);
            this.element = element;
            this.bytes = element.type == WitType.Primitive.U8;
        }

        @Override
        Object fromRange(AbiContext cx, int ptr, int length) {
            long count = Integer.toUnsignedLong(length);
            long byteLength = count * element.size;
            cx.checkRange(ptr, byteLength, element.align, type.wit());
            if (bytes) {
                return mem(cx).readBytes(ptr, (int) count);
            }
            List<Object> out = new ArrayList<>((int) Math.min(count, 1 << 16));
            for (long i = 0; i < count; i++) {
                out.add(element.load(cx, (int) (ptr + i * element.size)));
            }
            return out;
        }

        @Override
        int[] toRange(AbiContext cx, Object v) {
            if (bytes && v instanceof byte[] b) {
                int ptr = cx.allocate(1, b.length, type.wit());
                mem(cx).write(ptr, b);
                return new int[] {ptr, b.length};
            }
            if (!(v instanceof List<?> list)) {
                throw badValue(type, v, bytes ? "want a byte[] or a List" : "want a List");
            }
            long byteLength = (long) list.size() * element.size;
            int ptr = cx.allocate(element.align, byteLength, type.wit());
            for (int i = 0; i < list.size(); i++) {
                element.store(cx, list.get(i), ptr + i * element.size);
            }
            return new int[] {ptr, list.size()};
        }
    }

    // ---------------------------------------------------------------- records and tuples

    /** Records and tuples: fields in order, each at its own alignment; the whole at the largest. */
    static final class RecordCodec extends Codec {
        final List<String> names;
        final List<Codec> fields;
        final int[] offsets;
        private final boolean tuple;

        RecordCodec(WitType type, List<String> names, List<Codec> fields, boolean tuple) {
            this(type, names, fields, tuple, layout(fields));
        }

        private RecordCodec(WitType type, List<String> names, List<Codec> fields, boolean tuple, int[] layout) {
            super(type, layout[fields.size()], layout[fields.size() + 1], flatten(fields));
            this.names = List.copyOf(names);
            this.fields = List.copyOf(fields);
            this.offsets = Arrays.copyOf(layout, fields.size());
            this.tuple = tuple;
        }

        /** Field offsets, then the size, then the alignment. */
        private static int[] layout(List<Codec> fields) {
            int[] out = new int[fields.size() + 2];
            int offset = 0;
            int alignment = 1;
            for (int i = 0; i < fields.size(); i++) {
                Codec f = fields.get(i);
                offset = alignTo(offset, f.align);
                out[i] = offset;
                offset += f.size;
                alignment = Math.max(alignment, f.align);
            }
            out[fields.size()] = alignTo(offset, alignment);
            out[fields.size() + 1] = alignment;
            return out;
        }

        private static CoreType[] flatten(List<Codec> fields) {
            List<CoreType> out = new ArrayList<>();
            for (Codec f : fields) {
                out.addAll(Arrays.asList(f.flat));
            }
            return out.toArray(new CoreType[0]);
        }

        private Object field(Object v, int i) {
            if (tuple) {
                if (v instanceof List<?> list && list.size() == fields.size()) {
                    return list.get(i);
                }
                throw badValue(type, v, "want a List of " + fields.size() + " elements");
            }
            if (v instanceof Map<?, ?> map) {
                if (!map.containsKey(names.get(i))) {
                    throw badValue(type, v, "field " + names.get(i) + " is missing");
                }
                return map.get(names.get(i));
            }
            throw badValue(type, v, "want a Map of field names to values");
        }

        private Object build(Object[] values) {
            if (tuple) {
                return Arrays.asList(values);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (int i = 0; i < values.length; i++) {
                out.put(names.get(i), values[i]);
            }
            return out;
        }

        @Override
        Object load(AbiContext cx, int ptr) {
            Object[] values = new Object[fields.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = fields.get(i).load(cx, ptr + offsets[i]);
            }
            return build(values);
        }

        @Override
        void store(AbiContext cx, Object v, int ptr) {
            for (int i = 0; i < fields.size(); i++) {
                fields.get(i).store(cx, field(v, i), ptr + offsets[i]);
            }
        }

        @Override
        Object liftFlat(AbiContext cx, FlatIn in) {
            Object[] values = new Object[fields.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = fields.get(i).liftFlat(cx, in);
            }
            return build(values);
        }

        @Override
        void lowerFlat(AbiContext cx, Object v, FlatOut out) {
            for (int i = 0; i < fields.size(); i++) {
                fields.get(i).lowerFlat(cx, field(v, i), out);
            }
        }
    }

    // ---------------------------------------------------------------- flags

    /** Flags: a bit vector in the smallest of u8, u16, u32; one i32 flat. */
    static final class FlagsCodec extends Codec {
        private final List<String> labels;

        FlagsCodec(WitType.FlagsType type) {
            super(
                    type,
                    flagsSize(type.flags().size()),
                    flagsAlign(type.flags().size()),
                    flagsFlat(type.flags().size()));
            this.labels = type.flags();
        }

        private static int flagsSize(int n) {
            return n == 0 ? 0 : n <= 8 ? 1 : n <= 16 ? 2 : 4;
        }

        private static int flagsAlign(int n) {
            return n <= 8 ? 1 : n <= 16 ? 2 : 4;
        }

        private static CoreType[] flagsFlat(int n) {
            return n == 0 ? new CoreType[0] : new CoreType[] {CoreType.I32};
        }

        private long pack(Object v) {
            if (!(v instanceof Collection<?> set)) {
                throw badValue(type, v, "want a Set of flag names");
            }
            long bits = 0;
            for (Object o : set) {
                int i = labels.indexOf(o);
                if (i < 0) {
                    throw badValue(type, v, "no flag " + o);
                }
                bits |= 1L << i;
            }
            return bits;
        }

        private Set<String> unpack(long bits) {
            Set<String> out = new LinkedHashSet<>();
            for (int i = 0; i < labels.size(); i++) {
                if ((bits & (1L << i)) != 0) {
                    out.add(labels.get(i));
                }
            }
            return out;
        }

        @Override
        Object load(AbiContext cx, int ptr) {
            return size == 0 ? unpack(0) : unpack(loadUnsigned(cx, ptr, size));
        }

        @Override
        void store(AbiContext cx, Object v, int ptr) {
            long bits = pack(v);
            if (size > 0) {
                storeInt(cx, bits, ptr, size);
            }
        }

        @Override
        Object liftFlat(AbiContext cx, FlatIn in) {
            return flat.length == 0 ? unpack(0) : unpack(in.next(CoreType.I32) & 0xFFFF_FFFFL);
        }

        @Override
        void lowerFlat(AbiContext cx, Object v, FlatOut out) {
            long bits = pack(v);
            if (flat.length > 0) {
                out.add(CoreType.I32, (bits << 32) >> 32); // the low 32 bits, as an i32
            }
        }
    }

    // ---------------------------------------------------------------- variants

    /**
     * Variants, enums, options and results: a discriminant in the smallest of u8, u16, u32, then
     * the payload at the largest case alignment. Flat: an i32 discriminant, then the payloads'
     * flat types joined position by position ({@link CoreType#join}); shorter payloads are
     * padded with zeros, and values are coerced between a case's own flat types and the joined ones.
     */
    static final class VariantCodec extends Codec {
        private final List<String> labels;
        private final List<Codec> payloads;
        private final int discSize;
        private final int payloadOffset;

        VariantCodec(WitType type, List<String> labels, List<Codec> payloads) {
            this(type, labels, payloads, variantLayout(labels.size(), payloads));
        }

        private VariantCodec(WitType type, List<String> labels, List<Codec> payloads, int[] layout) {
            super(type, layout[1], layout[2], variantFlat(payloads));
            this.labels = List.copyOf(labels);
            this.payloads = new ArrayList<>(payloads); // may hold nulls
            this.discSize = discriminantSize(labels.size());
            this.payloadOffset = layout[0];
        }

        /** Payload offset, size, alignment. */
        private static int[] variantLayout(int cases, List<Codec> payloads) {
            int disc = discriminantSize(cases);
            int caseAlign = 1;
            int caseSize = 0;
            for (Codec p : payloads) {
                if (p != null) {
                    caseAlign = Math.max(caseAlign, p.align);
                    caseSize = Math.max(caseSize, p.size);
                }
            }
            int payloadOffset = alignTo(disc, caseAlign);
            int alignment = Math.max(disc, caseAlign);
            return new int[] {payloadOffset, alignTo(payloadOffset + caseSize, alignment), alignment};
        }

        private static CoreType[] variantFlat(List<Codec> payloads) {
            List<CoreType> joined = new ArrayList<>();
            for (Codec p : payloads) {
                if (p == null) {
                    continue;
                }
                for (int i = 0; i < p.flat.length; i++) {
                    if (i < joined.size()) {
                        joined.set(i, CoreType.join(joined.get(i), p.flat[i]));
                    } else {
                        joined.add(p.flat[i]);
                    }
                }
            }
            joined.add(0, CoreType.I32);
            return joined.toArray(new CoreType[0]);
        }

        /** The case index of a Java value, and its payload. */
        private int caseOf(Object v, Object[] payload) {
            String label;
            Object value = null;
            if (type instanceof WitType.OptionType) {
                if (!(v instanceof Optional<?> o)) {
                    throw badValue(type, v, "want an Optional");
                }
                if (o.isEmpty()) {
                    return 0;
                }
                payload[0] = o.get();
                return 1;
            } else if (type instanceof WitType.ResultType) {
                if (!(v instanceof WitResult r)) {
                    throw badValue(type, v, "want a WitResult");
                }
                payload[0] = r.value();
                return r.isOk() ? 0 : 1;
            } else if (type instanceof WitType.EnumType) {
                if (v instanceof String s) {
                    label = s;
                } else if (v instanceof Enum<?> e) {
                    label = e.name().toLowerCase(Locale.ROOT).replace('_', '-');
                } else {
                    throw badValue(type, v, "want a String case name");
                }
            } else if (v instanceof WitVariant w) {
                label = w.caseName();
                value = w.payload();
            } else {
                throw badValue(type, v, "want a WitVariant");
            }
            int index = labels.indexOf(label);
            if (index < 0) {
                throw badValue(type, v, "no case " + label);
            }
            payload[0] = value;
            return index;
        }

        private Object build(int index, Object payload) {
            if (type instanceof WitType.OptionType) {
                return index == 0 ? Optional.empty() : Optional.of(payload);
            }
            if (type instanceof WitType.ResultType) {
                return index == 0 ? WitResult.ok(payload) : WitResult.error(payload);
            }
            if (type instanceof WitType.EnumType) {
                return labels.get(index);
            }
            return new WitVariant(labels.get(index), payload);
        }

        private int checkIndex(long index) {
            if (index < 0 || index >= labels.size()) {
                throw new CanonicalAbiException(
                        "discriminant " + index + " is outside " + type.wit() + " (" + labels.size() + " cases)");
            }
            return (int) index;
        }

        @Override
        Object load(AbiContext cx, int ptr) {
            int index = checkIndex(loadUnsigned(cx, ptr, discSize));
            Codec p = payloads.get(index);
            return build(index, p == null ? null : p.load(cx, ptr + payloadOffset));
        }

        @Override
        void store(AbiContext cx, Object v, int ptr) {
            Object[] payload = new Object[1];
            int index = caseOf(v, payload);
            storeInt(cx, index, ptr, discSize);
            Codec p = payloads.get(index);
            if (p != null) {
                p.store(cx, payload[0], ptr + payloadOffset);
            }
        }

        @Override
        Object liftFlat(AbiContext cx, FlatIn in) {
            int index = checkIndex(in.next(CoreType.I32) & 0xFFFF_FFFFL);
            Codec p = payloads.get(index);
            int[] consumed = {1};
            Object payload = null;
            if (p != null) {
                FlatIn coercing = want -> {
                    CoreType have = flat[consumed[0]++];
                    long x = in.next(have);
                    if (have == CoreType.I64 && want == CoreType.I32) {
                        return (int) x; // wrap
                    }
                    if (have != want && want == CoreType.F32) {
                        return x & 0xFFFF_FFFFL; // the low 32 bits are the float's bits
                    }
                    return x;
                };
                payload = p.liftFlat(cx, coercing);
            }
            while (consumed[0] < flat.length) {
                in.next(flat[consumed[0]++]);
            }
            return build(index, payload);
        }

        @Override
        void lowerFlat(AbiContext cx, Object v, FlatOut out) {
            Object[] payload = new Object[1];
            int index = caseOf(v, payload);
            out.add(CoreType.I32, index);
            Codec p = payloads.get(index);
            int[] produced = {1};
            if (p != null) {
                p.lowerFlat(cx, payload[0], (have, x) -> {
                    CoreType want = flat[produced[0]++];
                    long coerced = x;
                    if (want == CoreType.I64 && (have == CoreType.I32 || have == CoreType.F32)) {
                        coerced = x & 0xFFFF_FFFFL; // zero-extend the 32-bit pattern
                    } else if (want == CoreType.I32 && have == CoreType.F32) {
                        coerced = (int) x;
                    }
                    out.add(want, coerced);
                });
            }
            while (produced[0] < flat.length) {
                out.add(flat[produced[0]++], 0);
            }
        }
    }
}
