package dev.tvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** How failures no command explained become one line and an exit code. */
class ErrorReporterTest {
    @Test
    void aCauseChainIsOneLineWithEachCausesMessage() {
        IOException disk = new IOException("No space left on device");
        RuntimeException spill = new RuntimeException("writing 2097152 bytes to /spill/f failed", disk);
        CliError e = ErrorReporter.classify(new IllegalStateException("no room for a page", spill));
        assertEquals(Exit.IO, e.exitCode());
        assertTrue(
                e.getMessage()
                        .contains("no room for a page: caused by: RuntimeException: writing 2097152 bytes to /spill/f"
                                + " failed: caused by: IOException: No space left on device"),
                e.getMessage());
    }

    @Test
    void aCauseTheMessageAlreadyQuotesIsNotRepeated() {
        IOException disk = new IOException("No space left on device");
        String text = ErrorReporter.describe(
                new IllegalStateException("spill failed: IOException: No space left on device", disk));
        assertEquals("IllegalStateException: spill failed: IOException: No space left on device", text);
    }

    @Test
    void aFileSystemExceptionSaysWhatHappenedToWhichFile() {
        CliError e = ErrorReporter.classify(new NoSuchFileException("/no/such/file"));
        assertEquals(Exit.IO, e.exitCode());
        assertTrue(
                e.getMessage().startsWith("/no/such/file: /no/such/file: no such file or directory;"), e.getMessage());
    }

    @Test
    void multiLineMessagesBecomeOneLine() {
        assertEquals("a b c", ErrorReporter.oneLine("a\n  b\r\nc\n"));
    }

    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        private final Throwable failure;

        Boom(Throwable failure) {
            this.failure = failure;
        }

        @Override
        public Integer call() throws Exception {
            if (failure instanceof Error e) {
                throw e;
            }
            throw (Exception) failure;
        }
    }

    private static Cli.Result run(Throwable failure, String... args) {
        CommandLine cli = TvmCommand.commandLine();
        cli.addSubcommand("boom", new Boom(failure));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Cli.Result(exit, out.toString(), err.toString());
    }

    @Test
    void anUnexpectedExceptionIsAnInternalErrorInOneLine() {
        Cli.Result r = run(new NullPointerException("x is null"), "boom");
        assertEquals(Exit.INTERNAL, r.exit());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("tvm boom: internal error: java.lang.NullPointerException"), r.err());
        assertTrue(lines.get(0).contains("--verbose"), r.err());
    }

    @Test
    void anErrorThrownByACommandIsReportedTooNotThrownOut() {
        Cli.Result trap = run(new StackOverflowError(), "boom");
        assertEquals(Exit.TRAP, trap.exit(), trap.err());
        assertEquals(1, trap.err().lines().count(), trap.err());
        assertTrue(trap.err().contains("call stack exhausted"), trap.err());
        Cli.Result heap = run(new OutOfMemoryError("Java heap space"), "boom");
        assertEquals(Exit.RESOURCES, heap.exit(), heap.err());
        assertTrue(heap.err().contains("-Xmx"), heap.err());
        assertFalse(heap.err().contains("\tat "), heap.err());
    }

    @Test
    void verboseAddsTheTraceOfAnInternalError() {
        Cli.Result r = run(new NullPointerException("x is null"), "boom", "--verbose");
        assertEquals(Exit.INTERNAL, r.exit());
        assertTrue(r.err().contains("\tat "), r.err());
    }
}
