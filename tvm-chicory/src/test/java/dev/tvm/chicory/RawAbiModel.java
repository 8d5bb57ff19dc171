package dev.tvm.chicory;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Memory;
import dev.tvm.core.ErrorCode;
import dev.tvm.core.HandleCodec;
import dev.tvm.core.RegionDirectory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Drives the raw ABI from real guests with chosen (fuzzed, forged, stale, out-of-range) arguments
 * and checks every outcome against a reference model.
 *
 * <p>Two instances of {@code guests/wasm/fastpath.wasm} (whose {@code abi_*} exports forward their
 * arguments unchanged to the {@code tvm} imports) share one directory. The model knows which
 * regions each instance created (its capabilities), which handles are live with which size, and
 * the bytes of every live allocation. Per operation it derives whether the call is entitled to
 * succeed and, if not, which documented error codes may report the refusal:
 *
 * <ul>
 *   <li>an <b>escape</b> is a call that succeeded although the model says it must be refused (a
 *       stale, forged or foreign handle or region, {@code offset + len} outside the allocation,
 *       a guest range outside memory 0), a read or load that returned bytes other than the
 *       model's (a write that landed outside its allocation, or stale bytes leaking into a new
 *       allocation), or an allocation that aliases a live one;
 *   <li>a <b>mismatch</b> is a call the model entitles to succeed that was refused, a refusal
 *       with a code the model does not allow (e.g. the {@code INVALID_ARGUMENT} that masks an
 *       internal host exception), or a wrong {@code last_error}.
 * </ul>
 *
 * Both must stay zero. {@link #outcomes()} counts each outcome kind ({@code ok} or the error
 * code's name).
 */
final class RawAbiModel implements AutoCloseable {
    /** Where the driver's choices come from: a fuzzer or a seeded PRNG. */
    interface Choices {
        /** A value in {@code [min, max]}. */
        int nextInt(int min, int max);

        long nextLong();

        /** {@link #nextInt} over a seeded {@link SplittableRandom}. */
        static Choices of(SplittableRandom random) {
            return new Choices() {
                @Override
                public int nextInt(int min, int max) {
                    return (int) random.nextLong(min, max + 1L);
                }

                @Override
                public long nextLong() {
                    return random.nextLong();
                }
            };
        }
    }

    private static final int GUEST_MEMORY = 2 * Memory.PAGE_SIZE;
    private static final int MAX_REGIONS_PER_GUEST = 6;
    private static final int MAX_LIVE_HANDLES = 1500;
    private static final int MAX_TRACKED = 1 << 16;
    private static final int[] KINDS_PINNABLE = {1, 1, 1, 0, 1, 1, 1};

    private static final Set<ErrorCode> BAD_HANDLE = EnumSet.of(
            ErrorCode.STALE_HANDLE,
            ErrorCode.FORGED_HANDLE,
            ErrorCode.ACCESS_DENIED,
            ErrorCode.NO_SUCH_REGION,
            ErrorCode.STALE_REGION);
    private static final Set<ErrorCode> BAD_REGION =
            EnumSet.of(ErrorCode.NO_SUCH_REGION, ErrorCode.STALE_REGION, ErrorCode.ACCESS_DENIED);
    private static final Set<ErrorCode> BAD_RANGE = EnumSet.of(ErrorCode.OUT_OF_BOUNDS, ErrorCode.INVALID_ARGUMENT);
    private static final Set<ErrorCode> ALLOC_REFUSALS = EnumSet.of(
            ErrorCode.INVALID_ARGUMENT, ErrorCode.REGION_FULL, ErrorCode.NO_MEMORY, ErrorCode.TOO_MANY_HANDLES);

    private static final class MRegion {
        final int ref;
        final int owner;
        final int kind;
        int pins;
        boolean live = true;
        final List<MHandle> handles = new ArrayList<>();

        MRegion(int ref, int owner, int kind) {
            this.ref = ref;
            this.owner = owner;
            this.kind = kind;
        }
    }

    private static final class MHandle {
        final long h;
        final MRegion region;
        final long size;
        boolean live = true;
        final byte[] content;

        MHandle(long h, MRegion region, long size) {
            this.h = h;
            this.region = region;
            this.size = size;
            this.content = new byte[(int) size];
        }
    }

    private final RegionDirectory dir;
    private final TvmGuest[] guests;
    private final List<Map<String, ExportFunction>> exports = new ArrayList<>();
    private final Map<Integer, MRegion> regions = new HashMap<>();
    private final List<MRegion> regionList = new ArrayList<>();
    private final Map<Long, MHandle> handles = new HashMap<>();
    private final List<MHandle> live = new ArrayList<>();
    private final List<Long> dead = new ArrayList<>();
    private final int[] lastError = new int[2];

    private long operations;
    private long sweepReads;
    private long escapes;
    private long mismatches;
    private final Map<String, Long> outcomes = new TreeMap<>();
    private final List<String> reports = new ArrayList<>();

    /** Two instances of fastpath.wasm on {@code engine}, sharing a fresh directory. */
    RawAbiModel(Engine engine) {
        dir = RegionDirectory.builder().build();
        guests = new TvmGuest[2];
        try {
            for (int g = 0; g < 2; g++) {
                guests[g] = TvmGuest.builder(TestGuests.module("fastpath.wasm"), dir)
                        .withEngine(engine)
                        .build();
                exports.add(new HashMap<>());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Operations run. */
    long operations() {
        return operations;
    }

    /** Reads made by {@link #sweep}, not counted as operations. */
    long sweepReads() {
        return sweepReads;
    }

    /** Calls that reached or leaked bytes they had no right to; see the class comment. */
    long escapes() {
        return escapes;
    }

    /** Calls whose outcome disagreed with the model without an escape. */
    long mismatches() {
        return mismatches;
    }

    /** Count of each outcome: {@code ok} or an {@link ErrorCode} name. */
    Map<String, Long> outcomes() {
        return outcomes;
    }

    /** The first escapes and mismatches, described. */
    List<String> reports() {
        return reports;
    }

    @Override
    public void close() {
        for (TvmGuest g : guests) {
            if (g != null) {
                g.close();
            }
        }
        dir.close();
    }

    // ---------------------------------------------------------------- calls

    private long call(int g, String name, long... args) {
        ExportFunction f = exports.get(g).computeIfAbsent(name, n -> guests[g].function("abi_" + n));
        long[] r = f.apply(args);
        return r == null || r.length == 0 ? 0 : r[0];
    }

    private Memory memory(int g) {
        return guests[g].instance().memory();
    }

    // ---------------------------------------------------------------- verdicts

    private void count(String outcome) {
        outcomes.merge(outcome, 1L, Long::sum);
    }

    private void escape(String what) {
        escapes++;
        report("ESCAPE " + what);
    }

    private void mismatch(String what) {
        mismatches++;
        report("MISMATCH " + what);
    }

    private void report(String what) {
        if (reports.size() < 20) {
            reports.add("op " + operations + ": " + what);
        }
    }

    /**
     * Records a status/value result: {@code allowed} is null when the call is entitled to
     * succeed, else the codes that may refuse it. Returns whether the call succeeded.
     */
    private boolean judge(int g, String what, long result, Set<ErrorCode> allowed) {
        if (result >= 0) {
            count("ok");
            if (allowed != null) {
                escape(what + " succeeded (" + result + "), expected one of " + allowed);
            }
            return true;
        }
        ErrorCode code = ErrorCode.fromCode((int) result);
        lastError[g] = (int) result;
        count(code == null ? "code " + result : code.name());
        if (allowed == null) {
            mismatch(what + " was refused with " + code + " but is valid");
        } else if (code == null || !allowed.contains(code)) {
            mismatch(what + " was refused with " + code + ", expected one of " + allowed);
        }
        return false;
    }

    /** {@link #judge} for a load or store: a trap carries the code. */
    private boolean judgeTrap(int g, String what, TvmTrapException trap, Set<ErrorCode> allowed) {
        if (trap == null) {
            return judge(g, what, 0, allowed);
        }
        if (trap.getCause() != null && trap.getCause().getCause() instanceof RuntimeException internal) {
            // Tenant.failure: an exception the host's checks did not anticipate
            mismatch(what + " trapped on an internal host exception: " + internal);
        }
        return judge(g, what, trap.code().code(), allowed);
    }

    private static Set<ErrorCode> union(Set<ErrorCode> a, Set<ErrorCode> b) {
        if (a == null) {
            return b == null ? null : EnumSet.copyOf(b);
        }
        EnumSet<ErrorCode> u = EnumSet.copyOf(a);
        if (b != null) {
            u.addAll(b);
        }
        return u;
    }

    // ---------------------------------------------------------------- picks

    private MRegion owned(int g, Choices c) {
        for (int tries = 0; tries < 6 && !regionList.isEmpty(); tries++) {
            MRegion r = regionList.get(c.nextInt(0, regionList.size() - 1));
            if (r.live && r.owner == g) {
                return r;
            }
        }
        return null;
    }

    private long pickRegion(int g, Choices c) {
        int how = c.nextInt(0, 19);
        if (how < 12) {
            MRegion r = owned(g, c);
            if (r != null) {
                return r.ref;
            }
        }
        if (how < 15 && !regionList.isEmpty()) {
            return regionList.get(c.nextInt(0, regionList.size() - 1)).ref; // other guest's or destroyed
        }
        if (how == 15) {
            return 0;
        }
        if (how == 16 && !regionList.isEmpty()) {
            return regionList.get(c.nextInt(0, regionList.size() - 1)).ref ^ (1 << c.nextInt(0, 30));
        }
        return how == 17 ? c.nextInt(Integer.MIN_VALUE, Integer.MAX_VALUE) : c.nextInt(1, 1 << 16);
    }

    private boolean regionValid(int g, long ref) {
        MRegion r = ref > 0 && ref <= Integer.MAX_VALUE ? regions.get((int) ref) : null;
        return r != null && r.live && r.owner == g;
    }

    private MHandle liveOwned(int g, Choices c) {
        for (int tries = 0; tries < 6 && !live.isEmpty(); tries++) {
            MHandle h = live.get(c.nextInt(0, live.size() - 1));
            if (h.region.owner == g) {
                return h;
            }
        }
        return null;
    }

    private long pickHandle(int g, Choices c) {
        int how = c.nextInt(0, 19);
        if (how < 12) {
            MHandle h = liveOwned(g, c);
            if (h != null) {
                return h.h;
            }
        }
        if (how < 14 && !live.isEmpty()) {
            return live.get(c.nextInt(0, live.size() - 1)).h;
        }
        if (how < 16 && !dead.isEmpty()) {
            return dead.get(c.nextInt(0, dead.size() - 1));
        }
        if (how < 18 && !live.isEmpty()) {
            return live.get(c.nextInt(0, live.size() - 1)).h ^ (1L << c.nextInt(0, 63));
        }
        return how == 18 ? 0 : c.nextLong();
    }

    /** The model's handle if {@code h} is live in a region instance {@code g} holds, else null. */
    private MHandle valid(int g, long h) {
        MHandle m = handles.get(h);
        return m != null && m.live && m.region.live && m.region.owner == g ? m : null;
    }

    private long pickOffset(MHandle m, Choices c) {
        long size = m == null ? 4096 : m.size;
        switch (c.nextInt(0, 11)) {
            case 0, 1, 2:
                return 0;
            case 3, 4, 5, 6:
                return c.nextInt(0, (int) Math.min(size, Integer.MAX_VALUE));
            case 7:
                return size;
            case 8:
                return -c.nextInt(1, 1 << 20);
            case 9:
                return Long.MAX_VALUE - c.nextInt(0, 8);
            case 10:
                return size + c.nextInt(1, 64);
            default:
                return c.nextLong();
        }
    }

    private long pickLength(MHandle m, long offset, Choices c) {
        long room = m == null ? 256 : Math.max(0, m.size - Math.max(0, Math.min(offset, m.size)));
        switch (c.nextInt(0, 11)) {
            case 0, 1, 2, 3, 4:
                return c.nextInt(0, (int) Math.min(room, 1 << 16));
            case 5:
                return room;
            case 6:
                return room + 1;
            case 7:
                return 0;
            case 8:
                return -c.nextInt(1, Integer.MAX_VALUE);
            case 9:
                return Integer.MAX_VALUE;
            default:
                return c.nextInt(Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
    }

    private long pickPtr(Choices c) {
        switch (c.nextInt(0, 9)) {
            case 0:
                return (long) GUEST_MEMORY - c.nextInt(0, 64);
            case 1:
                return c.nextInt(Integer.MIN_VALUE, Integer.MAX_VALUE);
            default:
                return c.nextInt(0x600, GUEST_MEMORY / 2);
        }
    }

    private long pickSize(Choices c) {
        switch (c.nextInt(0, 15)) {
            case 0:
                return 0;
            case 1:
                return -c.nextInt(1, Integer.MAX_VALUE);
            case 2:
                return (1L << 33) + c.nextInt(0, 1 << 20); // above any 32-bit region's capacity
            case 3:
                return c.nextInt(4096, MAX_TRACKED);
            default:
                return c.nextInt(1, 4096);
        }
    }

    private static boolean inRange(MHandle m, long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= m.size && length <= m.size - offset;
    }

    private static boolean guestInRange(long ptr, long length) {
        long p = ptr & 0xFFFF_FFFFL;
        return length >= 0 && p <= GUEST_MEMORY && length <= GUEST_MEMORY - p;
    }

    // ---------------------------------------------------------------- one operation

    /** Runs one operation chosen by {@code c} and checks its outcome. */
    void step(Choices c) {
        operations++;
        int g = c.nextInt(0, 1);
        int op = c.nextInt(0, 99);
        if (op < 4) {
            regionCreate(g, c);
        } else if (op < 6) {
            regionDestroy(g, c);
        } else if (op < 18) {
            alloc(g, c, "alloc");
        } else if (op < 20) {
            alloc(g, c, "lease");
        } else if (op < 22) {
            allocBatch(g, c);
        } else if (op < 30) {
            free(g, c);
        } else if (op < 35) {
            sizeOrAddress(g, c);
        } else if (op < 47) {
            read(g, c);
        } else if (op < 59) {
            write(g, c);
        } else if (op < 65) {
            copy(g, c);
        } else if (op < 70) {
            fill(g, c);
        } else if (op < 79) {
            load(g, c);
        } else if (op < 88) {
            store(g, c);
        } else if (op < 96) {
            regionOp(g, c);
        } else if (op < 98) {
            record(g, c);
        } else {
            int got = (int) call(g, "last_error");
            count("ok");
            if (got != lastError[g]) {
                mismatch("last_error is " + got + ", the model says " + lastError[g]);
            }
        }
    }

    private void regionCreate(int g, Choices c) {
        long owned = regionList.stream().filter(r -> r.live && r.owner == g).count();
        if (owned >= MAX_REGIONS_PER_GUEST) {
            regionDestroy(g, c);
            return;
        }
        int kind = c.nextInt(0, 9) == 0 ? c.nextInt(-2, 9) : c.nextInt(0, 6);
        long capacity;
        switch (c.nextInt(0, 7)) {
            case 0:
                capacity = 0;
                break;
            case 1:
                capacity = c.nextLong();
                break;
            case 2:
                capacity = c.nextInt(1, 1 << 18);
                break;
            default:
                capacity = 1L << c.nextInt(16, 20);
        }
        int flags = c.nextInt(0, 9) == 0 ? c.nextInt(Integer.MIN_VALUE, Integer.MAX_VALUE) : c.nextInt(0, 4);
        boolean validFlags = (flags & ~0xF) == 0 && (flags & 7) <= 4;
        boolean validKind = kind >= 0 && kind <= 6;
        Set<ErrorCode> allowed =
                EnumSet.of(ErrorCode.INVALID_ARGUMENT, ErrorCode.NO_MEMORY, ErrorCode.TOO_MANY_REGIONS);
        long ref = call(g, "region_create", kind, capacity, flags);
        String what = "region_create(" + kind + ", " + capacity + ", " + flags + ")";
        if (ref > 0) {
            count("ok");
            if (!validKind || !validFlags) {
                escape(what + " succeeded");
            }
            if (regions.containsKey((int) ref)) {
                escape(what + " returned " + ref + ", a reference already issued");
            }
            MRegion r = new MRegion((int) ref, g, Math.max(0, Math.min(kind, 6)));
            regions.put((int) ref, r);
            regionList.add(r);
        } else {
            judge(g, what, ref, validKind && validFlags ? allowed : EnumSet.of(ErrorCode.INVALID_ARGUMENT));
        }
    }

    private void regionDestroy(int g, Choices c) {
        long ref = pickRegion(g, c);
        boolean valid = regionValid(g, ref);
        MRegion r = valid ? regions.get((int) ref) : null;
        Set<ErrorCode> allowed = !valid ? BAD_REGION : r.pins > 0 ? EnumSet.of(ErrorCode.PINNED) : null;
        long result = call(g, "region_destroy", (int) ref);
        if (judge(g, "region_destroy(" + ref + ")", result, allowed) && r != null) {
            r.live = false;
            killAll(r);
        }
    }

    private void killAll(MRegion r) {
        for (MHandle h : r.handles) {
            kill(h);
        }
        r.handles.clear();
    }

    private void kill(MHandle h) {
        if (h.live) {
            h.live = false;
            live.remove(h);
            if (dead.size() < 4096) {
                dead.add(h.h);
            } else {
                dead.set((int) (operations % dead.size()), h.h);
            }
        }
    }

    private void issue(long h, MRegion r, long size, String what) {
        if (HandleCodec.regionRef(h) != r.ref) {
            escape(what + " returned " + HandleCodec.describe(h) + " in another region");
            return;
        }
        MHandle old = handles.get(h);
        if (old != null && old.live) {
            escape(what + " returned " + HandleCodec.describe(h) + ", which is still live");
            return;
        }
        MHandle m = new MHandle(h, r, size);
        handles.put(h, m);
        live.add(m);
        r.handles.add(m);
    }

    private void alloc(int g, Choices c, String fn) {
        if (live.size() >= MAX_LIVE_HANDLES) {
            free(g, c);
            return;
        }
        long ref = pickRegion(g, c);
        long size = pickSize(c);
        boolean valid = regionValid(g, ref);
        Set<ErrorCode> allowed = valid ? ALLOC_REFUSALS : union(BAD_REGION, EnumSet.of(ErrorCode.INVALID_ARGUMENT));
        long h = call(g, fn, (int) ref, size);
        String what = fn + "(" + ref + ", " + size + ")";
        if (h != HandleCodec.NULL) {
            count("ok");
            if (!valid || size <= 0 || size > MAX_TRACKED) {
                escape(what + " succeeded");
                return;
            }
            issue(h, regions.get((int) ref), size, what);
        } else {
            int code = (int) call(g, "last_error");
            // A positive size is valid as far as the model knows; whether the region has room it does not.
            judge(g, what, code == 0 ? -1 : code, allowed);
        }
    }

    private void allocBatch(int g, Choices c) {
        long ref = pickRegion(g, c);
        long size = c.nextInt(0, 7) == 0 ? pickSize(c) : c.nextInt(1, 512);
        int count = c.nextInt(0, 7) == 0 ? c.nextInt(Integer.MIN_VALUE, Integer.MAX_VALUE) : c.nextInt(0, 8);
        long out = pickPtr(c);
        boolean valid = regionValid(g, ref);
        Set<ErrorCode> allowed = EnumSet.noneOf(ErrorCode.class);
        if (!valid) {
            allowed.addAll(BAD_REGION);
        }
        if (count < 0 || size <= 0 || size > MAX_TRACKED) {
            allowed.add(ErrorCode.INVALID_ARGUMENT);
        }
        if (count >= 0 && !guestInRange(out, 8L * count)) {
            allowed.add(ErrorCode.GUEST_OUT_OF_BOUNDS);
            allowed.add(ErrorCode.INVALID_ARGUMENT);
        }
        if (live.size() + Math.max(0, count) > MAX_LIVE_HANDLES) {
            return;
        }
        boolean entitled = allowed.isEmpty();
        if (entitled) {
            allowed.addAll(ALLOC_REFUSALS);
        }
        long result = call(g, "alloc_batch", (int) ref, size, count, (int) out);
        String what = "alloc_batch(" + ref + ", " + size + ", " + count + ", " + (out & 0xFFFF_FFFFL) + ")";
        if (result >= 0) {
            count("ok");
            boolean emptyBatch = count == 0 && valid && guestInRange(out, 0); // allocates nothing, any size
            if ((!entitled && !emptyBatch) || result != count) {
                escape(what + " returned " + result);
                return;
            }
            byte[] raw = memory(g).readBytes((int) out, 8 * count);
            ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                issue(b.getLong(), regions.get((int) ref), size, what);
            }
        } else {
            judge(g, what, result, allowed);
        }
    }

    private void free(int g, Choices c) {
        long h = pickHandle(g, c);
        MHandle m = valid(g, h);
        long result = call(g, "free", h);
        if (judge(g, "free(" + HandleCodec.describe(h) + ")", result, m == null ? BAD_HANDLE : null)) {
            m.region.handles.remove(m);
            kill(m);
        }
    }

    private void sizeOrAddress(int g, Choices c) {
        long h = pickHandle(g, c);
        MHandle m = valid(g, h);
        boolean size = c.nextInt(0, 1) == 0;
        long result = call(g, size ? "size_of" : "address_of", h);
        String what = (size ? "size_of(" : "address_of(") + HandleCodec.describe(h) + ")";
        if (judge(g, what, result, m == null ? BAD_HANDLE : null) && m != null && size && result != m.size) {
            escape(what + " = " + result + ", the allocation has " + m.size + " bytes");
        }
    }

    private Set<ErrorCode> accessRefusals(MHandle m, long offset, long length) {
        if (m == null) {
            return BAD_HANDLE;
        }
        return inRange(m, offset, length) ? null : BAD_RANGE;
    }

    private void read(int g, Choices c) {
        long h = pickHandle(g, c);
        MHandle m = valid(g, h);
        long offset = pickOffset(m, c);
        long length = pickLength(m, offset, c);
        long ptr = pickPtr(c);
        Set<ErrorCode> allowed = accessRefusals(m, offset, length);
        if (length < 0 || (int) length < 0) {
            allowed = union(allowed, EnumSet.of(ErrorCode.INVALID_ARGUMENT));
        } else if (!guestInRange(ptr, length)) {
            allowed = union(allowed, EnumSet.of(ErrorCode.GUEST_OUT_OF_BOUNDS));
        }
        long result = call(g, "read", h, offset, (int) ptr, (int) length);
        String what =
                "read(" + HandleCodec.describe(h) + ", " + offset + ", " + (ptr & 0xFFFF_FFFFL) + ", " + length + ")";
        if (judge(g, what, result, allowed) && allowed == null && length > 0) {
            byte[] got = memory(g).readBytes((int) ptr, (int) length);
            byte[] want = Arrays.copyOfRange(m.content, (int) offset, (int) (offset + length));
            if (!Arrays.equals(got, want)) {
                escape(what + " returned bytes that differ from the allocation's (first at "
                        + Arrays.mismatch(got, want) + ")");
            }
        }
    }

    private void write(int g, Choices c) {
        long h = pickHandle(g, c);
        MHandle m = valid(g, h);
        long offset = pickOffset(m, c);
        long length = pickLength(m, offset, c);
        long ptr = pickPtr(c);
        Set<ErrorCode> allowed = accessRefusals(m, offset, length);
        if (length < 0 || (int) length < 0) {
            allowed = union(allowed, EnumSet.of(ErrorCode.INVALID_ARGUMENT));
        } else if (!guestInRange(ptr, length)) {
            allowed = union(allowed, EnumSet.of(ErrorCode.GUEST_OUT_OF_BOUNDS));
        }
        byte[] bytes = null;
        if (guestInRange(ptr, length) && length > 0) {
            bytes = new byte[(int) length];
            long seed = c.nextLong();
            new SplittableRandom(seed).nextBytes(bytes);
            memory(g).write((int) ptr, bytes);
        }
        long result = call(g, "write", h, offset, (int) ptr, (int) length);
        String what =
                "write(" + HandleCodec.describe(h) + ", " + offset + ", " + (ptr & 0xFFFF_FFFFL) + ", " + length + ")";
        if (judge(g, what, result, allowed) && allowed == null && bytes != null) {
            System.arraycopy(bytes, 0, m.content, (int) offset, bytes.length);
        }
    }

    private void copy(int g, Choices c) {
        long dst = pickHandle(g, c);
        long src = c.nextInt(0, 2) == 0 ? dst : pickHandle(g, c);
        MHandle md = valid(g, dst);
        MHandle ms = valid(g, src);
        long dOff = pickOffset(md, c);
        long sOff = pickOffset(ms, c);
        long length = pickLength(md != null && ms != null && ms.size < md.size ? ms : md, Math.max(dOff, sOff), c);
        if (c.nextInt(0, 3) == 0) {
            length = c.nextLong();
        }
        Set<ErrorCode> allowed = union(accessRefusals(md, dOff, length), accessRefusals(ms, sOff, length));
        long result = call(g, "copy", dst, dOff, src, sOff, length);
        String what = "copy(" + HandleCodec.describe(dst) + ", " + dOff + ", " + HandleCodec.describe(src) + ", " + sOff
                + ", " + length + ")";
        if (judge(g, what, result, allowed) && allowed == null) {
            System.arraycopy(ms.content, (int) sOff, md.content, (int) dOff, (int) length);
        }
    }

    private void fill(int g, Choices c) {
        long h = pickHandle(g, c);
        MHandle m = valid(g, h);
        long offset = pickOffset(m, c);
        long length = c.nextInt(0, 5) == 0 ? c.nextLong() : pickLength(m, offset, c);
        int value = c.nextInt(Integer.MIN_VALUE, Integer.MAX_VALUE);
        Set<ErrorCode> allowed = accessRefusals(m, offset, length);
        long result = call(g, "fill", h, offset, length, value);
        String what = "fill(" + HandleCodec.describe(h) + ", " + offset + ", " + length + ")";
        if (judge(g, what, result, allowed) && allowed == null) {
            Arrays.fill(m.content, (int) offset, (int) (offset + length), (byte) value);
        }
    }

    private static final String[] LOADS = {"load_i32", "load_i64", "load_f32", "load_f64"};
    private static final String[] STORES = {"store_i32", "store_i64", "store_f32", "store_f64"};

    private void load(int g, Choices c) {
        int w = c.nextInt(0, 3);
        int width = (w & 1) == 0 ? 4 : 8;
        long h = pickHandle(g, c);
        MHandle m = valid(g, h);
        long offset = pickOffset(m, c);
        Set<ErrorCode> allowed = accessRefusals(m, offset, width);
        TvmTrapException trap = null;
        long value = 0;
        try {
            value = call(g, LOADS[w], h, offset);
        } catch (TvmTrapException e) {
            trap = e;
        }
        String what = LOADS[w] + "(" + HandleCodec.describe(h) + ", " + offset + ")";
        if (judgeTrap(g, what, trap, allowed) && allowed == null) {
            ByteBuffer b = ByteBuffer.wrap(m.content, (int) offset, width).order(ByteOrder.LITTLE_ENDIAN);
            long want = width == 4 ? b.getInt() : b.getLong();
            boolean same;
            if (w == 2) {
                same = Float.floatToIntBits(Float.intBitsToFloat((int) value))
                        == Float.floatToIntBits(Float.intBitsToFloat((int) want));
            } else if (w == 3) {
                same = Double.doubleToLongBits(Double.longBitsToDouble(value))
                        == Double.doubleToLongBits(Double.longBitsToDouble(want));
            } else {
                same = width == 4 ? (int) value == (int) want : value == want;
            }
            if (!same) {
                escape(what + " = " + Long.toHexString(value) + ", the allocation holds " + Long.toHexString(want));
            }
        }
    }

    private void store(int g, Choices c) {
        int w = c.nextInt(0, 3);
        int width = (w & 1) == 0 ? 4 : 8;
        long h = pickHandle(g, c);
        MHandle m = valid(g, h);
        long offset = pickOffset(m, c);
        long value = c.nextLong();
        if (w == 2) { // a non-NaN f32 so that bits survive any engine
            value = Float.floatToRawIntBits((float) (value % 1_000_000) / 7f);
        } else if (w == 3) {
            value = Double.doubleToRawLongBits((double) (value % 1_000_000_000L) / 7d);
        } else if (w == 0) { // an i32 store keeps the low 32 bits, sign-extended
            value = (value << 32) >> 32;
        }
        Set<ErrorCode> allowed = accessRefusals(m, offset, width);
        TvmTrapException trap = null;
        try {
            call(g, STORES[w], h, offset, value);
        } catch (TvmTrapException e) {
            trap = e;
        }
        String what = STORES[w] + "(" + HandleCodec.describe(h) + ", " + offset + ")";
        if (judgeTrap(g, what, trap, allowed) && allowed == null) {
            ByteBuffer b = ByteBuffer.wrap(m.content, (int) offset, width).order(ByteOrder.LITTLE_ENDIAN);
            if (width == 4) {
                b.putInt((int) value);
            } else {
                b.putLong(value);
            }
        }
    }

    private void regionOp(int g, Choices c) {
        long ref = pickRegion(g, c);
        boolean valid = regionValid(g, ref);
        MRegion r = valid ? regions.get((int) ref) : null;
        int which = c.nextInt(0, 3);
        if (which == 0) { // pin
            Set<ErrorCode> allowed =
                    !valid ? BAD_REGION : KINDS_PINNABLE[r.kind] == 0 ? EnumSet.of(ErrorCode.UNSUPPORTED) : null;
            if (judge(g, "pin(" + ref + ")", call(g, "pin", (int) ref), allowed) && r != null) {
                r.pins++;
            }
        } else if (which == 1) { // unpin
            Set<ErrorCode> allowed = !valid ? BAD_REGION : r.pins == 0 ? EnumSet.of(ErrorCode.INVALID_ARGUMENT) : null;
            if (judge(g, "unpin(" + ref + ")", call(g, "unpin", (int) ref), allowed) && r != null) {
                r.pins--;
            }
        } else if (which == 2) { // reset: a pinned region may refuse
            Set<ErrorCode> allowed = !valid ? BAD_REGION : r.pins > 0 ? EnumSet.of(ErrorCode.PINNED) : null;
            long result = call(g, "reset", (int) ref);
            boolean ok = result >= 0;
            if (ok && r != null && r.pins > 0) {
                allowed = null; // resetting a pinned region is allowed too: no bytes move
            }
            if (judge(g, "reset(" + ref + ")", result, allowed) && r != null) {
                killAll(r);
            }
        } else { // compact: handles and bytes stay, later reads check them
            Set<ErrorCode> allowed =
                    !valid ? BAD_REGION : EnumSet.of(ErrorCode.PINNED, ErrorCode.UNSUPPORTED); // may refuse by policy
            long result = call(g, "compact", (int) ref);
            if (result >= 0 && valid) {
                allowed = null;
            }
            judge(g, "compact(" + ref + ")", result, allowed);
        }
    }

    private void record(int g, Choices c) {
        boolean metrics = c.nextInt(0, 1) == 0;
        long ref = metrics && c.nextInt(0, 3) == 0 ? 0 : pickRegion(g, c);
        long out = pickPtr(c);
        int size = metrics ? TvmImports.METRICS_SIZE : TvmImports.REGION_INFO_SIZE;
        boolean valid = regionValid(g, ref) || (metrics && ref == 0);
        Set<ErrorCode> allowed = valid ? null : BAD_REGION;
        if (!guestInRange(out, size)) {
            allowed = union(allowed, EnumSet.of(ErrorCode.GUEST_OUT_OF_BOUNDS));
        }
        long result = call(g, metrics ? "metrics" : "region_describe", (int) ref, (int) out);
        String what = (metrics ? "metrics(" : "region_describe(") + ref + ", " + (out & 0xFFFF_FFFFL) + ")";
        if (judge(g, what, result, allowed) && allowed == null && ref != 0) {
            ByteBuffer b = ByteBuffer.wrap(memory(g).readBytes((int) out, size)).order(ByteOrder.LITTLE_ENDIAN);
            MRegion r = regions.get((int) ref);
            long liveCount = r.handles.size();
            long reported = metrics ? b.getLong(40) : b.getLong(32);
            if (!metrics && b.getInt(0) != ref) {
                escape(what + " describes region " + b.getInt(0));
            } else if (reported != liveCount) {
                mismatch(what + " reports " + reported + " live allocations, the model has " + liveCount);
            }
        }
    }

    /**
     * Checks every live allocation's bytes with reads of at most 64 KiB (the sweep that catches
     * stray writes); these reads are judged like operations but counted in {@link #sweepReads}.
     */
    void sweep() {
        for (MHandle m : new ArrayList<>(live)) {
            int g = m.region.owner;
            long chunk = Math.min(m.size, GUEST_MEMORY / 2);
            for (long off = 0; off < m.size; off += chunk) {
                long n = Math.min(chunk, m.size - off);
                sweepReads++;
                long result = call(g, "read", m.h, off, 0x1000, (int) n);
                String what = "sweep read(" + HandleCodec.describe(m.h) + ", " + off + ", " + n + ")";
                if (judge(g, what, result, null)) {
                    byte[] got = memory(g).readBytes(0x1000, (int) n);
                    if (!Arrays.equals(got, Arrays.copyOfRange(m.content, (int) off, (int) (off + n)))) {
                        escape(what + " returned bytes that differ from the allocation's");
                    }
                }
            }
        }
    }
}
