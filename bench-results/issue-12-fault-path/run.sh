#!/usr/bin/env bash
# Issue 12: the fault path before and after the Region split (Pager).
#   FaultPathBench: one i64 load through RegionDirectory.getLong that faults a spilled page in
#   under a full 4 MiB budget. BASELINE (default 46cb452: the benchmark on the code before the
#   split) and this commit, built the same way and run alternately, five times each, on one JVM.
# Output: jmh-before-N.txt, jmh-after-N.txt, machine.txt in this directory.
#   bench-results/issue-12-fault-path/run.sh [BASELINE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib.sh
source "$root/bench-results/lib.sh"
baseline="${1:-46cb452}"
find_java
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$root" && mvn -q -B -DskipTests package -pl tvm-bench -am)
cp "$root/tvm-bench/target/benchmarks.jar" "$tmp/after.jar"
mkdir "$tmp/base"
git -C "$root" archive "$baseline" | tar -x -C "$tmp/base"
(cd "$tmp/base" && mvn -q -B -DskipTests package -pl tvm-bench -am)
cp "$tmp/base/tvm-bench/target/benchmarks.jar" "$tmp/before.jar"

{
    machine_basics
    echo "commit:  $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown) (after), $baseline (before)"
    load_line "before the run"
    "$java" -version 2>&1
} > "$here/machine.txt"
for n in 1 2 3 4 5; do
    for v in before after; do
        "$java" -jar "$tmp/$v.jar" FaultPathBench -f 1 -wi 3 -i 5 > "$here/jmh-$v-$n.txt" 2>&1
    done
done
load_line "after the run" >> "$here/machine.txt"
grep -H 'faultingLoad  avgt' "$here"/jmh-*.txt
