#!/bin/sh
# Rebuilds the test modules from their WAT sources with wabt's wat2wasm (Debian package "wabt",
# 1.0.32 here). Commit the .wasm files: the build does not run this.
set -eu
cd "$(dirname "$0")"
wat2wasm memory.wat -o memory.wasm
wat2wasm --enable-threads atomics.wat -o atomics.wasm
wat2wasm imported.wat -o imported.wasm
wat2wasm --enable-multi-memory multi.wat -o multi.wasm
wat2wasm paged_fill.wat -o paged_fill.wasm
