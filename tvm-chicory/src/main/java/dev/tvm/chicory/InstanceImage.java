package dev.tvm.chicory;

import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasm.types.MutabilityType;
import com.dylibso.chicory.wasm.types.ValType;
import com.dylibso.chicory.wasm.types.Value;
import dev.tvm.chicory.HibernationException.Reason;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The state of an instance besides its memories: globals, tables and which data and element
 * segments are dropped. Captured (and checked that a snapshot can carry it) before any byte is
 * written, laid out in the GLOBALS, TABLES and DROPS sections drawn in {@link Hibernation}, and put
 * back into a fresh instance of the same module.
 */
final class InstanceImage {
    /** Wasm allows at most 10^7 table entries; Chicory's limit is the same. */
    private static final int MAX_TABLE_ENTRIES = 10_000_000;
    /** No module has more globals, tables or segments than this; a larger count is a damaged file. */
    private static final int MAX_ITEMS = 1_000_000;

    private static final int NULL = Value.REF_NULL_VALUE;

    /** One global: its type, mutability, whether the host supplied it, and its value's two halves. */
    record GlobalImage(long typeId, boolean mutable, boolean imported, long low, long high) {}

    /** One table: its element type, whether the host supplied it, and every entry (-1 is null). */
    record TableImage(long elementTypeId, boolean imported, int[] refs) {}

    private final List<GlobalImage> globals;
    private final List<TableImage> tables;
    private final int dataCount;
    private final int[] droppedData;
    private final int elementCount;
    private final int[] droppedElements;

    private InstanceImage(
            List<GlobalImage> globals,
            List<TableImage> tables,
            int dataCount,
            int[] droppedData,
            int elementCount,
            int[] droppedElements) {
        this.globals = globals;
        this.tables = tables;
        this.dataCount = dataCount;
        this.droppedData = droppedData;
        this.elementCount = elementCount;
        this.droppedElements = droppedElements;
    }

    /**
     * The state of {@code instance}.
     *
     * @throws HibernationException ({@link Reason#REFUSED}) when a global or table holds a reference
     *     a snapshot cannot carry: a non-null host (extern) or GC reference, or a function of another
     *     instance
     */
    static InstanceImage capture(Instance instance) {
        int importedGlobals = instance.imports().globalCount();
        List<GlobalImage> globals = new ArrayList<>();
        for (int i = 0; i < instance.globalCount(); i++) {
            GlobalInstance g = instance.global(i);
            ValType type = g.getType();
            long low = g.getValueLow();
            if (type.isReference() && low != NULL && !isFuncRef(type)) {
                throw refused("global " + i + " holds a reference of type " + type
                        + " (a host or GC reference), which cannot be written to a file");
            }
            globals.add(new GlobalImage(
                    type.id(),
                    g.getMutabilityType() == MutabilityType.Var,
                    i < importedGlobals,
                    low,
                    g.getValueHigh()));
        }

        int importedTables = instance.imports().tableCount();
        List<TableImage> tables = new ArrayList<>();
        for (int t = 0; t < instance.tableCount(); t++) {
            TableInstance table = instance.table(t);
            ValType type = table.elementType();
            int[] refs = new int[table.size()];
            for (int e = 0; e < refs.length; e++) {
                int ref = table.ref(e);
                refs[e] = ref;
                if (ref == NULL) {
                    continue;
                }
                if (!isFuncRef(type)) {
                    throw refused("table " + t + " entry " + e + " holds a reference of type " + type
                            + " (a host or GC reference), which cannot be written to a file");
                }
                if (table.instance(e) != instance) {
                    throw refused("table " + t + " entry " + e + " refers to function " + ref
                            + " of another instance, which a snapshot of this one cannot carry");
                }
            }
            tables.add(new TableImage(type.id(), t < importedTables, refs));
        }

        var data = instance.module().dataSection();
        int[] droppedData = IntStream.range(0, data.dataSegmentCount())
                .filter(d -> instance.dataSegmentData(d).length == 0
                        && data.getDataSegment(d).data().length > 0)
                .toArray();
        int[] droppedElements = IntStream.range(0, instance.elementCount())
                .filter(e -> instance.element(e) == null)
                .toArray();
        return new InstanceImage(
                globals, tables, data.dataSegmentCount(), droppedData, instance.elementCount(), droppedElements);
    }

