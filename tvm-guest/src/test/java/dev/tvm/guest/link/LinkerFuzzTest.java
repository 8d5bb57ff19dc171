package dev.tvm.guest.link;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import dev.tvm.guest.ShellGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes the static linker on arbitrary bytes. Each input picks a starting module (the C workload
 * guest, the feature guest, nothing) and a role (guest or shell), then overwrites, inserts or cuts
 * bytes where the fuzzer says. Invariants: {@link Linker#link} returns or throws {@link
 * LinkException} (any other exception is a finding), a refusal names an offset inside the input,
 * and a guest that Chicory accepts links into a module that Chicory accepts too.
 */
class LinkerFuzzTest {
    private static final byte[] SHELL =
            ShellGenerator.builder().withPools(2).withMaximumPages(16).build().generate();
    private static final byte[][] STARTS = {read("shell_workloads.wasm"), read("link_features.wasm"), new byte[0]};
    private static final Linker LINKER = Linker.builder().build();

    private static byte[] read(String name) {
        try {
            return Files.readAllBytes(Path.of(System.getProperty("tvm.guests.dir", "../guests"), "wasm", name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void linker(FuzzedDataProvider data) {
        byte[] input = mutate(STARTS[data.consumeInt(0, STARTS.length - 1)], data);
        boolean asShell = data.consumeBoolean();
        try {
            byte[] out = asShell
                    ? LINKER.link(STARTS[1], input).wasm()
                    : LINKER.link(input, SHELL).wasm();
            if (!asShell && acceptedByChicory(input)) {
                assertTrue(acceptedByChicory(out), "a guest Chicory accepts linked into a module it refuses");
            }
        } catch (LinkException e) {
            assertTrue(e.offset() >= -1 && e.offset() <= Math.max(input.length, SHELL.length), e.getMessage());
        }
    }

    /** Applies up to 8 fuzzer-chosen edits: overwrite a byte, insert bytes, or cut the tail. */
    private static byte[] mutate(byte[] start, FuzzedDataProvider data) {
        byte[] b = start.clone();
        int edits = data.consumeInt(0, 8);
        for (int i = 0; i < edits && data.remainingBytes() > 0; i++) {
            switch (data.consumeInt(0, 2)) {
                case 0 -> {
                    if (b.length > 0) {
                        b[data.consumeInt(0, b.length - 1)] = data.consumeByte();
                    }
                }
                case 1 -> {
                    int at = data.consumeInt(0, b.length);
                    byte[] ins = data.consumeBytes(data.consumeInt(1, 16));
                    byte[] n = new byte[b.length + ins.length];
                    System.arraycopy(b, 0, n, 0, at);
                    System.arraycopy(ins, 0, n, at, ins.length);
                    System.arraycopy(b, at, n, at + ins.length, b.length - at);
                    b = n;
                }
                default -> b = java.util.Arrays.copyOf(b, data.consumeInt(0, b.length));
            }
        }
        if (start.length == 0) {
            b = data.consumeRemainingAsBytes();
        }
        return b;
    }

    /**
     * Whether Chicory parses and instantiates {@code wasm}. Chicory 1.7.5 answers some malformed
     * modules with an {@link AssertionError} from its parser when assertions are on (found by this
     * target: {@code crash-5d94c5af…}, eight bytes); that counts as a refusal here, it is Chicory's.
     */
    private static boolean acceptedByChicory(byte[] wasm) {
        try {
            Instance.builder(Parser.parse(wasm)).withStart(false).build();
            return true;
        } catch (RuntimeException | LinkageError | StackOverflowError | AssertionError e) {
            return false;
        }
    }
}
