package dev.tvm.guest;

import static dev.tvm.guest.wasm.ValType.F32;
import static dev.tvm.guest.wasm.ValType.F64;
import static dev.tvm.guest.wasm.ValType.I32;
import static dev.tvm.guest.wasm.ValType.I64;
import static dev.tvm.guest.wasm.WasmBinary.PAGE_BYTES;
import static dev.tvm.guest.wasm.WasmBinary.PAGE_SHIFT;

import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import dev.tvm.guest.wasm.Code;
import dev.tvm.guest.wasm.FuncType;
import dev.tvm.guest.wasm.ModuleBuilder;
import dev.tvm.guest.wasm.ValType;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Generates a self-contained guest-side TVM shell: a WebAssembly module with N pool memories
 * ({@code pool0} .. {@code pool<N-1>}, memory indices 0..N-1), one metadata memory ({@code meta},
 * index N), a stand-in for the guest's default memory ({@code memory}, index N + 1), no imports, and functions implementing regions and generation-checked handles with
 * tvm-core's semantics. Exports, metadata layout and limits are in {@code docs/guest-shell.md}.
 *
 * <pre>{@code
 * byte[] wasm = ShellGenerator.builder().withPools(4).withMaximumPages(16384).build().generate();
 * }</pre>
 *
 * <p>Handles use {@link HandleCodec}'s layout unchanged ({@code region id 16 | region gen 12 | slot
 * 24 | slot gen 12}), every shift and mask taken from its constants; region generations are always 1
 * because the shell has no region destroy yet.
 */
public final class ShellGenerator {
    /** Most pools a shell may have. */
    public static final int MAX_POOLS = 256;
    /** Pages per pool memory at most (4 GiB). */
    public static final int MAX_PAGES = 65536;

    /** Allocator code of a bump region for {@code region_create}, as in the raw ABI's flags. */
    public static final int BUMP = 1;

    /** Allocator code of a free-list region (first fit, coalescing) for {@code region_create}. */
    public static final int FREE_LIST = 2;

    // Metadata memory layout (all little-endian).
    static final int H_MAGIC = 0; // i32 'TVMS'
    static final int H_POOLS = 4;
    static final int H_MAX_REGIONS = 8;
    static final int H_SLOTS = 12;
    static final int H_REGION_COUNT = 16;
    static final int H_FAILURES = 24; // i64
    static final int POOL_TOP = 64; // i64 per pool
    /** Bytes of a pool's bump pointer at POOL_TOP (an i64). */
    static final int POOL_TOP_BYTES = 8;

    static final int REG_BASE = 4096; // 64 bytes per region id, id 0 unused
    static final int R_GEN = 0;
    static final int R_POOL = 4;
    static final int R_ALLOC = 8;
    static final int R_SLOT_COUNT = 12;
    static final int R_BASE = 16;
    static final int R_CAPACITY = 20;
    static final int R_TOP = 24;
    static final int R_FREE_SLOT = 28;
    static final int R_FREE_BLOCK = 32;
    static final int R_LIVE_ALLOCS = 40;
    static final int R_LIVE_BYTES = 48;
    static final int R_ALLOCS = 56;
    static final int S_OFF = 0;
    static final int S_SIZE = 4;
    static final int S_BLOCK = 8;
    static final int S_GEN = 12;
    /** Flag in a slot record's S_GEN word: the slot holds a live allocation; the bits below it are the generation. */
    static final int LIVE = 0x10000;
    /** Mask of the generation in a slot record's S_GEN word. */
    static final int SLOT_GEN_MASK = LIVE - 1;
    /** Bytes of a region record in the meta memory. */
    static final int REGION_RECORD_BYTES = 64;
    /** Bytes of a slot record in the meta memory. */
    static final int SLOT_RECORD_BYTES = 16;
    /** The generation of every region: the shell never destroys a region, so never reissues an id. */
    static final int REGION_GEN = 1;
    /** Alignment of region capacities and of allocations. */
    static final int ALLOC_ALIGN = 8;
    /**
     * A free block (FREE_LIST regions, in the pool) is {@code [size i32, next i32]}; {@code next} is
     * the next block's offset + 1, 0 at the end of the list.
     */
    static final int FB_NEXT = 4;
    /** A fitting free block is split only if the rest is at least this big; else it is handed out whole. */
    static final int MIN_SPLIT = 16;
    /** The generation of a slot used for the first time. */
    static final int FIRST_SLOT_GEN = 1;
    /** The header's magic, "TVMS" little-endian. */
    static final int MAGIC = 0x534d5654;

    static final int SCRATCH_SIZE = 65536;

    /**
     * Export name of the shell's stand-in for the guest's default memory (memory index N + 1); the
     * linker replaces that memory by the guest's memory 0.
     */
    public static final String GUEST_MEMORY_EXPORT = "memory";

    static final int GUEST_MEMORY_PAGES = 1;

    private final int pools;
    private final int initialPages;
    private final int maximumPages;
    private final int maxRegions;
    private final int slotsPerRegion;

    private ShellGenerator(Builder b) {
        this.pools = b.pools;
        this.initialPages = b.initialPages;
        this.maximumPages = b.maximumPages;
        this.maxRegions = b.maxRegions;
        this.slotsPerRegion = b.slotsPerRegion;
    }

    /** A builder with the defaults: 1 pool, 1 initial and 16384 maximum pages, 64 regions, 4096 slots. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options for a shell. */
    public static final class Builder {
        private int pools = 1;
        private int initialPages = 1;
        private int maximumPages = 16384;
        private int maxRegions = 64;
        private int slotsPerRegion = 4096;

        private Builder() {}

        /** Number of pool memories, 1..256. */
        public Builder withPools(int n) {
            this.pools = inRange("pools", n, 1, MAX_POOLS);
            return this;
        }

        /** Initial pages of every pool (64 KiB each). */
        public Builder withInitialPages(int pages) {
            this.initialPages = inRange("initial pages", pages, 0, MAX_PAGES);
            return this;
        }

        /** Maximum pages of every pool; Chicory accepts at most 32767 per memory. */
        public Builder withMaximumPages(int pages) {
            this.maximumPages = inRange("maximum pages", pages, 1, MAX_PAGES);
            return this;
        }

        /** How many regions the shell can create (region ids 1..n), at most 65535. */
        public Builder withMaxRegions(int n) {
            this.maxRegions = inRange("max regions", n, 1, HandleCodec.MAX_REGION_ID);
            return this;
        }

        /** Handle-table slots per region. */
        public Builder withSlotsPerRegion(int n) {
            this.slotsPerRegion = inRange("slots per region", n, 1, 1 << 20);
            return this;
        }

        private static int inRange(String what, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(what + " must be " + min + ".." + max + ": " + value);
            }
            return value;
        }

