package dev.tvm.core.memory;

/** The backing contract for {@link ArenaBacking}. */
class ArenaBackingContractTest extends BackingContractTest {
    @Override
    Backing create(long capacity) {
        return ArenaBacking.allocate(capacity);
    }
}
