#!/usr/bin/env bash
# Issue 13, paged memory 0: the paired comparison (PairedMatrix) that the loaded machine needed.
# Per workload and size, one JVM holds a cell per variant on Chicory's compiler (m32 first: the
# baseline), warms them up in alternating 60 ms slices for WARMUP_MS, then times ROUNDS rounds of
# one slice per variant (round r starts with variant r mod n); the ratio is the median over rounds.
# CP: a class path with PairedMatrix (default tvm-cli/target/tvm.jar, which ./tvm builds).
set -euo pipefail
cd "$(dirname "$0")/../.."
D=bench-results/issue-13-paged
source bench-results/lib.sh
find_java
cp="${CP:-tvm-cli/target/tvm.jar}"
rm -f "$D/paging.log"
{ machine_basics; load_line "before the paired run"; } > "$D/machine-paired.txt"
paired() {
    "$java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx3g \
        -Dtvm.bench.pagingLog="$PWD/$D/paging.log" -cp "$cp" dev.tvm.bench.matrix.PairedMatrix "$@"
}
{
    echo "# part 1: every class at 16 KiB and 1 MiB (tvm-paged-q: seq-sum and list-walk only)"
    paired --sizes 16384,1048576 --variants m32,tvm-mm,tvm-paged,tvm-paged-q \
        --warmup-ms 10000 --rounds 15 --slice-ms 60
    load_line "after part 1"
    echo "# part 2: four classes at 64 MiB"
    paired --workloads seq-sum,random-chase,columnar,list-walk --sizes 67108864 --variants m32,tvm-mm,tvm-paged \
        --warmup-ms 10000 --rounds 11 --slice-ms 60
    load_line "after part 2"
    echo "# part 3: a quarter budget at 64 MiB (no warm-up: a pass faults most of the working set back)"
    paired --workloads seq-sum --sizes 67108864 --variants m32,tvm-paged-q --warmup-ms 0 --rounds 5 --slice-ms 60
    paired --workloads list-walk --sizes 67108864 --variants m32,tvm-paged-q --warmup-ms 0 --rounds 2 --slice-ms 60
    load_line "after part 3"
} 2>&1 | tee "$D/output-paired.txt"
