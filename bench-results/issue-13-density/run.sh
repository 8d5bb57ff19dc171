#!/usr/bin/env bash
# Reproduces bench-results/issue-13-density (issue 13, target "Density"): 10,000 live kvstore
# instances as TvmGuests under a 1 GiB resident budget, then plain Chicory (ByteArrayMemory) with
# the same -Xmx until it runs out of memory. Writes machine.txt, tvm.txt and plain.txt.
#
#   bench-results/issue-13-density/run.sh                 # ~10 minutes here
#   N=2000 BUDGET=256m XMX=2g bench-results/issue-13-density/run.sh
#
# JAR=path/to/benchmarks.jar skips the Maven build. JAVA may point at a JDK 25+ `java`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

# shellcheck source=../lib.sh
source "$here/../lib.sh"
find_java

N="${N:-10000}"
BUDGET="${BUDGET:-1g}"
XMX="${XMX:-2g}"
ENTRIES="${ENTRIES:-5000}"
MAX_MEMORY="${MAX_MEMORY:-64m}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [[ -z "${JAR:-}" ]]; then
    mvn -q -B -DskipTests package -pl tvm-bench -am
    JAR=tvm-bench/target/benchmarks.jar
fi
# A private copy of the jar: other work in this checkout may rebuild tvm-bench/target meanwhile.
cp "$JAR" "$tmp/benchmarks.jar"

{
    machine_basics
    echo "commit:  $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
    load_line "before the run"
    "$java" -version 2>&1
} > "$here/machine.txt"

run() {
    local out="$1"
    shift
    local cmd=("$java" "-Xmx$XMX" --enable-native-access=ALL-UNNAMED -Dtvm.guests.dir="$root/guests"
        -cp "$tmp/benchmarks.jar" dev.tvm.bench.DensityHarness "$@")
    echo "# ${cmd[*]}" | sed "s|$tmp|\$tmp|g" > "$here/$out"
    /usr/bin/time -v "${cmd[@]}" >> "$here/$out" 2> "$tmp/time.txt" || echo "# exit $?" >> "$here/$out"
    grep -E "Maximum resident|Elapsed|Exit status" "$tmp/time.txt" | sed 's/^\s*/# time: /' >> "$here/$out"
    load_line "after $out" >> "$here/machine.txt"
}

run tvm.txt tvm "$N" "$BUDGET" "entries=$ENTRIES" "max-memory=$MAX_MEMORY" spill-dir="$tmp"
run plain.txt plain "$N" "entries=$ENTRIES"
cat "$here/tvm.txt" "$here/plain.txt"
