#!/usr/bin/env bash
# Issue 12: the fault path before and after the Region split (Pager).
#   FaultPathBench: one i64 load through RegionDirectory.getLong that faults a spilled page in
#   under a full 4 MiB budget. BASELINE (default 46cb452: the benchmark on the code before the
#   split) and this commit, built the same way and run alternately, five times each, on one JVM.
#   HandleAccessBench's loads (raw segment, region, directory), the hot path the split also
#   touched, alternately three times each.
# Output: jmh-before-N.txt, jmh-after-N.txt, access-before-N.txt, access-after-N.txt, machine.txt.
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

(cd "$root" && build_bench_jars "$baseline" "$tmp")
mv "$tmp/this.jar" "$tmp/after.jar"
mv "$tmp/base.jar" "$tmp/before.jar"

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
for n in 1 2 3; do
    for v in before after; do
        "$java" -jar "$tmp/$v.jar" 'HandleAccessBench\.(rawGet|regionGet|directoryGet)$' -f 1 -wi 3 -i 5 \
            > "$here/access-$v-$n.txt" 2>&1
    done
done
load_line "after the run" >> "$here/machine.txt"
grep -H 'faultingLoad  avgt' "$here"/jmh-*.txt
grep -H 'Get  *avgt' "$here"/access-*.txt
