#!/usr/bin/env bash
# Issue 13: copy-on-write instantiation of guests/wasm/cowimage.wasm (8 MiB of initialised memory)
# from a snapshot (GuestImage, TvmGuest.Builder.fromImage) against Chicory's own instantiation of
# the same module, in the same JMH run (tvm-bench CowInstantiationBench), then the resident memory
# of idle instances (tvm-bench CowHarness: 1000 copy-on-write instances, 300 plain ones).
# Output: jmh-1.txt, jmh-2.txt (two runs, one after the other), harness.txt, machine.txt.
#   bench-results/issue-13-cow/run.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib.sh
source "$root/bench-results/lib.sh"
find_java

(cd "$root" && mvn -q -B -DskipTests -Dspotless.check.skip=true package -pl tvm-bench -am)

machine_report "$root" > "$here/machine.txt"
jar="$root/tvm-bench/target/benchmarks.jar"
for n in 1 2; do
    "$java" -Dtvm.guests.dir="$root/guests" -jar "$jar" CowInstantiationBench -f 1 -wi 3 -i 5 -w 2s -r 2s \
        -jvmArgsAppend "-Dtvm.guests.dir=$root/guests" > "$here/jmh-$n.txt" 2>&1
done
{
    "$java" --enable-native-access=ALL-UNNAMED -Xmx8g -Dtvm.guests.dir="$root/guests" -cp "$jar" \
        dev.tvm.bench.CowHarness tvm 1000 3
    "$java" --enable-native-access=ALL-UNNAMED -Xmx8g -Dtvm.guests.dir="$root/guests" -cp "$jar" \
        dev.tvm.bench.CowHarness plain 300 3
} > "$here/harness.txt" 2>&1
load_line "after the run" >> "$here/machine.txt"
grep -H -E '^CowInstantiationBench' "$here"/jmh-*.txt
cat "$here/harness.txt"
