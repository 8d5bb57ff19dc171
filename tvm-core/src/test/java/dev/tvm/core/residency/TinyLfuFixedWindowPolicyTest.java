package dev.tvm.core.residency;

/**
 * The contract for a W-TinyLFU with a fixed, large window (25%), so the window, probation and
 * protected segments all hold many keys in the contract's small caches.
 */
class TinyLfuFixedWindowPolicyTest extends EvictionPolicyContractTest {
    @Override
    EvictionPolicy newPolicy(int capacity) {
        return new TinyLfuPolicy(capacity, 0.25, false);
    }
}
