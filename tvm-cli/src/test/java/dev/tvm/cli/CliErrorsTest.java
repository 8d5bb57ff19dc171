package dev.tvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input of issue 11 ends in exactly one line on stderr, {@code tvm <command>: <input>:
 * <what is wrong>; <what to do>}, naming the input, with no Java stack trace, and a documented
 * non-zero exit code.
 */
class CliErrorsTest {
    @TempDir
    Path dir;

    /** The one stderr line of a failed command, after checking the exit code and that there is no trace. */
    private static String oneLine(Cli.Result r, int exit, String command) {
        assertEquals(exit, r.exit(), "exit code; stderr:\n" + r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), "exactly one line on stderr:\n" + r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(r.err().contains("Exception in thread"), r.err());
        String line = lines.get(0);
        assertTrue(line.startsWith("tvm " + command + ": "), line);
        assertTrue(line.contains("; "), "says what to do after '; ': " + line);
        return line;
    }

    private static void assertMentions(String line, String... parts) {
        for (String p : parts) {
            assertTrue(line.contains(p), "'" + p + "' in: " + line);
        }
    }

    // ------------------------------------------------------------------ run: the module file

    @Test
    void runOfATextFileSaysItIsNotAWasmModule() throws IOException {
        Path file = TestGuests.write(dir.resolve("notes.txt"), "hello, not wasm\n".getBytes(StandardCharsets.UTF_8));
        String line = oneLine(Cli.run("run", file.toString()), Exit.USAGE, "run");
        assertMentions(line, file.toString(), "not a valid WebAssembly module", "wasm magic");
    }

    @Test
    void runOfWatTextSaysToCompileIt() throws IOException {
        Path file = TestGuests.write(dir.resolve("m.wat"), "(module)\n".getBytes(StandardCharsets.UTF_8));
        assertMentions(oneLine(Cli.run("run", file.toString()), Exit.USAGE, "run"), file.toString(), "wat2wasm");
    }

    @Test
    void runOfAnEmptyFileSaysItIsEmpty() throws IOException {
        Path file = TestGuests.write(dir.resolve("empty.wasm"), new byte[0]);
        assertMentions(oneLine(Cli.run("run", file.toString()), Exit.USAGE, "run"), file.toString(), "empty");
    }

    @Test
    void runOfATruncatedModuleNamesTheCutSection() throws IOException {
        byte[] good = Files.readAllBytes(Cli.guest("fastpath.wasm"));
        Path file = TestGuests.write(dir.resolve("half.wasm"), Arrays.copyOf(good, good.length / 2));
        String line = oneLine(Cli.run("run", file.toString()), Exit.USAGE, "run");
        assertMentions(line, file.toString(), "not a valid WebAssembly module", "truncated", "section at offset");
    }

    @Test
    void runOfAModuleWithABadSectionGivesChicorysReason() throws IOException {
        byte[] bytes = Files.readAllBytes(TestGuests.trapping(dir));
        // the type section (id 1) at offset 8: size, count, then 0x60 per function type; break the first type
        assertEquals(1, bytes[8]);
        assertEquals(0x60, bytes[11] & 0xFF);
        bytes[11] = 0x55;
        Path file = TestGuests.write(dir.resolve("bad-type.wasm"), bytes);
        String line = oneLine(Cli.run("run", file.toString(), "--invoke", "go"), Exit.USAGE, "run");
        assertMentions(line, file.toString(), "not a valid WebAssembly module: ");
        assertTrue(line.length() > (file + ": not a valid WebAssembly module: ").length() + 30, "a reason: " + line);
    }

    @Test
    void runOfADirectoryIsRefused() {
        assertMentions(
                oneLine(Cli.run("run", dir.toString()), Exit.USAGE, "run"), dir.toString(), "not a regular file");
    }

    @Test
    void runListsEveryImportNobodyProvidesWithItsKind() throws IOException {
        Path file = TestGuests.unresolved(dir);
        String line = oneLine(Cli.run("run", file.toString()), Exit.USAGE, "run");
        assertMentions(line, file.toString(), "function env.missing_fn", "function tvm.no_such_tvm_fn", "WASI");
        assertFalse(line.contains("proc_exit"), "WASI's proc_exit is provided: " + line);
    }

    // ------------------------------------------------------------------ run: exports and arguments

    @Test
    void invokeOfAMissingExportListsTheExportedFunctions() {
        String guest = Cli.guest("fastpath.wasm").toString();
        String line = oneLine(Cli.run("run", guest, "--invoke", "no_such_export"), Exit.USAGE, "run");
        assertMentions(line, guest, "no function 'no_such_export'", "selftest", "abi_alloc");
    }

