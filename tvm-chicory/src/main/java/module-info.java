/**
 * TVM on Chicory: the {@code tvm} host module a guest imports (raw and typed WIT paths), guests
 * whose memories are regions, and Chicory memories on TVM backings.
 *
 * <p>Chicory's compiler is optional ({@code requires static}): without it on the module path,
 * guests run in the interpreter and asking for the compiler fails with a clear message.
 */
module dev.tvm.chicory {
    requires transitive dev.tvm.core;
    requires transitive com.dylibso.chicory.runtime;
    requires transitive com.dylibso.chicory.wasi;
    requires static com.dylibso.chicory.compiler;

    exports dev.tvm.chicory;
    exports dev.tvm.chicory.memory;
    exports dev.tvm.chicory.wit;
}
