#!/usr/bin/env bash
# Reproduces bench-results/jfr-throttle (issue 11): what a flight recording costs a flood of 10^6
# refused accesses, from a real guest and from Java, with no recording, with the JDK's default
# recording (tvm events throttled) and with dev.tvm.HandleCheckFailure unthrottled.
#
#   bench-results/jfr-throttle/run.sh            # 2 warm-up + 8 measured rounds, ~8 minutes here
#   bench-results/jfr-throttle/run.sh 4 1 200000 # rounds, warm-up rounds, refusals per flood
#
# Runs dev.tvm.bench.JfrThrottleHarness (paired rounds: every mode in every round, rotating order,
# ratios within a round) and writes machine.txt and results.txt (per-flood CSV, then the table).
# The JMH form, dev.tvm.bench.JfrThrottleBench, runs the modes minutes apart and on a shared
# machine measured load changes more than the recording.
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
    load_line "before the run"
    "$java" -version 2>&1
} > "$here/machine.txt"

# A private copy of the jar: other work in this checkout may rebuild tvm-bench/target meanwhile.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp tvm-bench/target/benchmarks.jar "$tmp/benchmarks.jar"

"$java" --enable-native-access=ALL-UNNAMED -Dtvm.guests.dir="$root/guests" \
    -cp "$tmp/benchmarks.jar" dev.tvm.bench.JfrThrottleHarness "$@" 2>&1 | tee "$here/results.txt"
load_line "after the run" >> "$here/machine.txt"
