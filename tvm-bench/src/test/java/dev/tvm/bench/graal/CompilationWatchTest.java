package dev.tvm.bench.graal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** {@link GraalMatrix.CompilationWatch} on trace lines as Truffle 25.0.2 writes them. */
class CompilationWatchTest {
    private static void log(GraalMatrix.CompilationWatch w, String message) {
        LogRecord r = new LogRecord(Level.INFO, message);
        r.setLoggerName("engine");
        w.publish(r);
    }

    @Test
    void queueIsIdleOnlyAfterEveryQueuedTargetFinished() {
        GraalMatrix.CompilationWatch w = new GraalMatrix.CompilationWatch();
        assertFalse(w.idleFor(0), "nothing compiled yet");
        log(w, "opt queued engine=1  id=78    bench_run     |Tier 1|Count/Thres      32770/       75|Queue: Size    1");
        log(w, "opt queued engine=1  id=303   bench_run<OSR@1392>   |Tier 2|Count/Thres   0/  2500|Queue: Size    2");
        log(w, "opt start  engine=1  id=78    bench_run     |Tier 1|Priority 644378400|Rate 0.000905|Queue: Size 1");
        log(w, "opt done   engine=1  id=78    bench_run     |Tier 1|Time  2288(1774+514 )ms|AST   10|Inlined   0Y");
        assertFalse(w.idleFor(0), "the OSR target is still queued");
        log(w, "opt failed engine=1  id=303   bench_run<OSR@1392>   |Tier 2|Time 12(1+11)ms|Reason: bailout");
        assertTrue(w.idleFor(0));
        assertFalse(w.idleFor(60_000_000_000L), "the last event was just now");
        log(w, "opt deopt  engine=1  id=78    bench_run     |          |UTC 2026-11-21T22:47:41.761|Src n/a");
        assertEquals(new GraalMatrix.CompilationWatch.Counts(1, 1, 1), w.counts());
    }

    @Test
    void unqueuedTargetsLeaveTheQueue() {
        GraalMatrix.CompilationWatch w = new GraalMatrix.CompilationWatch();
        log(w, "opt queued engine=1  id=5     f     |Tier 1|Count/Thres  100/  125|Queue: Size    1");
        log(w, "opt done   engine=1  id=6     g     |Tier 1|Time  20(10+10 )ms|AST   10");
        assertFalse(w.idleFor(0));
        log(w, "opt unque. engine=1  id=5     f     |Tier 1|Count/Thres  100/  125|Queue: Size    0|Reason gone");
        assertTrue(w.idleFor(0));
    }
}
