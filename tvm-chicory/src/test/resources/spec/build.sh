#!/bin/sh
# Rebuilds the spec-test inputs from the .wast scripts here: wast2json writes each script's
# command list (NAME.json) and its modules (NAME.N.wasm). Needs Debian's wabt (1.0.32 here).
# Commit the outputs: the test build does not run this, and CI machines may lack wabt.
#
# Afterwards every script is checked against wabt's own reference interpreter, spectest-interp,
# when it is installed: the scripts must be right by the spec, not just by Chicory.
set -eu
cd "$(dirname "$0")"
rm -f ./*.json ./*.wasm ./*.wat
for wast in ./*.wast; do
    wast2json --enable-multi-memory "$wast" -o "${wast%.wast}.json"
done
if command -v spectest-interp >/dev/null 2>&1; then
    for json in ./*.json; do
        printf '%s: ' "$json"
        spectest-interp --enable-multi-memory "$json" | tail -n 1
    done
fi