    private static boolean isFuncRef(ValType type) {
        return type.id() == ValType.FuncRef.id();
    }

    private static HibernationException refused(String what) {
        return new HibernationException(
                Reason.REFUSED,
                "cannot hibernate the instance: " + what
                        + "; clear it (set it to null) before hibernating, or keep the instance live");
    }

    // ---------------------------------------------------------------- file

    /** Writes the GLOBALS, TABLES and DROPS sections. */
    void write(HibernationOutput out) throws IOException {
        out.beginSection(Hibernation.GLOBALS);
        out.putInt(globals.size());
        for (GlobalImage g : globals) {
            out.putLong(g.typeId());
            out.putByte(g.mutable() ? 1 : 0);
            out.putByte(g.imported() ? 1 : 0);
            out.putLong(g.low());
            out.putLong(g.high());
        }
        out.endSection();

        out.beginSection(Hibernation.TABLES);
        out.putInt(tables.size());
        for (TableImage t : tables) {
            out.putLong(t.elementTypeId());
            out.putByte(t.imported() ? 1 : 0);
            out.putInt(t.refs().length);
            for (int ref : t.refs()) {
                out.putInt(ref);
            }
        }
        out.endSection();

        out.beginSection(Hibernation.DROPS);
        writeIndices(out, dataCount, droppedData);
        writeIndices(out, elementCount, droppedElements);
        out.endSection();
    }

    private static void writeIndices(HibernationOutput out, int count, int[] indices) throws IOException {
        out.putInt(count);
        out.putInt(indices.length);
        for (int i : indices) {
            out.putInt(i);
        }
    }

    /** Reads what {@link #write} wrote, checking its shape. */
    static InstanceImage read(HibernationInput in) throws IOException {
        in.beginSection(Hibernation.GLOBALS, "globals");
        int globalCount = in.getCount(MAX_ITEMS, "the global count");
        List<GlobalImage> globals = new ArrayList<>(globalCount);
        for (int i = 0; i < globalCount; i++) {
            long type = in.getLong();
            boolean mutable = bool(in, "global " + i + "'s mutability");
            boolean imported = bool(in, "global " + i + "'s import flag");
            globals.add(new GlobalImage(type, mutable, imported, in.getLong(), in.getLong()));
        }
        in.endSection("globals");

        in.beginSection(Hibernation.TABLES, "tables");
        int tableCount = in.getCount(MAX_ITEMS, "the table count");
        List<TableImage> tables = new ArrayList<>(tableCount);
        for (int t = 0; t < tableCount; t++) {
            long type = in.getLong();
            boolean imported = bool(in, "table " + t + "'s import flag");
            int size = in.getCount(MAX_TABLE_ENTRIES, "table " + t + "'s size");
            int[] refs = new int[size];
            for (int e = 0; e < size; e++) {
                refs[e] = in.getInt();
                if (refs[e] < NULL) {
                    throw in.corrupt("table " + t + " entry " + e + " is " + refs[e]);
                }
            }
            tables.add(new TableImage(type, imported, refs));
        }
        in.endSection("tables");

        in.beginSection(Hibernation.DROPS, "dropped segments");
        int dataCount = in.getCount(MAX_ITEMS, "the data segment count");
        int[] droppedData = readIndices(in, dataCount, "dropped data segment");
        int elementCount = in.getCount(MAX_ITEMS, "the element segment count");
        int[] droppedElements = readIndices(in, elementCount, "dropped element segment");
        in.endSection("dropped segments");
        return new InstanceImage(globals, tables, dataCount, droppedData, elementCount, droppedElements);
    }

    private static boolean bool(HibernationInput in, String what) throws IOException {
        int b = in.getByte();
        if (b > 1) {
            throw in.corrupt(what + " is " + b + ", not 0 or 1");
        }
        return b == 1;
    }

    private static int[] readIndices(HibernationInput in, int count, String what) throws IOException {
        int[] indices = new int[in.getCount(count, "the number of each " + what)];
        for (int i = 0; i < indices.length; i++) {
            long index = Integer.toUnsignedLong(in.getInt());
            if (index >= count || (i > 0 && index <= indices[i - 1])) {
                throw in.corrupt(what + " index " + index + " is out of order or not below " + count);
            }
            indices[i] = (int) index;
        }
        return indices;
    }

