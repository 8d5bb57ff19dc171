package dev.tvm.chicory.guests13;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.OpCode;
import dev.tvm.chicory.Engine;
import dev.tvm.chicory.TestGuests;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code guests/src/cowimage.cpp}: a module whose memory 0 starts with an 8 MiB image in one active
 * data segment, word i = {@code word(i) | 0x0101010101010101}, for copy-on-write instantiation.
 */
class CowimageGuestTest {
    private static final int IMAGE_WORDS = 1 << 20;
    private static final int IMAGE_BYTES = IMAGE_WORDS * Long.BYTES;
    private static final long NONZERO_BYTES = 0x0101010101010101L;

    private static WasmModule cowimage() {
        return TestGuests.module("cowimage.wasm");
    }

    private static long imageWord(int i) {
        return GuestMix.word(i) | NONZERO_BYTES;
    }

    /** image_sum of the image as built, with word {@code changed} replaced by {@code value} if >= 0. */
    private static long expectedSum(int changed, long value) {
        long c = GuestMix.FOLD_START;
        for (int i = 0; i < IMAGE_WORDS; i++) {
            c = GuestMix.fold(c, i == changed ? value : imageWord(i));
        }
        return c;
    }

    private static Instance instantiate(Engine engine) {
        return WasiRun.plainInstance(cowimage(), engine, ImportValues.empty(), null);
    }

    @Test
    void theModuleCarriesEightMebibytesOfNonZeroInitialisedData() {
        DataSegment[] segments = cowimage().dataSection().dataSegments();
        assertEquals(1, segments.length);
        ActiveDataSegment image = (ActiveDataSegment) segments[0];
        assertEquals(0, image.index(), "memory 0");
        assertEquals(OpCode.I32_CONST, image.offsetInstructions().get(0).opcode());
        byte[] data = image.data();
        assertEquals(IMAGE_BYTES, data.length);
        ByteBuffer words = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < IMAGE_WORDS; i++) {
            assertEquals(imageWord(i), words.getLong(i * Long.BYTES), "word " + i);
        }
        for (int i = 0; i < data.length; i++) {
            assertTrue(data[i] != 0, "byte " + i + " is zero");
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void imageSumIsTheChecksumOfTheImage(Engine engine) {
        Instance instance = instantiate(engine);
        assertEquals(expectedSum(-1, 0), instance.export("image_sum").apply()[0]);
        int base = (int) instance.export("image_base").apply()[0];
        assertEquals(IMAGE_BYTES, instance.export("image_size").apply()[0]);
        long offset = ((ActiveDataSegment) cowimage().dataSection().getDataSegment(0))
                .offsetInstructions()
                .get(0)
                .operand(0);
        assertEquals(offset, base, "image_base is where the data segment lands");
        assertEquals(imageWord(IMAGE_WORDS - 1), instance.memory().readLong(base + IMAGE_BYTES - Long.BYTES));
    }

    @Test
    void writesAreReadBackAndChangeTheSum() {
        Instance instance = instantiate(Engine.COMPILER);
        int word = 123_457;
        int offset = word * Long.BYTES + 4; // the high half of the word
        assertEquals(
                (int) (imageWord(word) >>> 32), instance.export("image_read").apply(offset)[0]);

        instance.export("image_write").apply(offset, 0xCAFEF00DL);
        assertEquals(0xCAFEF00D, (int) instance.export("image_read").apply(offset)[0]);
        long changed = (imageWord(word) & 0xFFFF_FFFFL) | (0xCAFEF00DL << 32);
        assertEquals(
                changed,
                instance.memory().readLong((int) instance.export("image_base").apply()[0] + offset - 4));
        assertEquals(expectedSum(word, changed), instance.export("image_sum").apply()[0]);
    }

    @Test
    void writesInOneInstanceAreInvisibleToAnother() {
        Instance first = instantiate(Engine.COMPILER);
        Instance second = instantiate(Engine.COMPILER);
        first.export("image_write").apply(0, 0);
        assertEquals(0, first.export("image_read").apply(0)[0]);
        assertEquals((int) imageWord(0), (int) second.export("image_read").apply(0)[0]);
        assertEquals(expectedSum(-1, 0), second.export("image_sum").apply()[0]);
    }

    @Test
    void offsetsOutsideTheImageTrap() {
        Instance instance = instantiate(Engine.COMPILER);
        for (long offset : new long[] {-1, IMAGE_BYTES - 3, IMAGE_BYTES, Integer.MAX_VALUE}) {
            assertThrows(
                    TrapException.class, () -> instance.export("image_read").apply(offset), "read " + offset);
            assertThrows(
                    TrapException.class, () -> instance.export("image_write").apply(offset, 1), "write " + offset);
        }
        assertEquals(
                (int) (imageWord(IMAGE_WORDS - 1) >>> 32),
                instance.export("image_read").apply(IMAGE_BYTES - 4)[0]);
    }
}
