#!/usr/bin/env bash
# Issue 13: hibernate + resume of an instance with 256 MiB of memory (every page non-zero) against
# a plain sequential FileChannel write + read of the same 256 MiB, in the same JMH run
# (tvm-bench HibernateBench). The files go to java.io.tmpdir (/tmp); machine.txt says what it is.
# Output: jmh-1.txt, jmh-2.txt (two runs, one after the other), machine.txt.
#   bench-results/issue-13-hibernate/run.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib.sh
source "$root/bench-results/lib.sh"
find_java

(cd "$root" && mvn -q -B -DskipTests -Dspotless.check.skip=true package -pl tvm-bench -am)

machine_report "$root" > "$here/machine.txt"
for n in 1 2; do
    "$java" -jar "$root/tvm-bench/target/benchmarks.jar" HibernateBench -f 1 -wi 2 -i 5 -w 2s -r 3s \
        > "$here/jmh-$n.txt" 2>&1
done
load_line "after the run" >> "$here/machine.txt"
grep -H -E '^HibernateBench' "$here"/jmh-*.txt