    // ---------------------------------------------------------------- restore

    /**
     * Puts this state into {@code instance}, a fresh instance of the module it was captured from.
     *
     * @throws HibernationException ({@link Reason#MISMATCH}) when the instance's shape or its
     *     host-supplied immutable values differ from the snapshot's
     */
    void restore(Instance instance, Path file) {
        if (instance.globalCount() != globals.size()
                || instance.tableCount() != tables.size()
                || instance.module().dataSection().dataSegmentCount() != dataCount
                || instance.elementCount() != elementCount) {
            throw mismatch(
                    file,
                    "the new instance has " + instance.globalCount() + " globals, " + instance.tableCount()
                            + " tables, " + instance.module().dataSection().dataSegmentCount()
                            + " data and " + instance.elementCount() + " element segments; the snapshot "
                            + globals.size() + ", " + tables.size() + ", " + dataCount + " and " + elementCount,
                    "build it from the module the snapshot was taken of");
        }
        for (int i = 0; i < globals.size(); i++) {
            GlobalImage saved = globals.get(i);
            GlobalInstance g = instance.global(i);
            boolean mutable = g.getMutabilityType() == MutabilityType.Var;
            if (g.getType().id() != saved.typeId() || mutable != saved.mutable()) {
                throw mismatch(
                        file,
                        "global " + i + " is " + (mutable ? "a mutable " : "an immutable ") + g.getType()
                                + " but was " + (saved.mutable() ? "mutable" : "immutable") + " of type id "
                                + saved.typeId(),
                        "build the instance from the module the snapshot was taken of");
            }
            if (saved.mutable()) {
                g.setValueLow(saved.low());
                g.setValueHigh(saved.high());
            } else if (g.getValueLow() != saved.low() || g.getValueHigh() != saved.high()) {
                throw mismatch(
                        file,
                        "immutable global " + i + " is " + g.getValueLow() + " but was " + saved.low()
                                + " when the instance was hibernated",
                        "supply the same imported globals as the hibernated instance had");
            }
        }
        for (int t = 0; t < tables.size(); t++) {
            restoreTable(instance, t, tables.get(t), file);
        }
        for (int d : droppedData) {
            instance.dropDataSegment(d);
        }
        for (int e : droppedElements) {
            instance.setElement(e, null);
        }
    }

    private static void restoreTable(Instance instance, int t, TableImage saved, Path file) {
        TableInstance table = instance.table(t);
        if (table.elementType().id() != saved.elementTypeId()) {
            throw mismatch(
                    file,
                    "table " + t + " holds " + table.elementType() + ", not the saved element type",
                    "build the instance from the module the snapshot was taken of");
        }
        int[] refs = saved.refs();
        if (table.size() > refs.length) {
            throw mismatch(
                    file,
                    "table " + t + " starts with " + table.size() + " entries, more than the " + refs.length
                            + " saved (Chicory 1.7 raises a module's table minimum when an instance grows the"
                            + " table, so later instances of that parsed module start larger)",
                    "build the instance from a freshly parsed module");
        }
        if (table.size() < refs.length && table.grow(refs.length - table.size(), NULL, instance) < 0) {
            throw mismatch(
                    file,
                    "table " + t + " cannot grow to the " + refs.length + " saved entries (its maximum is "
                            + table.limits().max() + ")",
                    "build the instance from the module the snapshot was taken of");
        }
        for (int e = 0; e < refs.length; e++) {
            int ref = refs[e];
            if (ref != NULL && ref >= instance.functionCount()) {
                throw mismatch(
                        file,
                        "table " + t + " entry " + e + " refers to function " + ref + " but the instance has "
                                + instance.functionCount(),
                        "build the instance from the module the snapshot was taken of");
            }
            table.setRef(e, ref, ref == NULL ? null : instance);
        }
    }

    static HibernationException mismatch(Path file, String what, String remedy) {
        return new HibernationException(
                Reason.MISMATCH, file + ": cannot resume the hibernated instance: " + what + "; " + remedy);
    }

    @Override
    public String toString() {
        return "InstanceImage[globals=" + globals.size() + ", tables=" + tables.size() + ", droppedData="
                + Arrays.toString(droppedData) + ", droppedElements=" + Arrays.toString(droppedElements) + "]";
    }
}
