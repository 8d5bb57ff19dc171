package dev.tvm.chicory.guests13;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TestGuests;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code guests/src/kvstore.c}, a WASI reactor built with Debian clang and wasi-libc that keeps an
 * open-addressing hash table of malloc'd entries, run on plain Chicory against {@link KvModel}.
 */
class KvstoreGuestTest {
    /** sizeof(struct entry) on wasm32: key, value, prev, next, payload, payload_len. */
    private static final int ENTRY_BYTES = 32;

    /** The guest's exports, typed. */
    private static final class Kv {
        final Instance instance;
        private final ExportFunction init, put, get, delete, count, checksum, touch, verify, heapBytes;

        Kv(Engine engine) {
            instance = WasiRun.plainInstance(TestGuests.module("kvstore.wasm"), engine, ImportValues.empty(), null);
            instance.export("_initialize").apply();
            init = instance.export("kv_init");
            put = instance.export("kv_put");
            get = instance.export("kv_get");
            delete = instance.export("kv_delete");
            count = instance.export("kv_count");
            checksum = instance.export("kv_checksum");
            touch = instance.export("kv_touch");
            verify = instance.export("kv_verify");
            heapBytes = instance.export("kv_heap_bytes");
        }

        int init(int n, long seed) {
            return (int) init.apply(n, seed)[0];
        }

        int put(long key, long value) {
            return (int) put.apply(key, value)[0];
        }

        long get(long key) {
            return get.apply(key)[0];
        }

        int delete(long key) {
            return (int) delete.apply(key)[0];
        }

        int count() {
            return (int) count.apply()[0];
        }

        long checksum() {
            return checksum.apply()[0];
        }

        int touch(int percent) {
            return (int) touch.apply(percent)[0];
        }

        int verify() {
            return (int) verify.apply()[0];
        }

        long heapBytes() {
            return heapBytes.apply()[0];
        }
    }

    private static void assertSameContent(KvModel model, Kv kv) {
        assertEquals(0, kv.verify(), "kv_verify: the guest's table is consistent");
        assertEquals(model.count(), kv.count(), "count");
        assertEquals(model.checksum(), kv.checksum(), "checksum over keys, values and payloads in order");
    }

    @Test
    void hundredThousandEntriesKeepMegabytesOfMallocdStateThatMatchTheModel() {
        Kv kv = new Kv(Engine.COMPILER);
        KvModel model = new KvModel();
        assertEquals(100_000, model.init(100_000, 42));
        assertEquals(100_000, kv.init(100_000, 42));
        assertSameContent(model, kv);
        for (long key : model.keys()) {
            assertEquals(model.get(key), kv.get(key));
        }
        assertEquals(KvModel.MISSING, kv.get(12345));

        // Exactly what the guest asked malloc for: entries, payloads with their NULs, 2^18 slots.
        long expected = 262_144L * Integer.BYTES;
        for (long key : model.keys()) {
            expected += ENTRY_BYTES + KvModel.payload(key).length + 1;
        }
        assertEquals(expected, kv.heapBytes());
        assertTrue(expected > 6 << 20, "megabytes of state: " + expected);
        long memory = (long) kv.instance.memory().pages() * 65536;
        assertTrue(memory >= expected && memory < expected + (4 << 20), "memory 0 holds the heap: " + memory);
    }

