package dev.tvm.chicory.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ImportMemory;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real Chicory instances, interpreted and compiled, running WAT modules from {@code
 * src/test/resources/memory} (rebuilt by {@code build.sh} there) over {@link SegmentMemory}; every
 * observable result must equal what Chicory's {@link ByteArrayMemory} gives.
 */
class SegmentMemoryChicoryTest {
    private static final int PAGE = Memory.PAGE_SIZE;

    enum Engine {
        INTERPRETER,
        COMPILER
    }

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void release() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        resources.clear();
    }

    private static WasmModule module(String name) {
        try (InputStream in = SegmentMemoryChicoryTest.class.getResourceAsStream("/memory/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test module " + name);
            }
            return Parser.parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Instance instantiate(
            WasmModule module, Engine engine, Function<MemoryLimits, Memory> memories, ImportValues imports) {
        Instance.Builder builder = Instance.builder(module).withImportValues(imports);
        if (memories != null) {
            builder.withMemoryFactory(limits -> {
                Memory m = memories.apply(limits);
                if (m instanceof SegmentMemory sm) {
                    resources.add(sm); // Chicory never closes memories: the instance's builder does
                }
                return m;
            });
        }
        if (engine == Engine.COMPILER) {
            builder.withMachineFactory(MachineFactoryCompiler::compile);
        }
        return builder.build();
    }

    private static long call(Instance instance, String export, long... args) {
        long[] result = instance.export(export).apply(args);
        return result == null || result.length == 0 ? 0 : result[0];
    }

    /** One line per observation; traps are recorded, not thrown, so whole traces can be compared. */
    private static final class Trace {
        final List<String> lines = new ArrayList<>();
        final Instance instance;

        Trace(Instance instance) {
            this.instance = instance;
        }

        long call(String export, long... args) {
            try {
                long value = SegmentMemoryChicoryTest.call(instance, export, args);
                lines.add(export + args(args) + " = " + value);
                return value;
            } catch (ChicoryException e) {
                String message = String.valueOf(e.getMessage());
                String kind = message.contains("out of bounds memory access")
                        ? "out of bounds memory access"
                        : message.contains("unaligned atomic") ? "unaligned atomic" : message;
                lines.add(export + args(args) + " trapped: " + kind);
                return Long.MIN_VALUE;
            }
        }

        private static String args(long[] args) {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < args.length; i++) {
                b.append(i == 0 ? "" : ", ").append(args[i]);
            }
            return b.append(')').toString();
        }
    }

    private static final long TRAP = Long.MIN_VALUE;

    // ------------------------------------------------------------ memory.wat

    /** Runs the memory.wat script, asserting absolute results, and returns the trace. */
    private static List<String> memoryScript(Instance instance) {
        Trace t = new Trace(instance);
        Memory memory = instance.memory();
        assertEquals(1, t.call("size"));
        // The active data segment, read at every width.
        assertEquals(0x04030201, t.call("i32_load", 16));
        assertEquals(0x04030201, t.call("i32_load_off", 8));
        assertEquals(-16, t.call("i32_load8_s", 24));
        assertEquals(0xF0, t.call("i32_load8_u", 24));
        assertEquals((short) 0xF1F0, t.call("i32_load16_s", 24));
        assertEquals(0xF1F0, t.call("i32_load16_u", 24));
        assertEquals(0x0807060504030201L, t.call("i64_load", 16));
        assertEquals(-15, t.call("i64_load8_s", 25));
        assertEquals(0xF1, t.call("i64_load8_u", 25));
        assertEquals((short) 0xF2F1, t.call("i64_load16_s", 25));
        assertEquals(0xF2F1, t.call("i64_load16_u", 25));
        assertEquals(0xF3F2F1F0, t.call("i64_load32_s", 24));
        assertEquals(0xF3F2F1F0L, t.call("i64_load32_u", 24));
        assertEquals(0xF7F6F5F4F3F2F1F0L, t.call("i64_load", 24));

        // Stores of every width, read back by the host and the guest.
        t.call("i32_store", 100, 0xCAFEBABEL);
        assertEquals(0xCAFEBABE, memory.readInt(100));
        t.call("i32_store8", 104, 0x1FF);
        assertEquals(0xFF, t.call("i32_load8_u", 104));
        t.call("i32_store16", 106, 0x12345);
        assertEquals(0x2345, t.call("i32_load16_u", 106));
        t.call("i64_store", 112, 0x0123456789ABCDEFL);
        assertEquals(0x0123456789ABCDEFL, memory.readLong(112));
        t.call("i64_store8", 120, -1L);
        t.call("i64_store16", 122, 0x7777_8888L);
        t.call("i64_store32", 124, 0x1_2345_6789L);
        assertEquals(0x23456789_8888_00FFL, t.call("i64_load", 120) & 0xFFFF_FFFF_FFFF_00FFL);
        t.call("f32_store", 128, Float.floatToRawIntBits(1.5f));
        assertEquals(1.5f, memory.readFloat(128));
        assertEquals(Float.floatToRawIntBits(1.5f), (int) t.call("f32_load", 128));
        t.call("f32_store", 132, 0x7FA0_0001L); // a signalling NaN's payload survives
        assertEquals(0x7FA0_0001, (int) t.call("f32_load", 132));
        t.call("f64_store", 136, Double.doubleToRawLongBits(Math.E));
        assertEquals(Math.E, memory.readDouble(136));
        assertEquals(Double.doubleToRawLongBits(Math.E), t.call("f64_load", 136));

        // Unaligned, up to the last byte; one further traps.
        t.call("i64_store", PAGE - 8, 0x1122334455667788L);
        assertEquals(0x11223344, t.call("i32_load", PAGE - 4));
        assertEquals(0x22334455, t.call("i32_load", PAGE - 5));
        assertEquals(TRAP, t.call("i32_load", PAGE - 3));
        assertEquals(TRAP, t.call("i32_load_off", PAGE - 11));
        assertEquals(TRAP, t.call("i64_store", PAGE - 7, 1));
        assertEquals(TRAP, t.call("i32_load8_u", PAGE));
        assertEquals(TRAP, t.call("f64_load", PAGE - 4));
        assertEquals(TRAP, t.call("i32_load", -1));
        assertEquals(TRAP, t.call("i32_load_off", 0x7FFF_FFFC));
        assertEquals(0x1122334455667788L, memory.readLong(PAGE - 8), "a trapping store writes nothing");

        // Growth.
        assertEquals(1, t.call("grow", 1));
        assertEquals(2, t.call("size"));
        assertEquals(2, memory.pages());
        assertEquals(0x00112233, t.call("i32_load", PAGE - 3), "now in bounds, reading a zero byte");
        t.call("i32_store", 2 * PAGE - 4, 77);
        assertEquals(77, memory.readInt(2 * PAGE - 4));
        assertEquals(2, t.call("grow", 2));
        assertEquals(-1, t.call("grow", 1));
        assertEquals(-1, t.call("grow", -1));
        assertEquals(4, t.call("size"));
        assertEquals(0, t.call("sum_bytes", 2 * PAGE, 2 * PAGE), "grown pages are zero");

        // Bulk memory.
        t.call("fill", 1000, 0xAB, 100);
        assertEquals(100L * 0xAB, t.call("sum_bytes", 990, 120));
        t.call("copy", 1010, 1000, 100); // overlapping, destination after source
        assertEquals(110L * 0xAB, t.call("sum_bytes", 990, 140));
        t.call("copy", 995, 1000, 20); // overlapping, destination before source
        assertEquals(0xAB, t.call("i32_load8_u", 995));
        assertEquals(TRAP, t.call("copy", 4 * PAGE - 10, 0, 11));
        assertEquals(TRAP, t.call("copy", 0, 4 * PAGE - 10, 11));
        assertEquals(TRAP, t.call("fill", 4 * PAGE - 1, 1, 2));
        t.call("fill", 4 * PAGE, 1, 0);
        assertEquals(0, t.call("i32_load8_u", 4 * PAGE - 1), "a trapping fill writes nothing");

        // Passive segment.
        t.call("init", 2000, 0, 12);
        assertEquals("passive-data", memory.readString(2000, 12));
        t.call("init", 3000, 8, 4);
        assertEquals("data", memory.readString(3000, 4));
        assertEquals(TRAP, t.call("init", 2000, 8, 5));
        assertEquals(TRAP, t.call("init", 4 * PAGE - 2, 0, 3));
        t.call("drop");
        assertEquals(TRAP, t.call("init", 2000, 0, 1));
        t.call("init", 2000, 0, 0);

        // A loop over a host-written region spanning pages.
        long expected = 0;
        for (int i = 0; i < 16384; i++) {
            long v = i * 0x9E3779B97F4A7C15L;
            memory.writeLong(PAGE - 4096 + 8 * i, v);
            expected += v;
        }
        assertEquals(expected, t.call("sum_i64", PAGE - 4096, 16384));
        long bytes = 0;
        for (byte b : memory.readBytes(0, 4 * PAGE)) {
            bytes += b & 0xFF;
        }
        assertEquals(bytes, t.call("sum_bytes", 0, 4 * PAGE));
        return t.lines;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void memoryModuleMatchesByteArrayMemory(Engine engine) {
        WasmModule module = module("memory.wasm");
        List<String> reference =
                memoryScript(instantiate(module, Engine.INTERPRETER, ByteArrayMemory::new, ImportValues.empty()));
        Instance segment = instantiate(module, engine, SegmentMemory.factory(), ImportValues.empty());
        assertInstanceOf(SegmentMemory.class, segment.memory());
        assertEquals(reference, memoryScript(segment));
        // The same engine over ByteArrayMemory agrees too, so the trace is engine-independent.
        assertEquals(reference, memoryScript(instantiate(module, engine, ByteArrayMemory::new, ImportValues.empty())));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void outOfBoundsDataSegmentFailsInstantiation(Engine engine) {
        // memory.wat's segment fits one page; forcing zero pages through withMemoryLimits does not.
        WasmModule module = module("memory.wasm");
        ChicoryException e = assertThrows(ChicoryException.class, () -> {
            Instance.Builder b = Instance.builder(module)
                    .withMemoryLimits(new MemoryLimits(0, 4))
                    .withMemoryFactory(limits -> {
                        SegmentMemory m = SegmentMemory.create(limits);
                        resources.add(m);
                        return m;
                    });
            if (engine == Engine.COMPILER) {
                b.withMachineFactory(MachineFactoryCompiler::compile);
            }
            b.build();
        });
        assertTrue(e.getMessage().contains("out of bounds memory access"), e.getMessage());
    }

    // ------------------------------------------------------------ multi.wat

    @ParameterizedTest
    @EnumSource(Engine.class)
    void dataSegmentsGoToTheirOwnMemory(Engine engine) {
        Instance instance = instantiate(module("multi.wasm"), engine, SegmentMemory.factory(), ImportValues.empty());
        assertInstanceOf(SegmentMemory.class, instance.memory(0));
        assertInstanceOf(SegmentMemory.class, instance.memory(1));
        assertEquals('A', call(instance, "load_a", 0));
        assertEquals('B', call(instance, "load_b", 0));
        assertEquals(0, call(instance, "load_a", 8));
        assertEquals(42, call(instance, "load_b", 8));
        assertEquals(1, call(instance, "grow_b", 1));
        assertEquals(2, instance.memory(1).pages());
        assertEquals(1, instance.memory(0).pages());
    }

    // ------------------------------------------------------------ imported.wat

    @ParameterizedTest
    @EnumSource(Engine.class)
    void hostSuppliedMemories(Engine engine) {
        WasmModule module = module("imported.wasm");
        SegmentMemory owned = SegmentMemory.create(new MemoryLimits(1, 8));
        resources.add(owned);
        Arena arena = Arena.ofShared();
        resources.add(arena);
        MemorySegment external = arena.allocate(4L * PAGE, 4096);
        SegmentMemory view = SegmentMemory.wrap(external, new MemoryLimits(1, 8));

        for (SegmentMemory memory : List.of(owned, view)) {
            ImportValues imports = ImportValues.builder()
                    .addMemory(new ImportMemory("env", "mem", memory))
                    .build();
            Instance a = instantiate(module, engine, null, imports);
            Instance b = instantiate(module, engine, null, imports);
            assertEquals(memory, a.memory());
            assertEquals("imported!", memory.readString(100, 9), "the importer's data segment");

            call(a, "store", 200, 0x01020304);
            assertEquals(
                    0x01020304,
                    memory.segment().get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 200));
            assertEquals(0x01020304, call(b, "load", 200), "both instances share the memory");
            memory.writeI32(204, 99);
            assertEquals(99, call(a, "load", 204));

            assertEquals(1, call(b, "grow", 2));
            assertEquals(3, memory.pages());
            assertEquals(3, call(a, "size"));
            assertEquals(3L * PAGE, memory.segment().byteSize());
            call(a, "store", 3 * PAGE - 4, 5);
            assertEquals(5, memory.readInt(3 * PAGE - 4));
            assertEquals(TRAP, new Trace(a).call("load", 3 * PAGE - 3));
        }
        // The view's capacity (4 pages) caps growth below the declared maximum of 8.
        Instance c = instantiate(
                module,
                engine,
                null,
                ImportValues.builder()
                        .addMemory(new ImportMemory("env", "mem", view))
                        .build());
        assertEquals(3, call(c, "grow", 1));
        assertEquals(-1, call(c, "grow", 1));
        assertEquals(0x5A5A5A5AL, external.fill((byte) 0x5A).get(ValueLayout.JAVA_INT, 0) & 0xFFFFFFFFL);
        assertEquals(0x5A5A5A5A, call(c, "load", 0), "the view and its segment are the same bytes");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void importValidationComparesMaximumPages(Engine engine) {
        WasmModule module = module("imported.wasm");
        SegmentMemory tooBig = SegmentMemory.create(new MemoryLimits(1, 16));
        resources.add(tooBig);
        ImportValues imports = ImportValues.builder()
                .addMemory(new ImportMemory("env", "mem", tooBig))
                .build();
        assertThrows(UnlinkableException.class, () -> instantiate(module, engine, null, imports));
    }

    // ------------------------------------------------------------ atomics.wat

    private static List<String> atomicsScript(Instance instance) {
        Trace t = new Trace(instance);
        Memory memory = instance.imports().memory(0).memory();
        t.call("store", 0, 10);
        assertEquals(10, t.call("add", 0, 5));
        assertEquals(15, t.call("sub", 0, 3));
        assertEquals(12, t.call("and", 0, 0b0110));
        assertEquals(4, t.call("or", 0, 0b1001));
        assertEquals(13, t.call("xor", 0, 0xFF));
        assertEquals(0xF2, t.call("xchg", 0, 0x80000000L));
        assertEquals(0x80000000, (int) t.call("cmpxchg", 0, 1, 2));
        assertEquals(0x80000000, (int) t.call("cmpxchg", 0, 0x80000000L, 2));
        assertEquals(2, t.call("load", 0));
        t.call("store", 4, 0x01FF02FE);
        assertEquals(0xFE, t.call("add8", 4, 3));
        assertEquals(0x01FF0201, memory.readInt(4), "byte add wraps without carrying");
        assertEquals(0x01, t.call("cmpxchg8", 4, 0x101, 0x7F), "expected is wrapped to 8 bits");
        assertEquals(0x7F, t.call("load8", 4));
        assertEquals(0x01FF, t.call("add16", 6, 0xFFFF));
        assertEquals(0x01FE, t.call("xchg16", 6, 0xABCD));
        assertEquals(0xABCD, t.call("load16", 6));
        assertEquals(0xABCD027F, (int) t.call("load", 4));
        t.call("store64", 8, -1L);
        assertEquals(-1L, t.call("add64", 8, 2));
        assertEquals(1L, t.call("cmpxchg64", 8, 1, Long.MAX_VALUE));
        assertEquals(Long.MAX_VALUE, t.call("load64", 8));
        assertEquals(0xFFFFFFFFL, t.call("add32_64", 8, 1));
        assertEquals(Long.MAX_VALUE & 0xFFFFFFFF00000000L, t.call("load64", 8));
        t.call("fence");
        assertEquals(TRAP, t.call("load", 2));
        assertEquals(TRAP, t.call("add", 1, 1));
        assertEquals(TRAP, t.call("load64", 4));
        assertEquals(TRAP, t.call("load", PAGE));
        assertEquals(TRAP, t.call("add8", PAGE, 1));
        assertEquals(1, t.call("wait32", 16, 1, -1), "not equal");
        assertEquals(2, t.call("wait32", 16, 0, 1_000_000), "timed out");
        assertEquals(2, t.call("wait64", 24, 0, 0), "timed out");
        assertEquals(0, t.call("notify", 16, 1));
        assertTrue(t.lines.stream().anyMatch(l -> l.endsWith("trapped: unaligned atomic")), t.lines::toString);
        return t.lines;
    }

    private static Supplier<Memory> sharedMemory(boolean segment) {
        MemoryLimits limits = new MemoryLimits(1, 1, true);
        return segment ? () -> SegmentMemory.create(limits) : () -> new ByteArrayMemory(limits);
    }

    private Memory track(Memory memory) {
        if (memory instanceof SegmentMemory sm) {
            resources.add(sm);
        }
        return memory;
    }

    private Instance atomicsInstance(Memory memory, Engine engine) {
        return instantiate(
                module("atomics.wasm"),
                engine,
                null,
                ImportValues.builder()
                        .addMemory(new ImportMemory("env", "mem", memory))
                        .build());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void atomicsMatchByteArrayMemory(Engine engine) {
        List<String> reference =
                atomicsScript(atomicsInstance(track(sharedMemory(false).get()), Engine.INTERPRETER));
        List<String> segment =
                atomicsScript(atomicsInstance(track(sharedMemory(true).get()), engine));
        assertEquals(reference, segment);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void guestThreadsCountAtomically(Engine engine) throws Exception {
        Memory memory = track(sharedMemory(true).get());
        int threads = 4;
        int iterations = engine == Engine.COMPILER ? 200_000 : 20_000;
        List<Instance> instances = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            instances.add(atomicsInstance(memory, engine)); // one instance per thread, one memory
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Instance instance : instances) {
                futures.add(pool.submit(() -> {
                    call(instance, "inc_loop", 32, iterations);
                    call(instance, "cas_loop", 40, iterations);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * iterations, memory.atomicReadInt(32));
        assertEquals((long) threads * iterations, memory.atomicReadLong(40));
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void guestWaitIsWokenByAnotherInstancesNotify(Engine engine) throws Exception {
        Memory memory = track(sharedMemory(true).get());
        Instance waiter = atomicsInstance(memory, engine);
        Instance notifier = atomicsInstance(memory, engine);
        long[] result = {-1};
        Thread th = new Thread(() -> result[0] = call(waiter, "wait32", 64, 0, -1L), "guest-waiter");
        th.setDaemon(true);
        th.start();
        MemoryContractTest.awaitAllWaiting(List.of(th));
        call(notifier, "store", 64, 1);
        assertEquals(1, call(notifier, "notify", 64, 1));
        th.join(10_000);
        assertFalse(th.isAlive());
        assertEquals(0, result[0]);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void hostStringsOverGuestMemory(Engine engine) {
        Instance instance = instantiate(module("memory.wasm"), engine, SegmentMemory.factory(), ImportValues.empty());
        Memory memory = instance.memory();
        memory.writeCString(500, "größe");
        long sum = call(instance, "sum_bytes", 500, "größe".getBytes(StandardCharsets.UTF_8).length);
        long expected = 0;
        for (byte b : "größe".getBytes(StandardCharsets.UTF_8)) {
            expected += b & 0xFF;
        }
        assertEquals(expected, sum);
        assertEquals("größe", memory.readCString(500));
    }
}
