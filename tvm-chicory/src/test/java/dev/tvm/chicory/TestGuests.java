package dev.tvm.chicory;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The committed guest binaries under {@code guests/wasm}, parsed once per test JVM. */
public final class TestGuests {
    private static final Map<String, WasmModule> CACHE = new ConcurrentHashMap<>();

    private TestGuests() {}

    /** Path of {@code guests/wasm/NAME}. */
    public static Path path(String name) {
        String dir = System.getProperty("tvm.guests.dir");
        Path base = dir != null ? Path.of(dir) : Path.of("..", "guests");
        Path file = base.resolve("wasm").resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("missing guest binary " + file.toAbsolutePath()
                    + "; it is committed, or rebuild it with guests/build.sh");
        }
        return file;
    }

    /** The parsed module {@code guests/wasm/NAME}. */
    public static WasmModule module(String name) {
        return CACHE.computeIfAbsent(name, n -> Parser.parse(path(n)));
    }

    /**
     * The regions of {@code dir} that are not guests' linear memories: what tenants and the host
     * made (every {@link TvmGuest} adds one region per memory it defines).
     */
    public static int tenantRegions(dev.tvm.core.RegionDirectory dir) {
        return (int) dir.list().stream()
                .filter(info -> dir.region(info.ref()).guestPages() == null)
                .count();
    }
}
