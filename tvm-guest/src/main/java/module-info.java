/**
 * TVM's guest-side form: self-contained multi-memory shells and the static linker that joins a
 * guest to one. The wasm binary writer they share ({@code dev.tvm.guest.wasm}) is internal.
 */
module dev.tvm.guest {
    requires transitive dev.tvm.core;

    exports dev.tvm.guest;
    exports dev.tvm.guest.link;
}