        /** The generator; {@link IllegalArgumentException} if the options do not fit together. */
        public ShellGenerator build() {
            if (initialPages > maximumPages) {
                throw new IllegalArgumentException(
                        "initial pages " + initialPages + " exceed maximum pages " + maximumPages);
            }
            long metaBytes = metaBytes(maxRegions, slotsPerRegion);
            if (metaBytes > (1L << 31)) {
                throw new IllegalArgumentException("metadata would need " + metaBytes + " bytes (over 2 GiB)");
            }
            return new ShellGenerator(this);
        }
    }

    static long slotBase(int maxRegions) {
        return (REG_BASE + (maxRegions + 1L) * REGION_RECORD_BYTES + 15) & ~15L;
    }

    static long scratchBase(int maxRegions, int slots) {
        return (slotBase(maxRegions) + (long) maxRegions * slots * SLOT_RECORD_BYTES + PAGE_BYTES - 1) & -PAGE_BYTES;
    }

    static long metaBytes(int maxRegions, int slots) {
        return scratchBase(maxRegions, slots) + SCRATCH_SIZE;
    }

    /** The number of pool memories. */
    public int pools() {
        return pools;
    }

    /** The metadata memory's size in pages. */
    public int metaPages() {
        return (int) ((metaBytes(maxRegions, slotsPerRegion) + PAGE_BYTES - 1) >>> PAGE_SHIFT);
    }

    // ------------------------------------------------------------------ generation

    private ModuleBuilder m;
    private int meta;
    private int guestMemory;
    private int fPoolFromGuest;
    private int fPoolToGuest;
    private int fWindowClose;
    private int[] gWinBase;
    private int[] gWinEnd;
    private int gLastError;
    private int gPool;
    private int fFail;
    private int fCheck;
    private int fCheckTrap;
    private int fPoolLoadI32;
    private int fPoolStoreI32;
    private int fPoolFill;
    private int fPoolCopySame;
    private int fPoolToMeta;
    private int fPoolFromMeta;
    private int fPoolSize;
    private int fPoolGrow;
    private final int[] fPoolLoad = new int[4];
    private final int[] fPoolStore = new int[4];
    private static final ValType[] NUM = {I32, I64, F32, F64};
    private static final String[] NUM_NAMES = {"i32", "i64", "f32", "f64"};
    private static final int[] NUM_BYTES = {4, 8, 4, 8};

    /** The shell's bytes. */
    public synchronized byte[] generate() {
        m = new ModuleBuilder();
        for (int p = 0; p < pools; p++) {
            m.memory(initialPages, maximumPages);
            m.exportMemory("pool" + p, p);
        }
        meta = m.memory(metaPages(), metaPages());
        m.exportMemory("meta", meta);
        // The guest's default memory. Standalone, a host stages bytes here for copy_in/copy_out;
        // the linker replaces it by the linked guest's memory 0 (it finds it by this export name).
        guestMemory = m.memory(GUEST_MEMORY_PAGES, -1);
        m.exportMemory(GUEST_MEMORY_EXPORT, guestMemory);
        gLastError = m.global(I32, true, 0);
        gPool = m.global(I32, true, 0);
        // one window per pool: [base, end) of pool addresses that wload/wstore_p<k> may touch
        gWinBase = new int[pools];
        gWinEnd = new int[pools];
        for (int p = 0; p < pools; p++) {
            gWinBase[p] = m.global(I32, true, 0);
            gWinEnd[p] = m.global(I32, true, 0);
        }

        // Internal helpers, declared first so anything may call them.
        fFail = m.function(FuncType.of(I64, I32), "fail");
        fCheck = m.function(FuncType.of(I64, I64, I64, I64), "check");
        fCheckTrap = m.function(FuncType.of(I32, I64, I64, I64), "check_or_trap");
        for (int t = 0; t < 4; t++) {
            fPoolLoad[t] = m.function(FuncType.of(NUM[t], I32, I32), "pool_load_" + NUM_NAMES[t]);
            fPoolStore[t] = m.function(FuncType.of(null, I32, I32, NUM[t]), "pool_store_" + NUM_NAMES[t]);
        }
        fPoolLoadI32 = fPoolLoad[0];
        fPoolStoreI32 = fPoolStore[0];
        fPoolFill = m.function(FuncType.of(null, I32, I32, I32, I32), "pool_fill");
        fPoolCopySame = m.function(FuncType.of(null, I32, I32, I32, I32), "pool_copy_same");
        fPoolToMeta = m.function(FuncType.of(null, I32, I32, I32, I32), "pool_to_meta");
        fPoolFromMeta = m.function(FuncType.of(null, I32, I32, I32, I32), "pool_from_meta");
        fPoolSize = m.function(FuncType.of(I32, I32), "pool_size");
        fPoolGrow = m.function(FuncType.of(I32, I32, I32), "pool_grow");
        fPoolFromGuest = m.function(FuncType.of(null, I32, I32, I32, I32), "pool_from_guest");
        fPoolToGuest = m.function(FuncType.of(null, I32, I32, I32, I32), "pool_to_guest");
        fWindowClose = m.function(FuncType.of(null, I32, I32, I32), "window_close_if_overlapping");

        genFail();
        genCheck();
        genCheckTrap();
        genPoolHelpers();

        export("region_create", FuncType.of(I32, I32, I32, I32), this::genRegionCreate);
        export("alloc", FuncType.of(I64, I32, I64), this::genAlloc);
        export("free", FuncType.of(I32, I64), this::genFree);
        export("size_of", FuncType.of(I64, I64), this::genSizeOf);
        export("resolve", FuncType.of(I64, I64, I64, I64), c -> {
            c.localGet(0).localGet(1).localGet(2).call(fCheck);
        });
        export("resolved_pool", FuncType.of(I32), c -> c.globalGet(gPool));
        for (int t = 0; t < 4; t++) {
            int tt = t;
            export("load_" + NUM_NAMES[t], FuncType.of(NUM[t], I64, I64), c -> {
                int addr = c.local(I32);
                c.localGet(0)
                        .localGet(1)
                        .i64Const(NUM_BYTES[tt])
                        .call(fCheckTrap)
                        .localSet(addr);
                int pool = c.local(I32);
                c.globalGet(gPool).localSet(pool);
                c.localGet(pool).localGet(addr).call(fPoolLoad[tt]);
            });
            export("store_" + NUM_NAMES[t], FuncType.of(null, I64, I64, NUM[t]), c -> {
                int addr = c.local(I32);
                c.localGet(0)
                        .localGet(1)
                        .i64Const(NUM_BYTES[tt])
                        .call(fCheckTrap)
                        .localSet(addr);
                c.globalGet(gPool).localGet(addr).localGet(2).call(fPoolStore[tt]);
            });
        }
        // Per-pool specialised i32/i64 loads and stores: a static memory index, no dispatch.
        for (int p = 0; p < pools; p++) {
            int pool = p;
            for (int t = 0; t < 2; t++) {
                int tt = t;
                export("load_" + NUM_NAMES[t] + "_p" + p, FuncType.of(NUM[t], I64, I64), c -> {
                    int addr = c.local(I32);
                    c.localGet(0)
                            .localGet(1)
                            .i64Const(NUM_BYTES[tt])
                            .call(fCheckTrap)
                            .localSet(addr);
                    trapUnlessPool(c, pool);
                    c.localGet(addr);
                    if (tt == 0) {
                        c.i32Load(pool, 0);
                    } else {
                        c.i64Load(pool, 0);
                    }
                });
                export("store_" + NUM_NAMES[t] + "_p" + p, FuncType.of(null, I64, I64, NUM[t]), c -> {
                    int addr = c.local(I32);
                    c.localGet(0)
                            .localGet(1)
                            .i64Const(NUM_BYTES[tt])
                            .call(fCheckTrap)
                            .localSet(addr);
                    trapUnlessPool(c, pool);
                    c.localGet(addr).localGet(2);
                    if (tt == 0) {
                        c.i32Store(pool, 0);
                    } else {
                        c.i64Store(pool, 0);
                    }
                });
            }
        }
        export("window", FuncType.of(I64, I64, I64, I64), this::genWindow);
        for (int p = 0; p < pools; p++) {
            genWindowAccessors(p);
        }
        export("copy", FuncType.of(I32, I64, I64, I64, I64, I64), this::genCopy);
        export("fill", FuncType.of(I32, I64, I64, I64, I32), this::genFill);
        export("copy_in", FuncType.of(I32, I64, I64, I32, I64), c -> genGuestCopy(c, true));
        export("copy_out", FuncType.of(I32, I32, I64, I64, I64), c -> genGuestCopy(c, false));
        export("last_error", FuncType.of(I32), c -> c.globalGet(gLastError));
        export("region_stat", FuncType.of(I64, I32, I32), this::genRegionStat);
        export("metrics", FuncType.of(I64, I32), this::genMetrics);
        export("pool_count", FuncType.of(I32), c -> c.i32Const(pools));

        // Header, so a host can read the configuration from the meta memory.
        byte[] header = new byte[16];
        putInt(header, H_MAGIC, MAGIC);
        putInt(header, H_POOLS, pools);
        putInt(header, H_MAX_REGIONS, maxRegions);
        putInt(header, H_SLOTS, slotsPerRegion);
        m.data(meta, 0, header);
        byte[] out = m.build();
        m = null;
        return out;
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private interface Body {
        void emit(Code c);
    }

    private void export(String name, FuncType type, Body body) {
        int f = m.function(type, name);
        Code c = new Code(type.params().size());
        body.emit(c);
        m.body(f, c);
        m.exportFunction(name, f);
    }

    private void trapUnlessPool(Code c, int pool) {
        c.globalGet(gPool).i32Const(pool).i32Ne().if_();
        c.i32Const(ErrorCode.INVALID_ARGUMENT.code()).call(fFail).drop().unreachable();
        c.end();
    }

    /** Emits {@code i32.const code; call fail; return} for a function whose result is i64. */
    private void failI64(Code c, ErrorCode code) {
        c.i32Const(code.code()).call(fFail).return_();
    }

    /** Same for an i32 status result. */
    private void failI32(Code c, ErrorCode code) {
        c.i32Const(code.code()).call(fFail).i32WrapI64().return_();
    }

    /** fail(code) -> i64: records the code as last error, counts it, returns it sign-extended. */
    private void genFail() {
        Code c = new Code(1);
        c.localGet(0).globalSet(gLastError);
        c.i32Const(H_FAILURES)
                .i32Const(H_FAILURES)
                .i64Load(meta, 0)
                .i64Const(1)
                .i64Add()
                .i64Store(meta, 0);
        c.localGet(0).i64ExtendI32S();
        m.body(fFail, c);
    }

    private int slotTableBase() {
        return (int) slotBase(maxRegions);
    }

    /**
     * check(handle, offset, len) -> i64: the pool address of {@code offset} in the allocation, with
     * {@code gPool} set to its pool, or a negative error code.
     */
    private void genCheck() {
        Code c = new Code(3);
        int rid = c.local(I32);
        int rec = c.local(I32);
        int slot = c.local(I32);
        int srec = c.local(I32);
        int sg = c.local(I32);
        int hg = c.local(I32);
        int size = c.local(I64);
        regionIdOf(c, 0).localTee(rid).i32Eqz();
        c.if_();
        failI64(c, ErrorCode.FORGED_HANDLE);
        c.end();
        c.localGet(rid).i32Const(maxRegions).i32GtU().if_();
        failI64(c, ErrorCode.NO_SUCH_REGION);
        c.end();
        toRegionRecord(c.localGet(rid)).localSet(rec);
        c.localGet(rec).i32Load(meta, R_GEN).i32Eqz().if_();
        failI64(c, ErrorCode.NO_SUCH_REGION);
        c.end();
        c.localGet(rec).i32Load(meta, R_GEN);
        regionGenOf(c, 0);
        c.i32Ne().if_();
        failI64(c, ErrorCode.STALE_REGION);
        c.end();
        slotOf(c, 0).localTee(slot);
        c.localGet(rec).i32Load(meta, R_SLOT_COUNT).i32GeU().if_();
        failI64(c, ErrorCode.FORGED_HANDLE);
        c.end();
        slotGenOf(c, 0).localTee(hg).i32Eqz().if_();
        failI64(c, ErrorCode.FORGED_HANDLE);
        c.end();
        slotRecord(c, rid, slot);
        c.localSet(srec);
        c.localGet(srec)
                .i32Load(meta, S_GEN)
                .localTee(sg)
                .i32Const(LIVE)
                .i32And()
                .i32Eqz();
        c.localGet(sg).i32Const(SLOT_GEN_MASK).i32And().localGet(hg).i32Ne();
        c.i32Or().if_();
        failI64(c, ErrorCode.STALE_HANDLE);
        c.end();
        c.localGet(srec).i64Load32U(meta, S_SIZE).localSet(size);
        c.localGet(1).localGet(size).i64GtU();
        c.localGet(2).localGet(size).localGet(1).i64Sub().i64GtU();
        c.i32Or().if_();
        failI64(c, ErrorCode.OUT_OF_BOUNDS);
        c.end();
        c.localGet(rec).i32Load(meta, R_POOL).globalSet(gPool);
        c.localGet(rec).i64Load32U(meta, R_BASE);
        c.localGet(srec).i64Load32U(meta, S_OFF).i64Add();
        c.localGet(1).i64Add();
        m.body(fCheck, c);
    }

    /**
     * With {@code handle, offset, len} on the stack: {@code into = check(...)}, and a negative
     * {@code into} (an error code) is returned at once, as the function's i64 result or i32 status.
     */
    private void checkOrReturn(Code c, int into, boolean i64Result) {
        c.call(fCheck).localTee(into).i64Const(0).i64LtS().if_();
        c.localGet(into);
        if (!i64Result) {
            c.i32WrapI64();
        }
        c.return_();
        c.end();
    }

    /** Pushes the meta address of slot {@code slot} of region {@code rid} (both i32 locals). */
    private void slotRecord(Code c, int rid, int slot) {
        c.localGet(rid)
                .i32Const(1)
                .i32Sub()
                .i32Const(slotsPerRegion * SLOT_RECORD_BYTES)
                .i32Mul();
        c.localGet(slot).i32Const(SLOT_RECORD_BYTES).i32Mul().i32Add();
        c.i32Const(slotTableBase()).i32Add();
    }

    /** checkTrap(handle, offset, len) -> i32 address; traps (unreachable) on any error. */
    private void genCheckTrap() {
        Code c = new Code(3);
        int r = c.local(I64);
        c.localGet(0).localGet(1).localGet(2).call(fCheck).localTee(r);
        c.i64Const(0).i64LtS().if_().unreachable().end();
        c.localGet(r).i32WrapI64();
        m.body(fCheckTrap, c);
    }

    /**
     * Emits a br_table dispatch on the i32 local {@code pool}: case k runs {@code body(k)} then
     * returns; an unknown pool traps. Only used as the whole body of a helper.
     */
    private void dispatch(Code c, int pool, IntConsumer body) {
        cases(c, pool, k -> {
            body.accept(k);
            c.return_();
        });
    }

    /**
     * As {@link #dispatch}, but usable inside a body: case k runs {@code body(k)} and then leaves
     * the dispatch (no return); an unknown pool traps.
     */
    private void dispatchValue(Code c, int pool, IntConsumer body) {
        c.block(); // exit
        cases(c, pool, k -> {
            body.accept(k);
            c.br(pools - k); // past the remaining case blocks and the default one
        });
        c.end();
    }

    /**
     * The br_table skeleton: {@code block (default) block^N  br_table 0..N-1 N}, then per case k
     * {@code end; caseEnd(k)}, then the default's {@code end; unreachable}. {@code caseEnd} must
     * leave the case (return or branch).
     */
    private void cases(Code c, int pool, IntConsumer caseEnd) {
        c.block(); // default
        for (int k = 0; k < pools; k++) {
            c.block();
        }
        int[] targets = new int[pools];
        for (int k = 0; k < pools; k++) {
            targets[k] = k;
        }
        c.localGet(pool).brTable(targets, pools);
        for (int k = 0; k < pools; k++) {
            c.end();
            caseEnd.accept(k);
        }
        c.end();
        c.unreachable();
    }

    private void genPoolHelpers() {
        for (int t = 0; t < 4; t++) {
            int tt = t;
            Code c = new Code(2);
            dispatch(c, 0, k -> {
                c.localGet(1);
                switch (tt) {
                    case 0 -> c.i32Load(k, 0);
                    case 1 -> c.i64Load(k, 0);
                    case 2 -> c.f32Load(k, 0);
                    default -> c.f64Load(k, 0);
                }
            });
            m.body(fPoolLoad[t], c);
            Code s = new Code(3);
            dispatch(s, 0, k -> {
                s.localGet(1).localGet(2);
                switch (tt) {
                    case 0 -> s.i32Store(k, 0);
                    case 1 -> s.i64Store(k, 0);
                    case 2 -> s.f32Store(k, 0);
                    default -> s.f64Store(k, 0);
                }
            });
            m.body(fPoolStore[t], s);
        }
        Code fill = new Code(4); // pool, addr, value, len
        dispatch(fill, 0, k -> fill.localGet(1).localGet(2).localGet(3).memoryFill(k));
        m.body(fPoolFill, fill);
        Code same = new Code(4); // pool, dst, src, len
        dispatch(same, 0, k -> same.localGet(1).localGet(2).localGet(3).memoryCopy(k, k));
        m.body(fPoolCopySame, same);
        Code toMeta = new Code(4); // pool, metaDst, src, len
        dispatch(toMeta, 0, k -> toMeta.localGet(1).localGet(2).localGet(3).memoryCopy(meta, k));
        m.body(fPoolToMeta, toMeta);
        Code fromMeta = new Code(4); // pool, dst, metaSrc, len
        dispatch(fromMeta, 0, k -> fromMeta.localGet(1).localGet(2).localGet(3).memoryCopy(k, meta));
        m.body(fPoolFromMeta, fromMeta);
        Code size = new Code(1);
        dispatch(size, 0, k -> size.memorySize(k));
        m.body(fPoolSize, size);
        Code grow = new Code(2);
        dispatch(grow, 0, k -> grow.localGet(1).memoryGrow(k));
        m.body(fPoolGrow, grow);
        Code fromGuest = new Code(4); // pool, dst, guestSrc, len
        dispatch(
                fromGuest, 0, k -> fromGuest.localGet(1).localGet(2).localGet(3).memoryCopy(k, guestMemory));
        m.body(fPoolFromGuest, fromGuest);
        Code close = new Code(3); // pool, start, end: close the pool's window if [start, end) overlaps it
        dispatch(close, 0, k -> {
            close.localGet(1).globalGet(gWinEnd[k]).i32LtU();
            close.localGet(2).globalGet(gWinBase[k]).i32GtU();
            close.i32And().if_();
            close.i32Const(0).globalSet(gWinBase[k]).i32Const(0).globalSet(gWinEnd[k]);
            close.end();
        });
        m.body(fWindowClose, close);
        Code toGuest = new Code(4); // pool, guestDst, src, len
        dispatch(toGuest, 0, k -> toGuest.localGet(1).localGet(2).localGet(3).memoryCopy(guestMemory, k));
        m.body(fPoolToGuest, toGuest);
    }

    /** region_create(pool, allocator, capacity) -> region reference or negative error. */
    private void genRegionCreate(Code c) {
        int id = c.local(I32);
        int rec = c.local(I32);
        int cap = c.local(I64);
        int top = c.local(I64);
        int end = c.local(I64);
        int have = c.local(I32);
        c.localGet(0).i32Const(pools).i32GeU();
        c.localGet(1)
                .i32Const(BUMP)
                .i32Ne()
                .localGet(1)
                .i32Const(FREE_LIST)
                .i32Ne()
                .i32And();
        c.i32Or();
        c.localGet(2).i32Eqz().i32Or().if_();
        failI32(c, ErrorCode.INVALID_ARGUMENT);
        c.end();
        c.i32Const(H_REGION_COUNT).i32Load(meta, 0).i32Const(1).i32Add().localTee(id);
        c.i32Const(maxRegions).i32GtU().if_();
        failI32(c, ErrorCode.TOO_MANY_REGIONS);
        c.end();
        c.localGet(2)
                .i64ExtendI32U()
                .i64Const(ALLOC_ALIGN - 1)
                .i64Add()
                .i64Const(-ALLOC_ALIGN)
                .i64And()
                .localSet(cap);
        c.localGet(0)
                .i32Const(POOL_TOP_BYTES)
                .i32Mul()
                .i32Const(POOL_TOP)
                .i32Add()
                .i64Load(meta, 0)
                .localTee(top);
        c.localGet(cap).i64Add().localTee(end);
        c.i64Const((long) maximumPages << PAGE_SHIFT)
                .i64GtU()
                .localGet(end)
                .i64Const(0xffff_ffffL) // a pool address is an i32
                .i64GtU()
                .i32Or();
        c.if_();
        failI32(c, ErrorCode.NO_MEMORY);
        c.end();
        // grow the pool if the region reaches past its current size
        c.localGet(0).call(fPoolSize).localSet(have);
        c.localGet(end)
                .i64Const(PAGE_BYTES - 1)
                .i64Add()
                .i64Const(PAGE_SHIFT)
                .i64ShrU()
                .i32WrapI64();
        c.localGet(have).i32GtU().if_();
        c.localGet(0)
                .localGet(end)
                .i64Const(PAGE_BYTES - 1)
                .i64Add()
                .i64Const(PAGE_SHIFT)
                .i64ShrU()
                .i32WrapI64()
                .localGet(have)
                .i32Sub()
                .call(fPoolGrow);
        c.i32Const(-1).i32Eq().if_();
        failI32(c, ErrorCode.NO_MEMORY);
        c.end();
        c.end();
        c.localGet(0)
                .i32Const(POOL_TOP_BYTES)
                .i32Mul()
                .i32Const(POOL_TOP)
                .i32Add()
                .localGet(end)
                .i64Store(meta, 0);
        c.i32Const(H_REGION_COUNT).localGet(id).i32Store(meta, 0);
        toRegionRecord(c.localGet(id)).localSet(rec);
        c.localGet(rec).i32Const(REGION_GEN).i32Store(meta, R_GEN);
        c.localGet(rec).localGet(0).i32Store(meta, R_POOL);
        c.localGet(rec).localGet(1).i32Store(meta, R_ALLOC);
        c.localGet(rec).localGet(top).i32WrapI64().i32Store(meta, R_BASE);
        c.localGet(rec).localGet(cap).i32WrapI64().i32Store(meta, R_CAPACITY);
        // the region reference: HandleCodec.regionRef(id, REGION_GEN)
        c.localGet(id)
                .i32Const(HandleCodec.REF_REGION_ID_SHIFT)
                .i32Shl()
                .i32Const(REGION_GEN)
                .i32Or();
    }

    /**
     * Sets local {@code rec} to the record address of the region named by the region reference in
     * local {@code ref} (its id in local {@code id}, which may be {@code rec}), or emits {@code
     * fail} for an id out of range, a region never created or a stale generation.
     */
    private void regionRecord(Code c, int ref, int id, int rec, Consumer<ErrorCode> fail) {
        // id 1..max, gen must match
        c.localGet(ref)
                .i32Const(HandleCodec.REF_REGION_ID_SHIFT)
                .i32ShrU()
                .localTee(id)
                .i32Eqz();
        c.localGet(id).i32Const(maxRegions).i32GtU().i32Or().if_();
        fail.accept(ErrorCode.NO_SUCH_REGION);
        c.end();
        toRegionRecord(c.localGet(id)).localTee(rec);
        c.i32Load(meta, R_GEN).i32Eqz().if_();
        fail.accept(ErrorCode.NO_SUCH_REGION);
        c.end();
        c.localGet(rec)
                .i32Load(meta, R_GEN)
                .localGet(ref)
                .i32Const(HandleCodec.MAX_REGION_GEN)
                .i32And()
                .i32Ne()
                .if_();
        fail.accept(ErrorCode.STALE_REGION);
        c.end();
    }

    /** Pushes the region id of the handle in i64 local {@code handle} (its top bits: no mask). */
    private static Code regionIdOf(Code c, int handle) {
        return c.localGet(handle)
                .i64Const(HandleCodec.REGION_ID_SHIFT)
                .i64ShrU()
                .i32WrapI64();
    }

    /** Pushes the region generation of the handle in i64 local {@code handle}. */
    private static Code regionGenOf(Code c, int handle) {
        return handleField(c, handle, HandleCodec.REGION_REF_SHIFT, HandleCodec.MAX_REGION_GEN);
    }

    /** Pushes the slot index of the handle in i64 local {@code handle}. */
    private static Code slotOf(Code c, int handle) {
        return handleField(c, handle, HandleCodec.SLOT_SHIFT, HandleCodec.MAX_SLOT);
    }

    /** Pushes {@code (handle >>> shift) & max} as an i32, for a field below the top one. */
    private static Code handleField(Code c, int handle, int shift, int max) {
        return c.localGet(handle)
                .i64Const(shift)
                .i64ShrU()
                .i32WrapI64()
                .i32Const(max)
                .i32And();
    }

    /** Pushes the slot generation of the handle in i64 local {@code handle} (the bottom field: no shift). */
    private static Code slotGenOf(Code c, int handle) {
        return c.localGet(handle)
                .i32WrapI64()
                .i32Const(HandleCodec.MAX_SLOT_GEN)
                .i32And();
    }

    /** Turns the region id on the stack into the meta address of its region record. */
    private static Code toRegionRecord(Code c) {
        return c.i32Const(REGION_RECORD_BYTES).i32Mul().i32Const(REG_BASE).i32Add();
    }

    /**
     * alloc(region, size) -> handle or 0. First fit over the region's free blocks (FREE_LIST regions,
     * address-ordered and coalesced on free), else bump.
     */
    private void genAlloc(Code c) {
        int rec = c.local(I32);
        int need = c.local(I32);
        int off = c.local(I32);
        int block = c.local(I32);
        int prev = c.local(I32); // meta or pool address of the link to patch
        int prevInPool = c.local(I32);
        int cur = c.local(I32);
        int bsize = c.local(I32);
        int pool = c.local(I32);
        int base = c.local(I32);
        int slot = c.local(I32);
        int srec = c.local(I32);
        int gen = c.local(I32);
        int rid = c.local(I32);
        // region lookup; failures return 0
        regionRecord(c, 0, rid, rec, code -> allocFail(c, code));
        c.localGet(1).i64Eqz();
        c.localGet(1)
                .localGet(rec)
                .i64Load32U(meta, R_CAPACITY)
                .i64GtU()
                .i32Or()
                .if_();
        allocFail(c, ErrorCode.INVALID_ARGUMENT);
        c.end();
        // a slot must be available before space is taken
        c.localGet(rec).i32Load(meta, R_FREE_SLOT).i32Eqz();
        c.localGet(rec)
                .i32Load(meta, R_SLOT_COUNT)
                .i32Const(slotsPerRegion)
                .i32GeU()
                .i32And()
                .if_();
        allocFail(c, ErrorCode.TOO_MANY_HANDLES);
        c.end();
        c.localGet(1)
                .i64Const(ALLOC_ALIGN - 1)
                .i64Add()
                .i64Const(-ALLOC_ALIGN)
                .i64And()
                .i32WrapI64()
                .localSet(need);
        c.localGet(rec).i32Load(meta, R_POOL).localSet(pool);
        c.localGet(rec).i32Load(meta, R_BASE).localSet(base);
        c.i32Const(-1).localSet(off);
        // first fit over free blocks: each block holds [size i32, next i32 (offset + 1, 0 = end)]
        c.localGet(rec).i32Load(meta, R_ALLOC).i32Const(FREE_LIST).i32Eq().if_();
        c.localGet(rec).i32Const(R_FREE_BLOCK).i32Add().localSet(prev);
        c.i32Const(0).localSet(prevInPool);
        c.localGet(rec).i32Load(meta, R_FREE_BLOCK).localSet(cur);
        c.block().loop();
        c.localGet(cur).i32Eqz().brIf(1);
        c.localGet(cur).i32Const(1).i32Sub().localSet(cur);
        c.localGet(pool)
                .localGet(base)
                .localGet(cur)
                .i32Add()
                .call(fPoolLoadI32)
                .localTee(bsize);
        c.localGet(need).i32GeU().if_();
        //   fits: split from the end if the rest can still hold a block header, else unlink
        c.localGet(bsize).localGet(need).i32Sub().i32Const(MIN_SPLIT).i32GeU().if_();
        c.localGet(pool)
                .localGet(base)
                .localGet(cur)
                .i32Add()
                .localGet(bsize)
                .localGet(need)
                .i32Sub()
                .call(fPoolStoreI32);
        c.localGet(cur).localGet(bsize).i32Add().localGet(need).i32Sub().localSet(off);
        c.localGet(need).localSet(block);
        c.else_();
        c.localGet(cur).localSet(off);
        c.localGet(bsize).localSet(block);
        // unlink: *prev = cur.next
        c.localGet(prevInPool).if_();
        c.localGet(pool)
                .localGet(prev)
                .localGet(pool)
                .localGet(base)
                .localGet(cur)
                .i32Add()
                .i32Const(FB_NEXT)
                .i32Add()
                .call(fPoolLoadI32)
                .call(fPoolStoreI32);
        c.else_();
        c.localGet(prev)
                .localGet(pool)
                .localGet(base)
                .localGet(cur)
                .i32Add()
                .i32Const(FB_NEXT)
                .i32Add()
                .call(fPoolLoadI32)
                .i32Store(meta, 0);
        c.end();
        c.end();
        c.br(2); // out of the loop and block
        c.end();
        c.localGet(base).localGet(cur).i32Add().i32Const(FB_NEXT).i32Add().localSet(prev);
        c.i32Const(1).localSet(prevInPool);
        c.localGet(pool).localGet(prev).call(fPoolLoadI32).localSet(cur);
        c.br(0);
        c.end().end();
        c.end();
        // bump if no free block fit
        c.localGet(off).i32Const(-1).i32Eq().if_();
        c.localGet(rec)
                .i32Load(meta, R_TOP)
                .i64ExtendI32U()
                .localGet(need)
                .i64ExtendI32U()
                .i64Add();
        c.localGet(rec).i64Load32U(meta, R_CAPACITY).i64GtU().if_();
        allocFail(c, ErrorCode.REGION_FULL);
        c.end();
        c.localGet(rec).i32Load(meta, R_TOP).localSet(off);
        c.localGet(rec).localGet(off).localGet(need).i32Add().i32Store(meta, R_TOP);
        c.localGet(need).localSet(block);
        c.end();
        // zero the bytes handed out
        c.localGet(pool)
                .localGet(base)
                .localGet(off)
                .i32Add()
                .i32Const(0)
                .localGet(block)
                .call(fPoolFill);
        // take a slot
        c.localGet(rec).i32Load(meta, R_FREE_SLOT).if_();
        c.localGet(rec).i32Load(meta, R_FREE_SLOT).i32Const(1).i32Sub().localSet(slot);
        slotRecord(c, rid, slot);
        c.localSet(srec);
        c.localGet(rec).localGet(srec).i32Load(meta, S_OFF).i32Store(meta, R_FREE_SLOT);
        c.localGet(srec).i32Load(meta, S_GEN).localSet(gen);
        c.else_();
        c.localGet(rec).i32Load(meta, R_SLOT_COUNT).localSet(slot);
        c.localGet(rec).localGet(slot).i32Const(1).i32Add().i32Store(meta, R_SLOT_COUNT);
        slotRecord(c, rid, slot);
        c.localSet(srec);
        c.i32Const(FIRST_SLOT_GEN).localSet(gen);
        c.end();
        c.localGet(srec).localGet(off).i32Store(meta, S_OFF);
        c.localGet(srec).localGet(1).i32WrapI64().i32Store(meta, S_SIZE);
        c.localGet(srec).localGet(block).i32Store(meta, S_BLOCK);
        c.localGet(srec).localGet(gen).i32Const(LIVE).i32Or().i32Store(meta, S_GEN);
        bump64(c, rec, R_LIVE_ALLOCS, () -> c.i64Const(1));
        bump64(c, rec, R_LIVE_BYTES, () -> c.localGet(1));
        bump64(c, rec, R_ALLOCS, () -> c.i64Const(1));
        // handle = HandleCodec.handle(ref, slot, gen)
        c.localGet(0).i64ExtendI32U().i64Const(HandleCodec.REGION_REF_SHIFT).i64Shl();
        c.localGet(slot)
                .i64ExtendI32U()
                .i64Const(HandleCodec.SLOT_SHIFT)
                .i64Shl()
                .i64Or();
        c.localGet(gen).i64ExtendI32U().i64Or();
    }

    private void allocFail(Code c, ErrorCode code) {
        c.i32Const(code.code()).call(fFail).drop().i64Const(0).return_();
    }

    /** meta[rec + field] (i64) += value. */
    private void bump64(Code c, int rec, int field, Runnable value) {
        c.localGet(rec).localGet(rec).i64Load(meta, field);
        value.run();
        c.i64Add().i64Store(meta, field);
    }

    /** free(handle) -> status. */
    private void genFree(Code c) {
        int r = c.local(I64);
        int rid = c.local(I32);
        int rec = c.local(I32);
        int slot = c.local(I32);
        int srec = c.local(I32);
        int gen = c.local(I32);
        c.localGet(0).i64Const(0).i64Const(0);
        checkOrReturn(c, r, false);
        toRegionRecord(regionIdOf(c, 0).localTee(rid)).localSet(rec);
        slotOf(c, 0).localSet(slot);
        slotRecord(c, rid, slot);
        c.localSet(srec);
        // free-list regions keep the block on an address-ordered list, merged with its neighbours
        c.localGet(rec).i32Load(meta, R_ALLOC).i32Const(FREE_LIST).i32Eq().if_();
        insertFreeBlock(c, rec, srec);
        c.end();
        // a window over any of the freed bytes closes: it can never reach the block's next owner
        c.localGet(rec).i32Load(meta, R_POOL);
        c.localGet(rec)
                .i32Load(meta, R_BASE)
                .localGet(srec)
                .i32Load(meta, S_OFF)
                .i32Add();
        c.localGet(rec)
                .i32Load(meta, R_BASE)
                .localGet(srec)
                .i32Load(meta, S_OFF)
                .i32Add()
                .localGet(srec)
                .i32Load(meta, S_BLOCK)
                .i32Add();
        c.call(fWindowClose);
        bump64(c, rec, R_LIVE_ALLOCS, () -> c.i64Const(-1));
        bump64(c, rec, R_LIVE_BYTES, () -> c.i64Const(0)
                .localGet(srec)
                .i64Load32U(meta, S_SIZE)
                .i64Sub());
        // next generation; a slot whose generation is exhausted is retired, never reused
        c.localGet(srec)
                .i32Load(meta, S_GEN)
                .i32Const(SLOT_GEN_MASK)
                .i32And()
                .i32Const(1)
                .i32Add()
                .localTee(gen);
        c.localGet(srec).localGet(gen).i32Store(meta, S_GEN);
        c.i32Const(HandleCodec.MAX_SLOT_GEN).i32LeU().if_();
        c.localGet(srec).localGet(rec).i32Load(meta, R_FREE_SLOT).i32Store(meta, S_OFF);
        c.localGet(rec).localGet(slot).i32Const(1).i32Add().i32Store(meta, R_FREE_SLOT);
        c.end();
        c.i32Const(0);
    }

    /**
     * Inserts the block of slot record {@code srec} into region {@code rec}'s free list, which is kept
     * in ascending address order; a block adjacent to its successor or predecessor is merged with it
     * (coalescing), so freeing everything leaves one block.
     */
    private void insertFreeBlock(Code c, int rec, int srec) {
        int pool = c.local(I32);
        int base = c.local(I32);
        int off = c.local(I32);
        int bsz = c.local(I32);
        int prevOff = c.local(I32);
        int cur = c.local(I32); // encoded: offset + 1, 0 = end of list
        int prevPrev = c.local(I32);
        int link = c.local(I32);
        c.localGet(rec).i32Load(meta, R_POOL).localSet(pool);
        c.localGet(rec).i32Load(meta, R_BASE).localSet(base);
        c.localGet(srec).i32Load(meta, S_OFF).localSet(off);
        c.localGet(srec).i32Load(meta, S_BLOCK).localSet(bsz);
        c.i32Const(-1).localSet(prevOff);
        c.i32Const(-1).localSet(prevPrev);
        c.localGet(rec).i32Load(meta, R_FREE_BLOCK).localSet(cur);
        // find the first block above off
        c.block().loop();
        c.localGet(cur).i32Eqz().brIf(1);
        c.localGet(cur).i32Const(1).i32Sub().localGet(off).i32GtU().brIf(1);
        c.localGet(prevOff).localSet(prevPrev);
        c.localGet(cur).i32Const(1).i32Sub().localSet(prevOff);
        c.localGet(pool)
                .localGet(base)
                .localGet(prevOff)
                .i32Add()
                .i32Const(FB_NEXT)
                .i32Add()
                .call(fPoolLoadI32);
        c.localSet(cur);
        c.br(0);
        c.end().end();
        // merge with the next block
        c.localGet(cur).if_();
        c.localGet(off)
                .localGet(bsz)
                .i32Add()
                .localGet(cur)
                .i32Const(1)
                .i32Sub()
                .i32Eq()
                .if_();
        c.localGet(bsz);
        c.localGet(pool)
                .localGet(base)
                .localGet(cur)
                .i32Add()
                .i32Const(1)
                .i32Sub()
                .call(fPoolLoadI32);
        c.i32Add().localSet(bsz);
        c.localGet(pool)
                .localGet(base)
                .localGet(cur)
                .i32Add()
                .i32Const(FB_NEXT - 1) // cur is the offset + 1
                .i32Add()
                .call(fPoolLoadI32);
        c.localSet(cur);
        c.end();
        c.end();
        // merge into the previous block: the merged block takes its place, after prevPrev
        c.localGet(prevOff).i32Const(-1).i32Ne();
        c.if_(I32);
        c.localGet(prevOff);
        c.localGet(pool).localGet(base).localGet(prevOff).i32Add().call(fPoolLoadI32);
        c.i32Add().localGet(off).i32Eq();
        c.else_();
        c.i32Const(0);
        c.end();
        c.if_();
        c.localGet(pool).localGet(base).localGet(prevOff).i32Add().call(fPoolLoadI32);
        c.localGet(bsz).i32Add().localSet(bsz);
        c.localGet(prevOff).localSet(off);
        c.localGet(prevPrev).localSet(prevOff);
        c.end();
        // a block ending at the bump pointer lowers it instead of being listed (it is the last block)
        c.localGet(off)
                .localGet(bsz)
                .i32Add()
                .localGet(rec)
                .i32Load(meta, R_TOP)
                .i32Eq()
                .if_();
        c.localGet(rec).localGet(off).i32Store(meta, R_TOP);
        c.i32Const(0).localSet(link);
        c.else_();
        c.localGet(pool).localGet(base).localGet(off).i32Add().localGet(bsz).call(fPoolStoreI32);
        c.localGet(pool)
                .localGet(base)
                .localGet(off)
                .i32Add()
                .i32Const(FB_NEXT)
                .i32Add()
                .localGet(cur);
        c.call(fPoolStoreI32);
        c.localGet(off).i32Const(1).i32Add().localSet(link);
        c.end();
        // the predecessor (or the list head) now points at the block, or past it
        c.localGet(prevOff).i32Const(-1).i32Eq().if_();
        c.localGet(rec).localGet(link).i32Store(meta, R_FREE_BLOCK);
        c.else_();
        c.localGet(pool)
                .localGet(base)
                .localGet(prevOff)
                .i32Add()
                .i32Const(FB_NEXT)
                .i32Add();
        c.localGet(link).call(fPoolStoreI32);
        c.end();
    }

    private void genSizeOf(Code c) {
        int r = c.local(I64);
        c.localGet(0).i64Const(0).i64Const(0);
        checkOrReturn(c, r, true);
        int rid = c.local(I32);
        int slot = c.local(I32);
        regionIdOf(c, 0).localSet(rid);
        slotOf(c, 0).localSet(slot);
        slotRecord(c, rid, slot);
        c.i64Load32U(meta, S_SIZE);
    }

    /**
     * copy(dst, dstOff, src, srcOff, len) -> status; memmove within a pool, chunked through the
     * meta scratch area across pools. The source is checked first, as tvm-core does.
     */
    private void genCopy(Code c) {
        int d = c.local(I64);
        int s = c.local(I64);
        int dp = c.local(I32);
        int sp = c.local(I32);
        int left = c.local(I64);
        int n = c.local(I32);
        int scratch = (int) scratchBase(maxRegions, slotsPerRegion);
        c.localGet(2).localGet(3).localGet(4);
        checkOrReturn(c, s, false);
        c.globalGet(gPool).localSet(sp);
        c.localGet(0).localGet(1).localGet(4);
        checkOrReturn(c, d, false);
        c.globalGet(gPool).localSet(dp);
        c.localGet(dp).localGet(sp).i32Eq().if_();
        c.localGet(dp)
                .localGet(d)
                .i32WrapI64()
                .localGet(s)
                .i32WrapI64()
                .localGet(4)
                .i32WrapI64();
        c.call(fPoolCopySame).i32Const(0).return_();
        c.end();
        c.localGet(4).localSet(left);
        c.block().loop();
        c.localGet(left).i64Eqz().brIf(1);
        // n = min(left, SCRATCH_SIZE)
        c.i64Const(SCRATCH_SIZE)
                .localGet(left)
                .localGet(left)
                .i64Const(SCRATCH_SIZE)
                .i64GtU()
                .select();
        c.i32WrapI64().localSet(n);
        c.localGet(sp).i32Const(scratch).localGet(s).i32WrapI64().localGet(n).call(fPoolToMeta);
        c.localGet(dp).localGet(d).i32WrapI64().i32Const(scratch).localGet(n).call(fPoolFromMeta);
        c.localGet(s).localGet(n).i64ExtendI32U().i64Add().localSet(s);
        c.localGet(d).localGet(n).i64ExtendI32U().i64Add().localSet(d);
        c.localGet(left).localGet(n).i64ExtendI32U().i64Sub().localSet(left);
        c.br(0);
        c.end().end();
        c.i32Const(0);
    }

    /**
     * copy_in(dst, dst_offset, guest_ptr, len) -> status, or copy_out(guest_ptr, src, src_offset,
     * len) -> status: one {@code memory.copy} between the guest's default memory and the
     * allocation's pool. The handle is checked first, then the guest range against the guest
     * memory's current size ({@code OUT_OF_BOUNDS}, never a trap).
     */
    private void genGuestCopy(Code c, boolean in) {
        int handle = in ? 0 : 1;
        int offset = in ? 1 : 2;
        int ptr = in ? 2 : 0;
        int len = 3;
        int a = c.local(I64);
        c.localGet(handle).localGet(offset).localGet(len);
        checkOrReturn(c, a, false);
        // ptr + len <= guest memory bytes, in 64-bit arithmetic so nothing wraps
        c.localGet(ptr).i64ExtendI32U().localGet(len).i64Add();
        c.memorySize(guestMemory)
                .i64ExtendI32U()
                .i64Const(PAGE_SHIFT)
                .i64Shl()
                .i64GtU()
                .if_();
        failI32(c, ErrorCode.OUT_OF_BOUNDS);
        c.end();
        c.globalGet(gPool);
        if (in) {
            c.localGet(a).i32WrapI64().localGet(ptr);
        } else {
            c.localGet(ptr).localGet(a).i32WrapI64();
        }
        c.localGet(len).i32WrapI64().call(in ? fPoolFromGuest : fPoolToGuest);
        c.i32Const(0);
    }

    /**
     * window(handle, offset, len) -> i64: checks {@code [offset, offset + len)} of the allocation
     * like {@code resolve}, makes it the window of the allocation's pool and returns its pool
     * address (or a negative error; the pool's window is then unchanged). wload/wstore_p&lt;k&gt; reach
     * only bytes inside pool k's window, which {@code free} closes when it frees any of them.
     */
    private void genWindow(Code c) {
        int a = c.local(I64);
        int pool = c.local(I32);
        c.localGet(0).localGet(1).localGet(2);
        checkOrReturn(c, a, true);
        c.globalGet(gPool).localSet(pool);
        dispatchValue(c, pool, k -> {
            c.localGet(a).i32WrapI64().globalSet(gWinBase[k]);
            c.localGet(a).localGet(2).i64Add().i32WrapI64().globalSet(gWinEnd[k]);
        });
        c.localGet(a);
    }

    /**
     * wload/wstore of i32, i64 and f64 at a pool address inside pool {@code k}'s window: two
     * compares and the access, small enough for engines to inline into the caller. Outside the
     * window (or with it closed) they trap, with {@code last_error} OUT_OF_BOUNDS.
     */
    private void genWindowAccessors(int k) {
        ValType[] types = {I32, I64, F64};
        String[] names = {"i32", "i64", "f64"};
        int[] widths = {4, 8, 8};
        for (int t = 0; t < 3; t++) {
            int tt = t;
            export("wload_" + names[t] + "_p" + k, FuncType.of(types[t], I32), c -> {
                windowCheck(c, k, widths[tt]);
                c.localGet(0);
                switch (tt) {
                    case 0 -> c.i32Load(k, 0);
                    case 1 -> c.i64Load(k, 0);
                    default -> c.f64Load(k, 0);
                }
            });
            export("wstore_" + names[t] + "_p" + k, FuncType.of(null, I32, types[t]), c -> {
                windowCheck(c, k, widths[tt]);
                c.localGet(0).localGet(1);
                switch (tt) {
                    case 0 -> c.i32Store(k, 0);
                    case 1 -> c.i64Store(k, 0);
                    default -> c.f64Store(k, 0);
                }
            });
        }
    }

    /** Traps unless {@code [addr, addr + width)} (addr = local 0) lies in pool k's window. */
    private void windowCheck(Code c, int k, int width) {
        c.localGet(0).globalGet(gWinBase[k]).i32LtU();
        c.localGet(0).i64ExtendI32U().i64Const(width).i64Add();
        c.globalGet(gWinEnd[k]).i64ExtendI32U().i64GtU();
        c.i32Or().if_();
        c.i32Const(ErrorCode.OUT_OF_BOUNDS.code()).call(fFail).drop().unreachable();
        c.end();
    }

    /** fill(handle, offset, len, value) -> status. */
    private void genFill(Code c) {
        int a = c.local(I64);
        c.localGet(0).localGet(1).localGet(2);
        checkOrReturn(c, a, false);
        c.globalGet(gPool)
                .localGet(a)
                .i32WrapI64()
                .localGet(3)
                .localGet(2)
                .i32WrapI64()
                .call(fPoolFill);
        c.i32Const(0);
    }

    /**
     * region_stat(region, field) -> i64: 0 pool, 1 allocator, 2 capacity, 3 live allocations, 4
     * live bytes, 5 used bytes (bump top), 6 allocations ever, 7 frees ever, 8 base address in the
     * pool; negative error for a bad region or field.
     */
    private void genRegionStat(Code c) {
        int rec = c.local(I32);
        regionRecord(c, 0, rec, rec, code -> failI64(c, code));
        int[] i32Fields = {R_POOL, R_ALLOC, R_CAPACITY};
        for (int f = 0; f < 3; f++) {
            c.localGet(1).i32Const(f).i32Eq().if_();
            c.localGet(rec).i64Load32U(meta, i32Fields[f]).return_();
            c.end();
        }
        int[] i64Fields = {R_LIVE_ALLOCS, R_LIVE_BYTES};
        for (int f = 0; f < 2; f++) {
            c.localGet(1).i32Const(3 + f).i32Eq().if_();
            c.localGet(rec).i64Load(meta, i64Fields[f]).return_();
            c.end();
        }
        c.localGet(1).i32Const(5).i32Eq().if_();
        c.localGet(rec).i64Load32U(meta, R_TOP).return_();
        c.end();
        c.localGet(1).i32Const(6).i32Eq().if_();
        c.localGet(rec).i64Load(meta, R_ALLOCS).return_();
        c.end();
        c.localGet(1).i32Const(7).i32Eq().if_();
        c.localGet(rec)
                .i64Load(meta, R_ALLOCS)
                .localGet(rec)
                .i64Load(meta, R_LIVE_ALLOCS)
                .i64Sub()
                .return_();
        c.end();
        c.localGet(1).i32Const(8).i32Eq().if_();
        c.localGet(rec).i64Load32U(meta, R_BASE).return_();
        c.end();
        failI64(c, ErrorCode.INVALID_ARGUMENT);
    }

    /** metrics(field) -> i64: 0 handle failures (all kinds), 1 live regions, 2 pools. */
    private void genMetrics(Code c) {
        c.localGet(0).i32Const(0).i32Eq().if_();
        c.i32Const(H_FAILURES).i64Load(meta, 0).return_();
        c.end();
        c.localGet(0).i32Const(1).i32Eq().if_();
        c.i32Const(H_REGION_COUNT).i64Load32U(meta, 0).return_();
        c.end();
        c.localGet(0).i32Const(2).i32Eq().if_();
        c.i64Const(pools).return_();
        c.end();
        failI64(c, ErrorCode.INVALID_ARGUMENT);
    }
}
