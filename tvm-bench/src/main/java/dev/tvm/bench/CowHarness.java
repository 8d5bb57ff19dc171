package dev.tvm.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import dev.tvm.chicory.GuestImage;
import dev.tvm.chicory.TvmGuest;
import dev.tvm.core.RegionDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * What idle instances of {@code guests/wasm/cowimage.wasm} (8 MiB of initialised memory) cost in
 * resident memory: N instances made copy-on-write from one image ({@code tvm}), or by Chicory's
 * own instantiation ({@code plain}); each answers once and then stores into W distinct pages of
 * its image. Reports the process's anonymous and file-backed resident memory ({@code RssAnon},
 * {@code RssFile} of {@code /proc/self/status}) before and after, per instance, next to the
 * bytes the instances wrote.
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -Xmx8g -cp tvm.jar dev.tvm.bench.CowHarness tvm 1000 3
 *   java -Xmx8g -cp tvm.jar dev.tvm.bench.CowHarness plain 300 3
 * </pre>
 */
public final class CowHarness {
    private static final int PAGE = 65536;

    private CowHarness() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3 || !(args[0].equals("tvm") || args[0].equals("plain"))) {
            throw new IllegalArgumentException("usage: CowHarness tvm|plain INSTANCES WRITTEN-PAGES");
        }
        boolean tvm = args[0].equals("tvm");
        int instances = Integer.parseInt(args[1]);
        int written = Integer.parseInt(args[2]);
        WasmModule module = GuestFiles.module("cowimage.wasm");
        Function<Instance, Machine> machines = MachineFactoryCompiler.compile(module);
        Path dir = Files.createTempDirectory("cow-harness");
        try (RegionDirectory directory = RegionDirectory.builder()
                .withResidentBudget(4L << 30)
                .withSpillDirectory(dir)
                .build()) {
            Path snapshot = dir.resolve("cowimage.snapshot");
            try (TvmGuest first = TvmGuest.builder(module, directory)
                    .withMachineFactory(machines)
                    .build()) {
                first.call("image_write", CowInstantiationBench.INIT_OFFSET, CowInstantiationBench.INIT_VALUE);
                first.hibernate(snapshot, null);
            }
            List<Object> live = new ArrayList<>();
            settle();
            long anon0 = status("RssAnon");
            long file0 = status("RssFile");
            long t0 = System.nanoTime();
            try (GuestImage image = GuestImage.open(snapshot)) {
                for (int i = 0; i < instances; i++) {
                    if (tvm) {
                        TvmGuest guest = TvmGuest.builder(module, directory)
                                .withMachineFactory(machines)
                                .fromImage(image);
                        check(guest.call("image_read", CowInstantiationBench.INIT_OFFSET)[0], true);
                        for (int w = 0; w < written; w++) {
                            guest.call("image_write", (5L + 17L * w) * PAGE, i);
                        }
                        live.add(guest);
                    } else {
                        Instance instance = Instance.builder(module)
                                .withMachineFactory(machines)
                                .build();
                        check(instance.export("image_read").apply(CowInstantiationBench.INIT_OFFSET)[0], false);
                        for (int w = 0; w < written; w++) {
                            instance.export("image_write").apply((5L + 17L * w) * PAGE, i);
                        }
                        live.add(instance);
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            settle();
            long anon = status("RssAnon") - anon0;
            long file = status("RssFile") - file0;
            System.out.printf(
                    Locale.ROOT,
                    "%s instances=%d written-pages=%d seconds=%.2f rss-anon-delta-mib=%.1f rss-file-delta-mib=%.1f"
                            + " anon-per-instance-kib=%.1f written-per-instance-kib=%d counted-resident-mib=%.1f%n",
                    args[0],
                    instances,
                    written,
                    seconds,
                    anon / 1048576.0,
                    file / 1048576.0,
                    anon / 1024.0 / instances,
                    written * PAGE / 1024,
                    directory.residencyStats().residentBytes() / 1048576.0);
            for (Object o : live) {
                if (o instanceof TvmGuest g) {
                    g.close();
                }
            }
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void check(long answer, boolean fromImage) {
        if ((answer == CowInstantiationBench.INIT_VALUE) != fromImage) {
            throw new IllegalStateException("wrong answer " + answer);
        }
    }

    private static void settle() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
    }

    /** A field of /proc/self/status in bytes. */
    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
