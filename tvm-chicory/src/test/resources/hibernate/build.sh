#!/bin/sh
# Rebuilds the hibernation test modules from their WAT sources with wabt's wat2wasm (Debian
# package "wabt", 1.0.32 here). Commit the .wasm files: the build does not run this.
set -eu
cd "$(dirname "$0")"
wat2wasm state.wat -o state.wasm
wat2wasm other.wat -o other.wasm
wat2wasm wasi.wat -o wasi.wasm
wat2wasm externref.wat -o externref.wasm
