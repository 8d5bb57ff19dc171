package dev.tvm.chicory;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.tvm.chicory.Hibernation.Layout;
import dev.tvm.chicory.Hibernation.MemoryRecord;
import dev.tvm.chicory.memory.SegmentMemory;
import dev.tvm.core.GuestPages;
import dev.tvm.core.memory.ReservedBacking;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A hibernation snapshot opened for copy-on-write instantiation, Wizer-style: instantiate a module
 * once, run its initializer, hibernate it; then start any number of instances from the snapshot
 * with {@link TvmGuest.Builder#fromImage}. Each new instance's memories are the snapshot's pages
 * mapped copy-on-write from the file (nothing is copied: instances share the pages in the OS page
 * cache until they write them) and its globals, tables and dropped segments are put back; the
 * module's data segments are not applied again. (Chicory runs a module's start function on every
 * instantiation; what it stores into a memory is undone, page by page, and any effect it has
 * through imports stays.)
 *
 * <pre>{@code
 * try (TvmGuest first = TvmGuest.builder(module, dir).build()) {
 *     first.call("init");
 *     first.hibernate(imageFile, null);
 * }
 * try (GuestImage image = GuestImage.open(imageFile)) {
 *     TvmGuest guest = TvmGuest.builder(module, dir).withMachineFactory(compiled).fromImage(image);
 * }
 * }</pre>
 *
 * <h2>Pages</h2>
 *
 * A page the snapshot holds is mapped from the file and costs the directory's budget nothing
 * while the instance only reads it; the first store to it makes it the instance's own, resident
 * and counted like any other page (the OS copies it then), and it spills and faults back like any
 * other (see {@link GuestPages#mapImage}). So an idle instance's resident memory is at most the
 * pages it wrote. Where regions cannot map files (not Linux), the pages are copied in instead.
 *
 * <h2>Integrity</h2>
 *
 * {@link #open} checks the checksum of every section and every page before anything is mapped, in
 * one sequential read of the file. The file must not be modified while instances map it (pages an
 * instance has not written read whatever the file holds); {@link Hibernation} never modifies a
 * snapshot in place (it writes a new file and renames it), so hibernating again to the same path
 * is safe.
 *
 * <p>Closing the image closes its file descriptor; instances already made keep their mappings.
 * One image may serve instantiations on any number of threads.
 */
public final class GuestImage implements AutoCloseable {
    private final Hibernation.Snapshot snapshot;
    private final Layout layout;
    /** The memories the module defines, in order (the records of imported ones are elsewhere). */
    private final MemoryRecord[] defined;
    /** Open for mapping where regions can map files, else null. */
    private final ReservedBacking.ReadOnlyFile mapping;

    private volatile boolean closed;

    private GuestImage(Hibernation.Snapshot snapshot, ReservedBacking.ReadOnlyFile mapping) {
        this.snapshot = snapshot;
        this.layout = snapshot.layout();
        this.defined =
                Arrays.stream(layout.memories()).filter(r -> !r.imported()).toArray(MemoryRecord[]::new);
        this.mapping = mapping;
    }

    /**
     * Opens a snapshot {@link Hibernation} wrote, checking every section's and every page's
     * checksum.
     *
     * @throws HibernationException if it is no snapshot, of an unknown version, truncated, damaged
     *     or unreadable
     */
    public static GuestImage open(Path snapshotFile) {
        Hibernation.Snapshot snapshot = Hibernation.open(snapshotFile);
        verifyPages(snapshot.file(), snapshot.layout());
        ReservedBacking.ReadOnlyFile mapping =
                ReservedBacking.isSupported() ? ReservedBacking.ReadOnlyFile.open(snapshotFile) : null;
        return new GuestImage(snapshot, mapping);
    }

    /** Reads the page area once, front to back, checking each page against its CRC32C. */
    private static void verifyPages(Path file, Layout layout) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (MemoryRecord record : layout.memories()) {
                Hibernation.forEachCheckedPage(channel, record, file, (page, bytes, offset) -> {});
            }
        } catch (IOException e) {
            throw Hibernation.ioError(file, "read", e, "check that the file is readable");
        }
    }

    /** The snapshot: its module hash, location, WASI context. */
    public Hibernation.Snapshot snapshot() {
        return snapshot;
    }

    /** Bytes of memory the image holds (its pages that are not all zeros), over all memories. */
    public long storedBytes() {
        long bytes = 0;
        for (MemoryRecord record : layout.memories()) {
            bytes += (long) record.stored().length * Hibernation.PAGE;
        }
        return bytes;
    }

    /** Whether instances map the pages copy-on-write (Linux), rather than copying them in. */
    public boolean mapsPages() {
        return mapping != null;
    }

    /**
     * The limits of the {@code ordinal}-th memory the module defines: the module's, starting at
     * the saved size.
     */
    MemoryLimits limitsOf(int ordinal, MemoryLimits module) {
        Path file = snapshot.file();
        if (ordinal >= defined.length) {
            throw InstanceImage.mismatch(
                    file,
                    "the module defines more than the " + defined.length + " memories the snapshot holds",
                    "build it from the module the snapshot was taken of");
        }
        MemoryRecord record = defined[ordinal];
        if (module.initialPages() > record.pages()) {
            throw InstanceImage.mismatch(
                    file,
                    "memory " + record.index() + " starts with " + module.initialPages() + " pages, more than the "
                            + record.pages() + " saved",
                    "build the instance without raising its memory's initial size");
        }
        if (record.pages() > Math.min(module.maximumPages(), Memory.RUNTIME_MAX_PAGES)) {
            throw InstanceImage.mismatch(
                    file,
                    "memory " + record.index() + " cannot hold the " + record.pages() + " saved pages (its maximum is "
                            + module.maximumPages() + ")",
                    "allow the memory at least " + record.pages() + " pages (64 KiB each)");
        }
        return new MemoryLimits(record.pages(), module.maximumPages(), module.shared());
    }

    /**
     * Puts the saved pages of the {@code ordinal}-th defined memory into {@code memory}, a fresh
     * paged memory of the saved size: mapped run by run, or copied where it cannot map.
     */
    void populate(int ordinal, SegmentMemory memory) {
        if (closed) {
            throw new IllegalStateException("the image of " + snapshot.file() + " is closed");
        }
        MemoryRecord record = defined[ordinal];
        GuestPages pages = memory.paging();
        int[] stored = record.stored();
        if (mapping != null && pages.canMapImages()) {
            for (int k = 0; k < stored.length; ) {
                int run = 1;
                while (k + run < stored.length && stored[k + run] == stored[k] + run) {
                    run++;
                }
                pages.mapImage(
                        mapping,
                        record.offsetOf(k),
                        (long) stored[k] * Hibernation.PAGE,
                        (long) run * Hibernation.PAGE);
                k += run;
            }
            return;
        }
        try (FileChannel channel = FileChannel.open(snapshot.file(), StandardOpenOption.READ)) {
            Hibernation.readPages(channel, record, memory, 0, snapshot.file());
        } catch (IOException e) {
            throw Hibernation.ioError(snapshot.file(), "read", e, "check that the file is readable");
        }
    }

    /**
     * Builds an instance with {@code builder} (with {@code withStart(false)}), whose memory
     * factory is {@link RegionMemories#fromImage} of this image, and puts the rest of the
     * snapshot's state into it: imported memories' pages (copied), globals, tables, dropped
     * segments. The caller has checked the module and the WASI options.
     */
    Instance instantiate(Instance.Builder builder) {
        Path file = snapshot.file();
        Instance instance = builder.withStart(false).build();
        boolean ok = false;
        try {
            if (Hibernation.memoriesOf(instance) != layout.memories().length) {
                throw InstanceImage.mismatch(
                        file,
                        "the new instance has " + Hibernation.memoriesOf(instance) + " memories, the snapshot "
                                + layout.memories().length,
                        "build it from the module the snapshot was taken of");
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                for (MemoryRecord record : layout.memories()) {
                    if (record.imported()) {
                        int initial = instance.memory(record.index()).pages();
                        Hibernation.fitMemory(instance, record, file);
                        Hibernation.readPages(channel, record, instance.memory(record.index()), initial, file);
                    } else {
                        Hibernation.fitMemory(instance, record, file); // the flags agree; the size is the saved one
                        if (instance.module().startSection().isPresent()) {
                            undoStart(channel, record, (SegmentMemory) instance.memory(record.index()));
                        }
                    }
                }
            } catch (IOException e) {
                throw Hibernation.ioError(file, "read", e, "check that the file is readable");
            }
            layout.image().restore(instance, file);
            ok = true;
            return instance;
        } finally {
            if (!ok) {
                Hibernation.closeDefinedMemories(instance);
            }
        }
    }

    /**
     * Puts the image back into the pages of a defined memory that the module's start function
     * wrote: Chicory runs it on every instantiation, after the memory was made from the image.
     */
    private void undoStart(FileChannel channel, MemoryRecord record, SegmentMemory memory) throws IOException {
        GuestPages pages = memory.paging();
        if (mapping == null || !pages.canMapImages()) {
            Hibernation.readPages(channel, record, memory, record.pages(), snapshot.file()); // all of it again
            return;
        }
        byte[] rights = pages.accessTable();
        for (int p = 0; p < record.pages(); p++) {
            if (rights[p] != GuestPages.WRITE) {
                continue; // not stored to (loads of image pages never fault)
            }
            long at = (long) p * Hibernation.PAGE;
            pages.discard(at, Hibernation.PAGE);
            int k = Arrays.binarySearch(record.stored(), p);
            if (k >= 0) {
                pages.mapImage(mapping, record.offsetOf(k), at, Hibernation.PAGE);
            }
        }
    }

    /** Closes the file descriptor; instances made from the image keep working. Idempotent. */
    @Override
    public void close() {
        closed = true;
        if (mapping != null) {
            mapping.close();
        }
    }

    @Override
    public String toString() {
        return "GuestImage[" + snapshot.file() + ", " + storedBytes() + " bytes]";
    }
}
