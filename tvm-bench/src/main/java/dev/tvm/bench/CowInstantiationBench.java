package dev.tvm.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.chicory.GuestImage;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.RegionDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Copy-on-write instantiation against Chicory's own, for {@code guests/wasm/cowimage.wasm} (memory
 * 0 starts with an 8 MiB initialised image in one active data segment). Each operation makes an
 * instance and makes its first call ({@code image_read} of the word the initializer wrote), so
 * both sides pay what an instance costs until it answers; the module is parsed and compiled once,
 * outside the measurement, and both sides use that one machine factory. Microseconds per
 * operation.
 *
 * <ul>
 *   <li>{@code chicory}: {@code Instance.builder(module).withMachineFactory(machines).build()},
 *       Chicory's default {@code ByteArrayMemory}: a fresh memory and the 8 MiB segment copied
 *       into it.
 *   <li>{@code tvmFromImage}: {@link TvmGuest.Builder#fromImage} of a snapshot taken once after an
 *       initializer ran: regions reserved, the image's pages mapped copy-on-write, globals and
 *       tables put back; the guest is closed again (regions destroyed, mappings dropped) inside
 *       the operation.
 *   <li>{@code tvmBuild}: {@link TvmGuest.Builder#build}, the ordinary instantiation into paged
 *       region memory (the segment copied in), for reference.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CowInstantiationBench {
    /** Where the initializer writes (a byte offset into the image) and what. */
    static final int INIT_OFFSET = 8000;

    static final int INIT_VALUE = 0x5eed;

    @Param({"compiler", "interpreter"})
    public String engine;

    private WasmModule module;
    private Function<Instance, Machine> machines;
    private Path dir;
    private RegionDirectory directory;
    private GuestImage image;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        module = GuestFiles.module("cowimage.wasm");
        machines = engine.equals("compiler") ? MachineFactoryCompiler.compile(module) : InterpreterMachine::new;
        dir = Files.createTempDirectory("cow-bench");
        directory = RegionDirectory.builder()
                .withResidentBudget(1L << 30)
                .withSpillDirectory(dir)
                .build();
        Path snapshot = dir.resolve("cowimage.snapshot");
        try (TvmGuest first =
                TvmGuest.builder(module, directory).withMachineFactory(machines).build()) {
            first.call("image_write", INIT_OFFSET, INIT_VALUE); // the "initializer"
            first.hibernate(snapshot, null);
        }
        image = GuestImage.open(snapshot);
        long original = chicory();
        if (tvmFromImage() != INIT_VALUE || tvmBuild() != original || original == INIT_VALUE) {
            throw new IllegalStateException("cowimage does not answer as expected");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        image.close();
        directory.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    public long chicory() {
        Instance instance =
                Instance.builder(module).withMachineFactory(machines).build();
        return instance.export("image_read").apply(INIT_OFFSET)[0];
    }

    @Benchmark
    public long tvmFromImage() {
        try (TvmGuest guest =
                TvmGuest.builder(module, directory).withMachineFactory(machines).fromImage(image)) {
            return guest.call("image_read", INIT_OFFSET)[0];
        }
    }

    @Benchmark
    public long tvmBuild() {
        try (TvmGuest guest =
                TvmGuest.builder(module, directory).withMachineFactory(machines).build()) {
            return guest.call("image_read", INIT_OFFSET)[0];
        }
    }
}
