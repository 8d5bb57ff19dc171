#!/usr/bin/env bash
# Issue 13, paged memory 0 on Chicory's compiler: m32 (ByteArrayMemory), tvm-mm (imported unpaged
# region), tvm-paged (memory 0 a paged region, budget holding the working set) and tvm-paged-q
# (budget 1/4 of the working set), side by side. Run from anywhere after ./tvm has built
# tvm-cli/target/tvm.jar (./tvm bench --help). JvmMatrix's full JMH settings: 1 fork per cell, 3 x 0.5 s
# warm-up, 5 x 0.5 s measurement.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=bench-results/issue-13-paged
source bench-results/lib.sh
find_java
jar=tvm-cli/target/tvm.jar
rm -f "$D/paging.log"
{ machine_basics; load_line "before the run"; } > "$D/machine.txt"
matrix() {
    "$java" -Dtvm.bench.pagingLog="$PWD/$D/paging.log" -cp "$jar" dev.tvm.bench.matrix.JvmMatrix \
        --full --engines chicory-compiler --variants m32,tvm-mm,tvm-paged,tvm-paged-q "$@"
}
# every workload class at 16 KiB and 1 MiB
matrix --sizes 16384,1048576 --out "$D/results-small.json" | tee "$D/output-small.txt"
load_line "between the two parts" >> "$D/machine.txt"
# four classes at 64 MiB (list-walk last: its quarter-budget cell faults on most nodes)
matrix --workloads seq-sum,random-chase,columnar,list-walk --sizes 67108864 --out "$D/results-64m.json" \
    | tee "$D/output-64m.txt"
load_line "after the run" >> "$D/machine.txt"
