package dev.tvm.chicory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the raw ABI ({@link TvmImports}) with fuzzer-chosen functions and arguments, called from
 * two real guests ({@code fastpath.wasm}) on one directory, every outcome checked against the
 * reference model of {@link RawAbiModel}: no escape (no access outside a live allocation the
 * calling guest holds a capability for) and no undocumented outcome. Unexpected host exceptions
 * cannot escape the imports (they become {@code INVALID_ARGUMENT}); the model flags those where it
 * does not allow that code, and anything else thrown out of a call fails the input.
 */
class RawAbiFuzzTest {
    /** Up to 64 operations per input, each chosen by the input. */
    @FuzzTest(maxDuration = "10m")
    void rawAbi(FuzzedDataProvider data) {
        RawAbiModel.Choices choices = new RawAbiModel.Choices() {
            @Override
            public int nextInt(int min, int max) {
                return data.consumeInt(min, max);
            }

            @Override
            public long nextLong() {
                return data.consumeLong();
            }
        };
        try (RawAbiModel model = new RawAbiModel(Engine.INTERPRETER)) {
            for (int i = 0; i < 64 && data.remainingBytes() > 0; i++) {
                model.step(choices);
            }
            model.sweep();
            assertEquals(0, model.escapes(), () -> String.join("\n", model.reports()));
            assertEquals(0, model.mismatches(), () -> String.join("\n", model.reports()));
        }
    }
}
