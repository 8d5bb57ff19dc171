#!/usr/bin/env bash
# Reproduces bench-results/issue-2: builds tvm-bench and runs the issue-2 JMH benchmarks once, on JDK 25,
# writing jmh.json, jmh.txt and machine.txt next to this script.
#
#   bench-results/issue-2/run.sh                 # the issue-2 set (about 6 minutes on 2 cores)
#   bench-results/issue-2/run.sh GuestAlloc      # arguments replace the default selection (JMH regex, -p, ...)
#
# The jar also holds benchmarks of other issues; by default only this issue's classes run.
#
# JAVA may point at a JDK 25+ `java`; otherwise /usr/lib/jvm/temurin-25* is used.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

# shellcheck source=../lib.sh
source "$here/../lib.sh"
find_java

mvn -q -B -DskipTests package -pl tvm-bench -am

{
    machine_basics
    echo "commit:  $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
    echo "uncommitted changes in the measured modules (git diff --stat HEAD -- tvm-core tvm-chicory):"
    git -C "$root" diff --stat HEAD -- tvm-core tvm-chicory 2>/dev/null | sed 's/^/    /' || true
    load_line "before the run"
    "$java" -version 2>&1
} > "$here/machine.txt"

if [[ $# -eq 0 ]]; then
    set -- 'dev\.tvm\.bench\.(HandleAccess|Allocator|GuestAlloc|BulkRead|CostParts)Bench\.'
fi

# Run a private copy of the jar: other work in this checkout may rebuild tvm-bench/target while
# the forks (which start from the host's class path) are still being launched.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp tvm-bench/target/benchmarks.jar "$tmp/benchmarks.jar"

# Guest binaries are found from the working directory (the repository root); the property
# makes it explicit and JMH hands it on to the forks.
"$java" --enable-native-access=ALL-UNNAMED -Dtvm.guests.dir="$root/guests" \
    -jar "$tmp/benchmarks.jar" \
    -rf json -rff "$here/jmh.json" "$@" 2>&1 | tee "$here/jmh.txt"
load_line "after the run" >> "$here/machine.txt"