    @Test
    void runOfAModuleWithoutStartSaysToUseInvoke() throws IOException {
        Path file = TestGuests.trapping(dir);
        assertMentions(oneLine(Cli.run("run", file.toString()), Exit.USAGE, "run"), "_start", "--invoke", "first");
    }

    @Test
    void anArgumentThatIsNotANumberNamesItsPositionAndType() throws IOException {
        Path file = TestGuests.trapping(dir);
        String line = oneLine(Cli.run("run", file.toString(), "--invoke", "first", "abc", "1.5"), Exit.USAGE, "run");
        assertMentions(line, "argument 1 'abc'", "not an i32", "decimal integer");
        String second = oneLine(Cli.run("run", file.toString(), "--invoke", "first", "7", "x"), Exit.USAGE, "run");
        assertMentions(second, "argument 2 'x'", "not a f64");
    }

    @Test
    void aWrongArgumentCountIsOneLine() {
        String line = oneLine(
                Cli.run("run", Cli.guest("fastpath.wasm").toString(), "--invoke", "abi_alloc", "1"), Exit.USAGE, "run");
        assertMentions(line, "--invoke abi_alloc", "takes 2 argument(s)");
    }

    // ------------------------------------------------------------------ run: traps

    @Test
    void aTrapNamesItsKindAndTheFunctionFromTheNameSection() throws IOException {
        Path file = TestGuests.trapping(dir);
        String line = oneLine(Cli.run("run", file.toString(), "--invoke", "go"), Exit.TRAP, "run");
        assertMentions(
                line, file.toString(), "unreachable", "function 'inner_fn' (#0)", "called from function 'outer_fn'");
    }

    @Test
    void aTrapOnTheInterpreterStillGivesItsKind() throws IOException {
        Path file = TestGuests.trapping(dir);
        String line =
                oneLine(Cli.run("run", "--engine", "interpreter", file.toString(), "--invoke", "go"), Exit.TRAP, "run");
        assertMentions(line, file.toString(), "unreachable", "--engine compiler");
    }

    @Test
    void aTvmTrapNamesItsErrorCode() {
        // tvm_load on a handle of region 0 (the null handle) traps: loads have no result to carry a code
        String guest = Cli.guest("fastpath.wasm").toString();
        String line = oneLine(Cli.run("run", guest, "--invoke", "abi_load_i64", "0", "0"), Exit.TRAP, "run");
        assertMentions(line, guest, "tvm trap", "FORGED_HANDLE");
    }

    // ------------------------------------------------------------------ run: guest arguments

    @Test
    void guestArgumentsThatStartWithADashGoAfterTheSeparator() throws IOException {
        Path file = TestGuests.argvEcho(dir);
        // argc 3 (program, "-x", "--y") + '-' (45): proc_exit's code is the exit code
        assertEquals(48, Cli.run("run", file.toString(), "--", "-x", "--y").exit());
        assertEquals(3 + 'a', Cli.run("run", file.toString(), "a", "b").exit());
        String help = Cli.run("run", "--help").out();
        assertTrue(help.contains("after '--'"), help);
    }

    @Test
    void aDashArgumentWithoutTheSeparatorIsOneLineThatPointsToIt() throws IOException {
        Path file = TestGuests.argvEcho(dir);
        String line = oneLine(Cli.run("run", file.toString(), "-x"), Exit.USAGE, "run");
        assertMentions(line, "-x", "'--'");
    }

    @Test
    void negativeInvokeArgumentsPassAfterTheSeparator() throws IOException {
        Path file = TestGuests.trapping(dir);
        Cli.Result r = Cli.run("run", file.toString(), "--invoke", "first", "--", "-5", "2.5");
        assertEquals(0, r.exit(), r.err());
        assertEquals("-5", r.out().strip());
    }

    // ------------------------------------------------------------------ demo options

    @Test
    void demoSizeThatIsNotASizeIsOneLine() {
        assertMentions(oneLine(Cli.run("demo", "--size", "12q"), Exit.USAGE, "demo"), "--size 12q", "not a size");
    }

    @Test
    void demoNegativeSizeIsOneLine() {
        assertMentions(oneLine(Cli.run("demo", "--size", "-1g"), Exit.USAGE, "demo"), "--size -1g", "negative");
    }

    @Test
    void demoNegativeBudgetIsOneLine() {
        assertMentions(oneLine(Cli.run("demo", "--budget", "-5m"), Exit.USAGE, "demo"), "--budget -5m", "negative");
    }

    @Test
    void demoBudgetThatIsNotASizeIsOneLine() {
        assertMentions(oneLine(Cli.run("demo", "--budget", "12q"), Exit.USAGE, "demo"), "--budget 12q", "not a size");
    }

