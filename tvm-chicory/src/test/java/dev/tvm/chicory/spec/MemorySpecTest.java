package dev.tvm.chicory.spec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The spec scripts written for this project (or those under {@code -Dtvm.spectest.dir}), on
 * region-backed memories and on {@code ByteArrayMemory}, in both engines: see {@link SpecChecks}.
 */
class MemorySpecTest extends SpecChecks {

    @Override
    SpecSuite suite() {
        return SpecSuite.configured();
    }

    /** The bundled scripts are a real suite, and pass everywhere. */
    @Test
    void bundledSuiteIsLargeAndPasses() {
        Assumptions.assumeTrue(SpecSuite.bundled(), "an external suite is running");
        long assertions = suite().scripts().stream()
                .flatMap(s -> s.commands().stream())
                .filter(c -> c.type().startsWith("assert_"))
                .count();
        assertTrue(assertions >= 500, "only " + assertions + " assertions");
        System.out.println("assertions: " + assertions);
        assertPassesEverywhere(suite());
    }
}
