package dev.tvm.chicory.memory;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;

/** The reference: Chicory's fastest stock memory must pass the contract as written. */
class ByteArrayMemoryContractTest extends MemoryContractTest {
    @Override
    Memory create(MemoryLimits limits) {
        return new ByteArrayMemory(limits);
    }
}