    @Test
    void demoZeroBudgetIsRefusedAndPointsToNone() {
        assertMentions(oneLine(Cli.run("demo", "--budget", "0"), Exit.USAGE, "demo"), "--budget 0", "'none'");
    }

    @Test
    void demoRegionsOutOfRangeIsOneLine() {
        assertMentions(oneLine(Cli.run("demo", "--regions", "17"), Exit.USAGE, "demo"), "--regions 17", "1 to 16");
    }

    @Test
    void demoSpillDirThatIsAFileIsRefused() throws IOException {
        Path file = TestGuests.write(dir.resolve("a-file"), new byte[1]);
        String line = oneLine(
                Cli.run("demo", "--size", "8m", "--regions", "2", "--budget", "4m", "--spill-dir", file.toString()),
                Exit.USAGE,
                "demo");
        assertMentions(line, "--spill-dir " + file, "not a directory");
    }

    @Test
    void demoSpillDirThatCannotBeWrittenIsAnIoError() throws IOException {
        Path readOnly = Files.createDirectory(dir.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (writable(readOnly)) {
            readOnly = Path.of("/sys"); // as root, permissions do not stop a write: sysfs does
        }
        assumeTrue(!writable(readOnly), "a directory this user cannot write to");
        String line = oneLine(
                Cli.run("demo", "--size", "8m", "--regions", "2", "--budget", "4m", "--spill-dir", readOnly.toString()),
                Exit.IO,
                "demo");
        assertMentions(line, "--spill-dir " + readOnly, "cannot create a file there");
    }

    private static boolean writable(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, "probe", ".tmp"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void demoCreatesAMissingSpillDirWhoseParentExists() {
        Path spill = dir.resolve("new-spill");
        Cli.Result r =
                Cli.run("demo", "--size", "8m", "--regions", "2", "--budget", "4m", "--spill-dir", spill.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.isDirectory(spill));
    }

    @Test
    void demoRefusesASpillDirWhoseParentIsMissingToo() {
        Path spill = dir.resolve("no-parent").resolve("spill");
        String line = oneLine(
                Cli.run("demo", "--size", "8m", "--regions", "2", "--budget", "4m", "--spill-dir", spill.toString()),
                Exit.USAGE,
                "demo");
        assertMentions(line, "--spill-dir " + spill, "does not exist either", "create it first");
        assertFalse(Files.exists(spill.getParent()));
    }

    // ------------------------------------------------------------------ output files

    @Test
    void shellIntoAMissingDirectoryIsOneLine() {
        Path out = dir.resolve("missing").resolve("shell.wasm");
        String line = oneLine(Cli.run("shell", "-o", out.toString()), Exit.USAGE, "shell");
        assertMentions(line, "-o " + out, "does not exist");
    }

    @Test
    void linkIntoAMissingDirectoryIsOneLine() {
        Path out = dir.resolve("missing").resolve("linked.wasm");
        String line = oneLine(
                Cli.run("link", Cli.guest("shell_workloads.wasm").toString(), "-o", out.toString()),
                Exit.USAGE,
                "link");
        assertMentions(line, "-o " + out, "does not exist");
    }

    // ------------------------------------------------------------------ the top command

    @Test
    void unknownOptionIsOneLine() {
        assertMentions(oneLine(Cli.run("demo", "--no-such-option"), Exit.USAGE, "demo"), "--no-such-option");
    }

    @Test
    void verbosePrintsTheTraceAfterTheLine() throws IOException {
        Path file = TestGuests.write(dir.resolve("empty.wasm"), new byte[0]);
        Cli.Result r = Cli.run("run", "--verbose", file.toString());
        assertEquals(Exit.USAGE, r.exit());
        List<String> lines = r.err().lines().toList();
        assertTrue(lines.get(0).startsWith("tvm run: " + file + ": "), r.err());
        assertTrue(r.err().contains("\tat "), "a Java stack trace follows: " + r.err());
        Cli.Result before = Cli.run("--verbose", "run", file.toString());
        assertTrue(before.err().contains("\tat "), "--verbose is global: " + before.err());
    }

    @Test
    void helpListsTheExitCodes() {
        String help = Cli.run("--help").out();
        assertTrue(help.contains("Exit codes:"), help);
        assertTrue(help.contains("  4   the guest trapped"), help);
        assertTrue(help.contains("--verbose"), help);
    }

    @Test
    void versionIsTheProjectVersion() {
        String version = Cli.run("--version").out().strip();
        assertTrue(version.matches("tvm \\d+\\.\\d+\\.\\d+.*"), version);
    }
}
