#!/usr/bin/env bash
# Issue 11: what the stack check before every tvm import costs.
#   StackGuardBench (this commit): the check alone, and a first check that probes.
#   GuestAllocBench mode=alloc (one tvm.alloc host call per object) on this commit and on
#   BASELINE (default: the commit before the quota and stack-guard work), same JVM, same machine.
# Output: jmh-guard.txt, jmh-alloc-this.txt, jmh-alloc-baseline.txt, machine.txt in this directory.
#   bench-results/issue-11/run.sh [BASELINE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
baseline="${1:-aa0a9af}"
# shellcheck source=../lib.sh
source "$root/bench-results/lib.sh"
find_java
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$root" && build_bench_jars "$baseline" "$tmp")

{
    echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit:   $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
    echo "baseline: $baseline"
    echo "cpus:     $(nproc)"
    grep -m1 'model name' /proc/cpuinfo || true
    echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, before the run)"
    "$java" -version 2>&1
} > "$here/machine.txt"

run() { "$java" --enable-native-access=ALL-UNNAMED -Dtvm.guests.dir="$root/guests" -jar "$@"; }
run "$tmp/this.jar" 'dev\.tvm\.bench\.StackGuardBench\.' | tee "$here/jmh-guard.txt"
run "$tmp/this.jar" 'dev\.tvm\.bench\.GuestAllocBench\.guest' -p mode=alloc | tee "$here/jmh-alloc-this.txt"
run "$tmp/base.jar" 'dev\.tvm\.bench\.GuestAllocBench\.guest' -p mode=alloc | tee "$here/jmh-alloc-baseline.txt"
