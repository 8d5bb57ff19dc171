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

java="${JAVA:-}"
if [[ -z "$java" ]]; then
    for d in /usr/lib/jvm/temurin-25*; do
        [[ -x "$d/bin/java" ]] && java="$d/bin/java" && break
    done
fi
if [[ -z "$java" ]] || ! "$java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
    echo "need a JDK 25+: set JAVA=/path/to/bin/java" >&2
    exit 1
fi

mvn -q -B -DskipTests package -pl tvm-bench -am

{
    echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit:  $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
    echo "uncommitted changes in the measured modules (git diff --stat HEAD -- tvm-core tvm-chicory):"
    git -C "$root" diff --stat HEAD -- tvm-core tvm-chicory 2>/dev/null | sed 's/^/    /' || true
    echo "kernel:  $(uname -sr)"
    echo "cpus:    $(nproc)"
    grep -m1 'model name' /proc/cpuinfo || true
    grep -m1 MemTotal /proc/meminfo || true
    echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, before the run)"
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
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, after the run)" >> "$here/machine.txt"
