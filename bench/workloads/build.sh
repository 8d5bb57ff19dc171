#!/usr/bin/env bash
# Rebuilds the benchmark workloads: every src/<name>.c, written once against
# include/wl.h, compiled into wasm/<id>-<suffix>.wasm for each memory model
# (<id> is <name> with '_' -> '-', the Workload id of tvm-bench):
#
#   -m32    WL_PLAIN, wasm32, memory 0 its own (the baseline; also m32-bytebuffer)
#   -m64    WL_PLAIN, wasm64 (memory64)
#   -mm     WL_PLAIN, wasm32, memory 0 imported (env.memory): TVM-MM binds a region to it
#   -host   WL_HOST, wasm32, the raw `tvm` imports (guests/include/tvm.h)
#   -shell  WL_SHELL, wasm32 against tvm_shell.h, then linked with a 4-pool shell
#           (./tvm link) into one self-contained multi-memory module
#
#   ./build.sh           rebuild wasm/*.wasm
#   ./build.sh --check   rebuild into a temporary directory and fail if the committed
#                        wasm/*.wasm differ (stale outputs)
#
# Needs clang (wasm32 and wasm64 targets), wasm-ld, wabt, and a JDK 25 + Maven for ./tvm link.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$HERE"

MODE=build
case "${1:-}" in
    "") ;;
    --check) MODE=check ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

die() { echo "build.sh: $*" >&2; exit 1; }

CLANG=${CLANG:-clang}
for tool in "$CLANG" wasm-ld wasm-validate wasm-objdump; do
    command -v "$tool" >/dev/null 2>&1 || die "missing $tool (Debian: apt-get install clang lld wabt)"
done

# Deterministic: fixed optimisation level, no debug info, source paths remapped, fixed stack.
# MVP features only (no SIMD, bulk memory or sign extension) so that every engine runs the same
# instructions; freestanding, no libc.
CFLAGS=(-std=c11 -O2 -g0 -Wall -Wextra -Werror -ffreestanding -nostdlib -mcpu=mvp
        -Iinclude "-I$ROOT/guests/include" "-ffile-prefix-map=$HERE=." "-ffile-prefix-map=$ROOT=../..")
LDFLAGS=(-Wl,--no-entry -Wl,-z,stack-size=65536 -Wl,--stack-first)
W32=(--target=wasm32-unknown-unknown)
W64=(--target=wasm64-unknown-unknown)
# Shell: 4 pools of up to 32767 pages (Chicory's limit). 65536 handle slots per region (not the
# default 4096) because growth and gen-alloc-scan allocate and free on every pass and the shell
# retires a slot after 4095 generations; 8 regions keep the metadata memory at 8 MiB.
LINK=(--pools 4 --max-pages 32767 --max-regions 8 --slots 65536)

if [[ $MODE == check ]]; then
    OUT=$(mktemp -d)
else
    OUT=$HERE/wasm
    mkdir -p "$OUT"
fi
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"; if [[ $MODE == check ]]; then rm -rf "$OUT"; fi' EXIT

TVM="$ROOT/tvm"
for src in src/*.c; do
    name=$(basename "$src" .c)
    id=${name//_/-}
    "$CLANG" "${W32[@]}" "${CFLAGS[@]}" -DWL_PLAIN "${LDFLAGS[@]}" "$src" -o "$OUT/$id-m32.wasm"
    "$CLANG" "${W64[@]}" "${CFLAGS[@]}" -DWL_PLAIN "${LDFLAGS[@]}" "$src" -o "$OUT/$id-m64.wasm"
    "$CLANG" "${W32[@]}" "${CFLAGS[@]}" -DWL_PLAIN "${LDFLAGS[@]}" -Wl,--import-memory "$src" -o "$OUT/$id-mm.wasm"
    "$CLANG" "${W32[@]}" "${CFLAGS[@]}" -DWL_HOST "${LDFLAGS[@]}" "$src" -o "$OUT/$id-host.wasm"
    "$CLANG" "${W32[@]}" "${CFLAGS[@]}" -DWL_SHELL "${LDFLAGS[@]}" "$src" -o "$SCRATCH/$id-shellguest.wasm"
    "$TVM" link "${LINK[@]}" "$SCRATCH/$id-shellguest.wasm" -o "$OUT/$id-shell.wasm" >/dev/null
done

chmod 644 "$OUT"/*.wasm
# Every file validates, exports the ABI, and imports only what its variant allows.
for f in "$OUT"/*.wasm; do
    base=$(basename "$f" .wasm)
    case $base in
        *-m64) wasm-validate --enable-memory64 "$f" || die "$f does not validate" ;;
        *-shell) wasm-validate --enable-multi-memory "$f" || die "$f does not validate" ;;
        *) wasm-validate "$f" || die "$f does not validate" ;;
    esac
    dump=$(wasm-objdump -x "$f" 2>/dev/null || true)
    grep -q '"bench_setup"' <<<"$dump" || die "$f does not export bench_setup"
    grep -q '"bench_run"' <<<"$dump" || die "$f does not export bench_run"
    imports=$(grep -o '<- [^ ]*' <<<"$dump" | cut -c4- | sort -u || true)
    case $base in
        *-m32 | *-m64 | *-shell) allowed='^$' ;;
        *-mm) allowed='^env\.memory$' ;;
        *-host) allowed='^tvm\.[a-z0-9_]+$' ;;
    esac
    while read -r imp; do
        [[ -z $imp ]] || [[ $imp =~ $allowed ]] || die "$f imports $imp"
    done <<<"$imports"
done

if [[ $MODE == check ]]; then
    stale=0
    for f in "$OUT"/*.wasm; do
        cmp -s "$f" "wasm/$(basename "$f")" || { echo "stale: bench/workloads/wasm/$(basename "$f")" >&2; stale=1; }
    done
    for f in wasm/*.wasm; do
        [[ -f "$OUT/$(basename "$f")" ]] || { echo "no source for bench/workloads/$f" >&2; stale=1; }
    done
    ((stale == 0)) || die "committed workloads differ from a fresh build; run bench/workloads/build.sh and commit"
    echo "committed workloads are up to date ($(ls "$OUT"/*.wasm | wc -l) files)"
else
    echo "built $(ls "$OUT"/*.wasm | wc -l) workloads into bench/workloads/wasm"
fi
