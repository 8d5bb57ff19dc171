package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.Parser;
import dev.tvm.chicory.Engine;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EmbedTest {
    private static final Path GUEST = Path.of(System.getProperty("tvm.guest"));

    @Test
    void aGuestWhoseMemoryIsARegionSumsItsList() {
        assertEquals(1000L * 999 / 2, Embed.sumOfList(GUEST, 1000));
    }

    @Test
    void theCompilerIsOptionalAndAskingForItWithoutItSaysWhatToAdd() {
        assertTrue(Engine.INTERPRETER.isAvailable());
        assertFalse(Engine.COMPILER.isAvailable());
        var e = assertThrows(
                IllegalStateException.class, () -> Engine.COMPILER.machineFactory(Parser.parse(GUEST)));
        assertTrue(e.getMessage().contains("com.dylibso.chicory:compiler"), e.getMessage());
    }
}
