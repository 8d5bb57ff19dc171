#!/usr/bin/env bash
# Rebuilds the stand-in workload modules used to test engines/bench.mjs (Debian wabt's wat2wasm).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
wat2wasm standin-m32.wat -o standin-m32.wasm
wat2wasm --enable-memory64 standin-m64.wat -o standin-m64.wasm
