package dev.tvm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed with {@code SIGKILL} while it writes a snapshot never damages the previous
 * one: a child JVM rewrites one snapshot file again and again, each time with every byte of its
 * regions at a new version; the test kills it at a random moment, then the file must open, pass
 * every page's CRC, and hold one whole version (never a mix, never a partial file); any temporary
 * file left beside it either is refused as damaged or is itself a whole snapshot.
 *
 * <p>{@code -Dtvm.snapshotCrash.trials=N} sets the number of trials (100 by default).
 */
class SnapshotCrashTest {
    private static final int REGIONS = 3;
    private static final long REGION_BYTES = 6L << 20;
    private static final int STRIDE = 4096;

    @TempDir
    Path tmp;

    @Test
    void aSnapshotKilledAtAnyMomentLeavesThePreviousOneWhole() throws Exception {
        int trials = Integer.getInteger("tvm.snapshotCrash.trials", 100);
        Random random = new Random(20261203);
        int killedMidWrite = 0;
        for (int trial = 0; trial < trials; trial++) {
            Path dir = Files.createDirectory(tmp.resolve("t" + trial));
            Path snapshot = dir.resolve("state.tvm");
            Process child = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElse("java"),
                            "--enable-native-access=ALL-UNNAMED",
                            "-Xmx256m",
                            "-XX:TieredStopAtLevel=1",
                            "-cp",
                            System.getProperty("java.class.path"),
                            SnapshotCrashTest.class.getName(),
                            snapshot.toString())
                    .redirectErrorStream(true)
                    .start();
            int lastDone;
            long[] handles;
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line = out.readLine(); // "handles h1 h2 h3"
                if (line == null || !line.startsWith("handles ")) {
                    fail("trial " + trial + ": the child did not start: " + line);
                }
                handles = java.util.Arrays.stream(line.substring(8).split(" "))
                        .mapToLong(Long::parseLong)
                        .toArray();
                line = out.readLine(); // "done 1": a first snapshot is in place
                if (line == null || !line.startsWith("done ")) {
                    fail("trial " + trial + ": the child did not write its first snapshot: " + line);
                }
                lastDone = Integer.parseInt(line.substring(5));
                long killAt = System.nanoTime() + random.nextInt(400) * 1_000_000L;
                while (System.nanoTime() < killAt) {
                    if (out.ready() && (line = out.readLine()) != null && line.startsWith("done ")) {
                        lastDone = Integer.parseInt(line.substring(5));
                    } else {
                        Thread.sleep(1);
                    }
                }
                child.destroyForcibly(); // SIGKILL
                child.waitFor(30, TimeUnit.SECONDS);
            } finally {
                child.destroyForcibly();
            }
            int version = verifiedVersion(snapshot, handles, "trial " + trial);
            assertTrue(
                    version >= lastDone,
                    "trial " + trial + ": snapshot holds version " + version + ", older than the last reported "
                            + lastDone);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(p -> !p.equals(snapshot)).toList()) {
                    killedMidWrite++;
                    try {
                        verifiedVersion(p, handles, "trial " + trial + " leftover " + p.getFileName());
                    } catch (TvmException e) {
                        assertEquals(ErrorCode.SPILL_CORRUPT, e.code(), e.getMessage());
                    }
                }
            }
        }
        System.out.println("SnapshotCrashTest: " + trials + " kills, " + killedMidWrite
                + " of them left a temporary snapshot behind (killed mid-write); every snapshot opened whole");
    }

    /** Opens and fully verifies a snapshot; returns the one version every byte holds. */
    private static int verifiedVersion(Path file, long[] handles, String what) {
        try (RegionDirectory d =
                RegionDirectory.builder().withSnapshotVerification(true).open(file)) {
            assertEquals(REGIONS, d.liveRegions().size(), what);
            long version = -1;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(REGION_BYTES);
                for (long handle : handles) {
                    d.read(handle, 0, buffer, 0, REGION_BYTES);
                    long v = buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                    if (version < 0) {
                        version = v;
                    }
                    for (long at = 0; at < REGION_BYTES; at += STRIDE) {
                        assertEquals(version, buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, at), what + " at " + at);
                        assertEquals((byte) version, buffer.get(ValueLayout.JAVA_BYTE, at + 8), what + " at " + at);
                        assertEquals((byte) version, buffer.get(ValueLayout.JAVA_BYTE, at + STRIDE - 1), what);
                    }
                }
            }
            return (int) version;
        }
    }

    /** The child: snapshot versions 1, 2, 3, ... to the file named by {@code args[0]} until killed. */
    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        try (RegionDirectory d = RegionDirectory.builder().build();
                Arena arena = Arena.ofConfined()) {
            List<long[]> handles = new ArrayList<>();
            for (int i = 0; i < REGIONS; i++) {
                Region r = d.create(RegionSpec.of(RegionKind.BLOB_ARENA).withCapacity(REGION_BYTES));
                handles.add(new long[] {r.allocate(REGION_BYTES)});
            }
            StringBuilder line = new StringBuilder("handles");
            for (long[] h : handles) {
                line.append(' ').append(h[0]);
            }
            System.out.println(line);
            MemorySegment page = arena.allocate(REGION_BYTES);
            for (int version = 1; ; version++) {
                page.fill((byte) version);
                for (long at = 0; at < REGION_BYTES; at += STRIDE) {
                    page.set(ValueLayout.JAVA_LONG_UNALIGNED, at, version);
                }
                for (long[] h : handles) {
                    d.write(h[0], 0, page, 0, REGION_BYTES);
                }
                d.snapshot(file);
                System.out.println("done " + version);
                System.out.flush();
            }
        }
    }
}
