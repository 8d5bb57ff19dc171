#!/usr/bin/env bash
# Reproduces bench-results/issue-3: spill and fault throughput (SpillBench) against a plain
# FileChannel write/read of the same bytes, on JDK 25, writing spill.json, spill.txt and
# machine.txt next to this script.
#
#   bench-results/issue-3/run.sh                         # the full run (about 3 minutes)
#   bench-results/issue-3/run.sh -p granularity=page     # extra arguments go to JMH
#   TVM_BENCH_DIR=/mnt/nvme bench-results/issue-3/run.sh # where the spill and plain files go
#                                                        # (default: java.io.tmpdir)
#
# By default the benchmark jar is built from a clean export of HEAD (git archive) with the working
# tree's SpillBench.java laid over it, so uncommitted changes to tvm-core or to other benchmarks
# in the working tree do not leak into the numbers. TVM_BENCH_FROM=worktree builds the working
# tree in place instead (mvn ... package -pl tvm-bench -am at the repository root).
#
# JAVA may point at a JDK 25+ `java`; otherwise /usr/lib/jvm/temurin-25* is used.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bench_src=tvm-bench/src/main/java/dev/tvm/bench/SpillBench.java

# shellcheck source=../lib.sh
source "$here/../lib.sh"
find_java

if [[ "${TVM_BENCH_FROM:-export}" == worktree ]]; then
    build="$root"
    source_note="working tree of $root, built in place"
else
    build="$(mktemp -d "${TMPDIR:-/tmp}/tvm-issue3-build.XXXXXX")"
    trap 'rm -rf "$build"' EXIT
    git -C "$root" archive HEAD | tar -x -C "$build"
    mkdir -p "$build/$(dirname "$bench_src")"
    cp "$root/$bench_src" "$build/$bench_src"
    source_note="clean export of HEAD + working-tree $bench_src (sha1 $(git -C "$root" hash-object "$root/$bench_src"))"
fi
(cd "$build" && mvn -q -B -pl tvm-bench spotless:apply && mvn -q -B -DskipTests package -pl tvm-bench -am)

props=()
if [[ -n "${TVM_BENCH_DIR:-}" ]]; then
    props+=("-Dtvm.bench.dir=$TVM_BENCH_DIR")
fi
bench_dir="${TVM_BENCH_DIR:-$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.io.tmpdir = //p')}"

{
    echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit:  $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "source:  $source_note"
    echo "kernel:  $(uname -sr)"
    echo "cpus:    $(nproc)"
    grep -m1 'model name' /proc/cpuinfo || true
    grep -m1 MemTotal /proc/meminfo || true
    echo "thp:     $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)"
    echo "dirty:   vm.dirty_background_ratio=$(cat /proc/sys/vm/dirty_background_ratio) vm.dirty_ratio=$(cat /proc/sys/vm/dirty_ratio) vm.dirty_expire_centisecs=$(cat /proc/sys/vm/dirty_expire_centisecs)"
    echo "files:   $bench_dir on $(df -hT "$bench_dir" | awk 'NR==2 {print $1 " (" $2 ", " $3 ")"}')"
    echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, before the run)"
    "$java" -version 2>&1
} > "$here/machine.txt"

cd "$root"
"$java" --enable-native-access=ALL-UNNAMED "${props[@]}" \
    -jar "$build/tvm-bench/target/benchmarks.jar" 'SpillBench' \
    -rf json -rff "$here/spill.json" "$@" 2>&1 | tee "$here/spill.txt"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, after the run)" >> "$here/machine.txt"
python3 "$here/summarize.py" "$here/spill.json" || true
