package dev.tvm.core.spill;

import dev.tvm.core.TvmException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Coalesces single-page spills into few large writes. An evictor {@linkplain #submit submits} cold
 * pages one at a time, wherever they are in memory and without choosing slots; {@link #flush()}
 * then allocates <em>one</em> contiguous run of slots for the whole batch and writes every page
 * with one gathering write ({@code FileChannel.write(ByteBuffer[])} at the run's offset, i.e. one
 * {@code writev}): N pages cost one allocation, one lock acquisition and about one system call
 * instead of N (the JDK passes at most {@code IOV_MAX} buffers to one {@code writev}, 1,024 on
 * Linux, so a larger batch takes {@code ceil(N / 1024)} calls; a short write is continued). Page
 * {@code i} of the batch lands in slot
 * {@code run.slot(i)}, so pages submitted together also read back together with one {@link
 * SpillFile#readRun} if they are faulted in together.
 *
 * <p>The queue keeps references to the submitted segments, not copies: they must stay alive and
 * unchanged until {@link #flush()} returns, and be accessible from the flushing thread (a segment
 * of a confined arena can only be flushed by its owner). If the flush fails ({@code SPILL_IO_ERROR}) no slot
 * stays allocated and the pages stay queued, so the caller can retry or {@link #clear()} and keep
 * the pages resident.
 *
 * <p>Thread-safe (its methods are synchronized). The queue sets no batch size: a flush writes
 * whatever was submitted since the last one, one page or many. A directory's pages are written by
 * its pager ({@code dev.tvm.core.Pager}) with {@link SpillFile#writePages}, in batches of at most
 * {@code Pager.WRITE_BATCH_PAGES} pages (32, i.e. 2 MiB of 64 KiB pages).
 */
public final class SpillQueue {
    private final SpillFile file;
    private final List<MemorySegment> pending = new ArrayList<>();

    SpillQueue(SpillFile file) {
        this.file = file;
    }

    /**
     * Queues one page ({@code pageSize} bytes, on or off heap) and returns its index in the batch,
     * which is its page index in the {@link SpillRun} that {@link #flush()} returns.
     */
    public synchronized int submit(MemorySegment page) {
        if (page.byteSize() != file.pageSize()) {
            throw new TvmException.InvalidArgumentException(
                    "a queued page must be " + file.pageSize() + " bytes, was " + page.byteSize());
        }
        pending.add(page);
        return pending.size() - 1;
    }

    /** Pages queued and not yet flushed. */
    public synchronized int pending() {
        return pending.size();
    }

    /**
     * Writes every queued page into one newly allocated run and empties the queue.
     *
     * @return where each page went and its CRC32C; an empty run if nothing was queued
     * @throws TvmException.SpillException {@code SPILL_IO_ERROR}; the pages stay queued and no slot
     *     stays allocated
     */
    public synchronized SpillRun flush() {
        if (pending.isEmpty()) {
            return SpillRun.EMPTY;
        }
        SpillRun run = file.writeBatch(pending.toArray(MemorySegment[]::new));
        pending.clear();
        return run;
    }

    /** Drops the queued pages without writing them. */
    public synchronized void clear() {
        pending.clear();
    }
}