    @ParameterizedTest(name = "{0} {1} operations")
    @CsvSource({"COMPILER, 200000", "INTERPRETER, 20000"})
    void randomOperationsAgreeWithTheModel(Engine engine, int operations) {
        Kv kv = new Kv(engine);
        KvModel model = new KvModel();
        SplittableRandom random = new SplittableRandom(13);
        // Few distinct keys: many replacements, deletions of present keys, long probe runs.
        long[] keys = new long[3000];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = random.nextLong();
        }
        for (int op = 0; op < operations; op++) {
            long key = keys[random.nextInt(keys.length)];
            int kind = random.nextInt(100);
            if (kind < 45) {
                long value = random.nextLong();
                assertEquals(model.put(key, value), kv.put(key, value), "put");
            } else if (kind < 75) {
                assertEquals(model.get(key), kv.get(key), "get");
            } else if (kind < 97) {
                assertEquals(model.delete(key), kv.delete(key), "delete");
            } else {
                int percent = random.nextInt(101);
                assertEquals(model.touch(percent), kv.touch(percent), "touch");
            }
            if (op % 2000 == 1999) {
                assertSameContent(model, kv);
            }
        }
        assertSameContent(model, kv);
        for (long key : keys) {
            assertEquals(model.get(key), kv.get(key));
        }
    }

    @Test
    void valuesReadBackAsPutAndReplacingKeepsTheCount() {
        Kv kv = new Kv(Engine.COMPILER);
        assertEquals(KvModel.MISSING, kv.get(7), "an empty table has nothing");
        assertEquals(0, kv.delete(7));
        assertEquals(1, kv.put(7, -1), "inserted");
        assertEquals(1, kv.put(-7, Long.MAX_VALUE), "inserted");
        assertEquals(-1, kv.get(7), "-1 is an ordinary value");
        assertEquals(0, kv.put(7, 99), "replaced");
        assertEquals(99, kv.get(7));
        assertEquals(Long.MAX_VALUE, kv.get(-7));
        assertEquals(2, kv.count());
        assertEquals(0, kv.verify());
    }

    @Test
    void theMissingSentinelCannotBeStored() {
        Kv kv = new Kv(Engine.COMPILER);
        kv.put(5, 50);
        long before = kv.checksum();
        assertEquals(-1, kv.put(5, KvModel.MISSING));
        assertEquals(-1, kv.put(6, KvModel.MISSING));
        assertEquals(50, kv.get(5));
        assertEquals(KvModel.MISSING, kv.get(6));
        assertEquals(1, kv.count());
        assertEquals(before, kv.checksum());
    }

    @Test
    void touchRewritesTheFirstShareOfEntriesInInsertionOrder() {
        Kv kv = new Kv(Engine.COMPILER);
        KvModel model = new KvModel();
        model.init(1000, 7);
        kv.init(1000, 7);
        List<Long> keys = new ArrayList<>();
        model.keys().forEach(keys::add);
        List<Long> before = keys.stream().map(kv::get).toList();

        assertEquals(100, kv.touch(10));
        assertEquals(100, model.touch(10));
        assertSameContent(model, kv);
        for (int i = 0; i < keys.size(); i++) {
            if (i < 100) {
                assertNotEquals(before.get(i), kv.get(keys.get(i)), "touched entry " + i);
            } else {
                assertEquals(before.get(i), kv.get(keys.get(i)), "untouched entry " + i);
            }
        }
        assertEquals(-1, kv.touch(101));
        assertEquals(-1, kv.touch(-1));
        assertEquals(0, kv.touch(0));
        assertEquals(1000, kv.touch(100));
        model.touch(100);
        assertSameContent(model, kv);
    }

    @Test
    void initReplacesTheTableAndItsMemoryIsReused() {
        Kv kv = new Kv(Engine.COMPILER);
        KvModel model = new KvModel();
        assertEquals(50_000, kv.init(50_000, 1));
        int pages = kv.instance.memory().pages();
        for (long seed = 2; seed < 6; seed++) {
            assertEquals(50_000, kv.init(50_000, seed));
            model.init(50_000, seed);
            assertSameContent(model, kv);
        }
        // freed entries are reused by malloc: the heap does not grow by a table per init
        int grown = kv.instance.memory().pages() - pages;
        assertTrue(grown <= pages / 4, "memory 0 grew by " + grown + " pages over " + pages);
        assertEquals(-1, kv.init(-1, 0));
        assertEquals(0, kv.init(0, 0));
        assertEquals(0, kv.count());
        assertEquals(KvModel.MISSING, kv.get(model.keys().iterator().next()));
    }
}
