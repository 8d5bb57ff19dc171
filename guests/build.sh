#!/usr/bin/env bash
# Rebuilds every guest in guests/wasm/ from guests/src/ and checks each one:
# wasm-validate, imports against the raw ABI (names AND signatures, taken from
# the table below and cross-checked against docs/raw-abi.md) or, for typed.wasm,
# against the canonical-ABI signatures of wit/tvm.wit (TYPED_ABI), and the
# exports the host tests and the CLI rely on.
#
#   ./build.sh           rebuild guests/wasm/*.wasm
#   ./build.sh --check   rebuild into a temporary directory and fail if the
#                        committed guests/wasm/*.wasm differ (stale outputs)
#
# Needs: clang (wasm32 targets), wasm-ld, wasi-libc (sysroot), wabt
# (wat2wasm, wasm-validate, wasm-objdump). Override with CLANG=...,
# WASI_SYSROOT=... . The .wasm outputs are committed so that the Java build
# and tests never need these tools.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"

MODE=build
case "${1:-}" in
    "") ;;
    --check) MODE=check ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

die() { echo "build.sh: $*" >&2; exit 1; }

# ------------------------------------------------------------------ tools
CLANG=${CLANG:-clang}
missing=()
for tool in "$CLANG" wat2wasm wasm-validate wasm-objdump; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
command -v wasm-ld >/dev/null 2>&1 || missing+=("wasm-ld (lld)")
if ((${#missing[@]})); then
    die "missing tools: ${missing[*]}
  Debian/Ubuntu: apt-get install clang lld wabt wasi-libc libclang-rt-<clang version>-dev-wasm32
  (or point CLANG=/path/to/clang at a wasi-sdk clang and WASI_SYSROOT at its sysroot)"
fi
if ! echo 'int x;' | "$CLANG" --target=wasm32-unknown-unknown -x c -c - -o /dev/null 2>/dev/null; then
    die "$CLANG cannot compile for wasm32 (need an LLVM build with the WebAssembly target)"
fi
if [[ -z "${WASI_SYSROOT:-}" ]]; then
    for candidate in /usr /usr/share/wasi-sysroot /opt/wasi-sdk/share/wasi-sysroot; do
        if [[ -f "$candidate/lib/wasm32-wasi/libc.a" ]]; then WASI_SYSROOT=$candidate; break; fi
    done
fi
[[ -n "${WASI_SYSROOT:-}" && -f "$WASI_SYSROOT/lib/wasm32-wasi/libc.a" ]] \
    || die "wasi-libc not found (no lib/wasm32-wasi/libc.a); install wasi-libc or set WASI_SYSROOT"
BUILTINS=$("$CLANG" --target=wasm32-wasi -print-libgcc-file-name)
[[ -f $BUILTINS ]] || die "compiler-rt's wasm32 builtins are missing ($BUILTINS), so WASI guests cannot link;
  Debian/Ubuntu: apt-get install libclang-rt-$("$CLANG" -dumpversion | cut -d. -f1)-dev-wasm32"

# ------------------------------------------------------------------ flags
# Deterministic: fixed optimization level, no debug info, source paths
# remapped, fixed stack size. Bare guests are MVP-only (no post-MVP features).
CFLAGS=(-std=c11 -O2 -g0 -Wall -Wextra -Werror -Iinclude "-ffile-prefix-map=$HERE=.")
BARE=(--target=wasm32-unknown-unknown -mcpu=mvp -ffreestanding -nostdlib
      -Wl,--no-entry -Wl,-z,stack-size=65536 -Wl,--stack-first)
WASI=(--target=wasm32-wasi "--sysroot=$WASI_SYSROOT" -Wl,-z,stack-size=65536 -Wl,--stack-first)
# The guests of issue 13 (paging of memory 0, hibernate, copy-on-write starts, density): memory 0
# may grow to Chicory's cap, 32767 pages (2 GiB - 64 KiB); the debug info of Debian's wasi-libc
# (about 40 KiB per module) is stripped, the name section kept.
MAX_PAGES=32767
GROWING=(-Wl,--max-memory=$((MAX_PAGES * 65536)) -Wl,--strip-debug)
# cowimage.cpp: C++20 so the compiler computes its 8 MiB image (constexpr + constinit); the
# default constexpr step limit (1048576) is too small for 2^20 words.
CXXFLAGS=(-std=c++20 -fconstexpr-steps=100000000 -fno-exceptions -fno-rtti -O2 -g0 -Wall -Wextra -Werror
          "-ffile-prefix-map=$HERE=.")

if [[ $MODE == check ]]; then
    OUT_TMP=$(mktemp -d)
    OUT=$OUT_TMP
else
    OUT=$HERE/wasm
    mkdir -p "$OUT"
fi

# ------------------------------------------------------------------ the ABI
# name, signature: the `tvm` module of docs/raw-abi.md ("Functions").
TVM_ABI="region_create (i32,i64,i32)->i32
region_destroy (i32)->i32
region_describe (i32,i32)->i32
alloc (i32,i64)->i64
alloc_batch (i32,i64,i32,i32)->i32
lease (i32,i64)->i64
free (i64)->i32
size_of (i64)->i64
read (i64,i64,i32,i32)->i32
write (i64,i64,i32,i32)->i32
copy (i64,i64,i64,i64,i64)->i32
fill (i64,i64,i64,i32)->i32
load_i32 (i64,i64)->i32
load_i64 (i64,i64)->i64
load_f32 (i64,i64)->f32
load_f64 (i64,i64)->f64
store_i32 (i64,i64,i32)->nil
store_i64 (i64,i64,i64)->nil
store_f32 (i64,i64,f32)->nil
store_f64 (i64,i64,f64)->nil
pin (i32)->i32
unpin (i32)->i32
reset (i32)->i32
compact (i32)->i64
metrics (i32,i32)->i32
last_error ()->i32
address_of (i64)->i64"

# The same table derived from the doc's markdown (ptr is i32, — is none).
doc_abi() {
    awk -F'|' '/^\| `[a-z_0-9]+` \|/ {
        name = $2; gsub(/[` ]/, "", name)
        n = split($3, params, ","); sig = ""
        for (i = 1; i <= n; i++) {
            p = params[i]; gsub(/`/, "", p); m = split(p, w, " ")
            if (m == 0 || w[m] == "—") continue
            t = w[m] == "ptr" ? "i32" : w[m]
            sig = sig (sig == "" ? "" : ",") t
        }
        r = $4; if (match(r, /`[a-z0-9]+`/)) r = substr(r, RSTART + 1, RLENGTH - 2); else r = "nil"
        print name " (" sig ")->" r
    }' "$1"
}
DOC=$HERE/../docs/raw-abi.md
if [[ -f $DOC ]]; then
    if ! diff <(echo "$TVM_ABI") <(doc_abi "$DOC") >/dev/null; then
        diff <(echo "$TVM_ABI") <(doc_abi "$DOC") >&2 || true
        die "the ABI table in build.sh differs from docs/raw-abi.md (< build.sh, > doc)"
    fi
fi

abi_sig() { awk -v n="$1" '$1 == n { print $2 }' <<<"$TVM_ABI"; }

# ------------------------------------------------------------------ the typed ABI
# "module.name signature" of every function of wit/tvm.wit as a core-module import under the
# canonical ABI: module tvm:memory/<interface>@0.1.0, name = function name, parameters flattened
# (enum/u32/u8 -> i32, u64 and the handle record -> i64, string/list -> i32 pointer + i32 length),
# a result that flattens to more than one value written to a return area passed as the last i32.
# TypedGuestAbiTest checks this table against the host's own flattening of the .wit.
TYPED_ABI="tvm:memory/manager@0.1.0.create-region (i32,i64,i32,i32,i32)->nil
tvm:memory/manager@0.1.0.destroy-region (i32,i32)->nil
tvm:memory/manager@0.1.0.describe (i32,i32)->nil
tvm:memory/manager@0.1.0.list-regions (i32)->nil
tvm:memory/manager@0.1.0.pin (i32,i32)->nil
tvm:memory/manager@0.1.0.unpin (i32,i32)->nil
tvm:memory/manager@0.1.0.reset (i32,i32)->nil
tvm:memory/manager@0.1.0.compact (i32,i32)->nil
tvm:memory/manager@0.1.0.alloc (i32,i64,i32)->nil
tvm:memory/manager@0.1.0.alloc-batch (i32,i64,i32,i32)->nil
tvm:memory/manager@0.1.0.free (i64,i32)->nil
tvm:memory/manager@0.1.0.size-of (i64,i32)->nil
tvm:memory/bytes@0.1.0.write (i64,i64,i32,i32,i32)->nil
tvm:memory/bytes@0.1.0.read (i64,i64,i32,i32)->nil
tvm:memory/bytes@0.1.0.copy (i64,i64,i64,i64,i64,i32)->nil
tvm:memory/bytes@0.1.0.fill (i64,i64,i64,i32,i32)->nil
tvm:memory/diagnostics@0.1.0.metrics (i32,i32)->nil
tvm:memory/diagnostics@0.1.0.directory-metrics (i32)->nil
tvm:memory/diagnostics@0.1.0.residency (i32)->nil
tvm:memory/diagnostics@0.1.0.region-count ()->i32
tvm:memory/diagnostics@0.1.0.last-error (i32)->nil
tvm:memory/diagnostics@0.1.0.last-error-message (i32)->nil"

# "import mod.name SIG", "export name SIG", "memory name" lines of a module.
signatures() {
    wasm-objdump -x "$1" | awk '
        /^[A-Za-z]+(\[[0-9]+\])?:/ { sec = $1; sub(/[\[:].*/, "", sec); next }
        sec == "Type" && /^ - type\[/ {
            s = $0; sub(/^ - type\[/, "", s); i = s; sub(/\].*/, "", i)
            sub(/^[0-9]+\] /, "", s); gsub(/ /, "", s); type[i] = s; next }
        (sec == "Import" || sec == "Function") && /^ - func\[/ {
            f = $2; gsub(/[^0-9]/, "", f); t = $3; sub(/sig=/, "", t); fsig[f] = type[t]
            if (sec == "Import") print "import " $NF " " type[t]
            next }
        sec == "Export" && /^ - func\[/ {
            f = $2; gsub(/[^0-9]/, "", f); n = $NF; gsub(/"/, "", n); print "export " n " " fsig[f]; next }
        sec == "Export" && /^ - memory\[/ { n = $NF; gsub(/"/, "", n); print "memory " n; next }'
}

# check WASM ALLOWED_MODULES COVERAGE [EXPORT_NAME SIG]...
#   ALLOWED_MODULES  import modules besides tvm (space-separated, may be "")
#   COVERAGE         subset: tvm imports must match the ABI;
#                    imports: and every ABI function must be imported;
#                    full:    and exported again as abi_<name>
check() {
    local wasm=$1 allowed=$2 full=$3 sigs kind name sig mod fn want
    shift 3
    wasm-validate "$wasm" || die "$wasm: wasm-validate failed"
    sigs=$(signatures "$wasm")
    while read -r kind name sig; do
        [[ $kind == import ]] || continue
        mod=${name%%.*} fn=${name#*.}
        if [[ $mod == tvm ]]; then
            want=$(abi_sig "$fn")
            [[ -n $want ]] || die "$wasm: imports tvm.$fn, which is not in docs/raw-abi.md"
            [[ $sig == "$want" ]] || die "$wasm: tvm.$fn is $sig, the ABI says $want"
        elif [[ " $allowed " != *" $mod "* ]]; then
            die "$wasm: unexpected import $name (allowed modules: tvm $allowed)"
        fi
    done <<<"$sigs"
    grep -qx 'memory memory' <<<"$sigs" || die "$wasm: does not export its memory as \"memory\""
    if [[ $full != subset ]]; then # every import of the ABI, and for "full" its abi_ wrapper
        while read -r fn want; do
            grep -qxF "import tvm.$fn $want" <<<"$sigs" || die "$wasm: does not import tvm.$fn $want"
            [[ $full != full ]] || grep -qxF "export abi_$fn $want" <<<"$sigs" \
                || die "$wasm: does not export abi_$fn $want"
        done <<<"$TVM_ABI"
    fi
    while (($#)); do
        grep -qxF "export $1 $2" <<<"$sigs" || die "$wasm: does not export $1 $2"
        shift 2
    done
    printf '  %-16s %7d bytes  %2d tvm imports  %s\n' "$(basename "$wasm")" "$(wc -c <"$wasm")" \
        "$(grep -c '^import tvm\.' <<<"$sigs" || true)" "$(sha256sum "$wasm" | cut -c1-16)"
}

# check_typed WASM [EXPORT_NAME SIG]...
#   a typed-path guest: every import is a function of TYPED_ABI with its signature, every
#   function of TYPED_ABI is imported, memory and cabi_realloc are exported, no other imports.
check_typed() {
    local wasm=$1 sigs kind name sig want
    shift
    wasm-validate "$wasm" || die "$wasm: wasm-validate failed"
    sigs=$(signatures "$wasm")
    while read -r kind name sig; do
        [[ $kind == import ]] || continue
        want=$(awk -v n="$name" '$1 == n { print $2 }' <<<"$TYPED_ABI")
        [[ -n $want ]] || die "$wasm: imports $name, which is not a function of wit/tvm.wit"
        [[ $sig == "$want" ]] || die "$wasm: $name is $sig, the canonical ABI says $want"
    done <<<"$sigs"
    while read -r name want; do
        grep -qxF "import $name $want" <<<"$sigs" || die "$wasm: does not import $name $want"
    done <<<"$TYPED_ABI"
    grep -qx 'memory memory' <<<"$sigs" || die "$wasm: does not export its memory as \"memory\""
    grep -qxF 'export cabi_realloc (i32,i32,i32,i32)->i32' <<<"$sigs" \
        || die "$wasm: does not export cabi_realloc (i32,i32,i32,i32)->i32"
    while (($#)); do
        grep -qxF "export $1 $2" <<<"$sigs" || die "$wasm: does not export $1 $2"
        shift 2
    done
    printf '  %-16s %7d bytes  %2d typed imports  %s\n' "$(basename "$wasm")" "$(wc -c <"$wasm")" \
        "$(grep -c '^import tvm:memory/' <<<"$sigs" || true)" "$(sha256sum "$wasm" | cut -c1-16)"
}

# check_memory WASM MAX_PAGES MIN_DATA_BYTES
#   memory 0's declared maximum is MAX_PAGES ("" for none), and its active data segments hold at
#   least MIN_DATA_BYTES bytes in all.
check_memory() {
    local wasm=$1 want_max=$2 min_data=$3 dump max data
    dump=$(wasm-objdump -x "$wasm")
    max=$(sed -n 's/^ - memory\[0\] pages: initial=[0-9]* max=\([0-9]*\).*/\1/p' <<<"$dump")
    [[ $max == "$want_max" ]] || die "$wasm: memory 0 has maximum '${max}' pages, want '${want_max}'"
    data=$(awk '/^ - segment\[[0-9]+\].* memory=0 size=/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^size=/) { sub(/size=/, "", $i); n += $i } }
        END { print n + 0 }' <<<"$dump")
    ((data >= min_data)) || die "$wasm: active data of memory 0 is $data bytes, want at least $min_data"
}

# ------------------------------------------------------------------ header
# tvm.h must declare all 27 imports with the ABI's signatures (C and C++).
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH" ${OUT_TMP:+"$OUT_TMP"}' EXIT
"$CLANG" "${CFLAGS[@]}" -Wpedantic "${BARE[@]}" src/header_check.c -o "$SCRATCH/header_check.wasm"
echo '#include "tvm.h"' | "$CLANG" --target=wasm32-unknown-unknown -ffreestanding -std=c++17 -Wall -Wextra \
    -Werror -Iinclude -x c++ -fsyntax-only - || die "include/tvm.h does not compile as C++"
check "$SCRATCH/header_check.wasm" "" imports >/dev/null
echo "include/tvm.h declares all $(wc -l <<<"$TVM_ABI") imports of docs/raw-abi.md"
# tvm_shell.h: compiles as C and C++, and every function it declares is an export of a generated
# shell with the same signature (checked on the linked workload guest below, whose imports must all
# resolve: `./tvm link` refuses a name or type the shell does not have).
echo '#include "tvm_shell.h"' | "$CLANG" --target=wasm32-unknown-unknown -ffreestanding -std=c++17 -Wall \
    -Wextra -Werror -Iinclude -x c++ -fsyntax-only - || die "include/tvm_shell.h does not compile as C++"

# ------------------------------------------------------------------ build
echo "building guests into $OUT"
wat2wasm src/fastpath.wat -o "$OUT/fastpath.wasm"
# Hostile guests: attack the ABI; their host tests are in tvm-chicory's dev.tvm.chicory.hostile.
wat2wasm src/hostile_abuse.wat -o "$OUT/hostile_abuse.wasm"
wat2wasm src/hostile_tenant.wat -o "$OUT/hostile_tenant.wasm"
wat2wasm src/hostile_racer.wat -o "$OUT/hostile_racer.wasm"
wat2wasm src/hostile_exhaust.wat -o "$OUT/hostile_exhaust.wasm"
wat2wasm src/hostile_stack.wat -o "$OUT/hostile_stack.wasm"
# regions.wat imports regions as memories (multi-memory; its imports are not all functions, so it
# is validated here rather than by check()).
wat2wasm --enable-multi-memory src/regions.wat -o "$OUT/regions.wasm"
wasm-validate --enable-multi-memory "$OUT/regions.wasm" || die "regions.wasm does not validate"
"$CLANG" "${CFLAGS[@]}" "${BARE[@]}" src/list_sum.c -o "$OUT/list_sum.wasm"
"$CLANG" "${CFLAGS[@]}" "${BARE[@]}" src/demo.c -o "$OUT/demo.wasm"
"$CLANG" "${CFLAGS[@]}" "${WASI[@]}" src/hello_wasi.c -o "$OUT/hello_wasi.wasm"
# Issue 13's guests (tests in tvm-chicory's dev.tvm.chicory.guests13): a WASI command that fills
# memory 0, a WASI reactor keeping a hash table in malloc'd memory, a bare module with an 8 MiB image.
"$CLANG" "${CFLAGS[@]}" "${WASI[@]}" "${GROWING[@]}" src/memfill.c -o "$OUT/memfill.wasm"
"$CLANG" "${CFLAGS[@]}" "${WASI[@]}" "${GROWING[@]}" -mexec-model=reactor src/kvstore.c -o "$OUT/kvstore.wasm"
"$CLANG" "${CXXFLAGS[@]}" "${BARE[@]}" -x c++ src/cowimage.cpp -o "$OUT/cowimage.wasm"
"$CLANG" "${CFLAGS[@]}" "${BARE[@]}" src/typed.c -o "$OUT/typed.wasm"
# Guest-side model: a C guest against tvm_shell.h (linked with a shell by `./tvm link` at run time)
# and a WAT guest exercising every index space the linker renumbers.
"$CLANG" "${CFLAGS[@]}" "${BARE[@]}" src/shell_workloads.c -o "$OUT/shell_workloads.wasm"
wat2wasm --enable-multi-memory src/link_features.wat -o "$OUT/link_features.wasm"
wasm-validate --enable-multi-memory "$OUT/link_features.wasm" || die "link_features.wasm does not validate"

# ------------------------------------------------------------------ check
check "$OUT/fastpath.wasm" "" full selftest "()->i32"
check "$OUT/hostile_abuse.wasm" "" imports \
    setup "()->i32" region "()->i32" victim "()->i64" checksum "(i64,i32)->i64" \
    tamper "(i64,i32)->i64" attack_tamper "(i32)->i32" load_tampered "(i32)->i64" \
    store_tampered "(i32)->nil" attack_random "(i64,i32,i32)->i32" random_mask "()->i32" \
    attack_stale "()->i32" attack_bounds "()->i32" load_at "(i64,i64)->i64" \
    load32_at "(i64,i64)->i32" store_at "(i64,i64,i64)->nil"
check "$OUT/hostile_tenant.wasm" "" imports \
    own_setup "(i32)->i64" own_region "()->i32" own_handle "()->i64" checksum "(i64,i32)->i64" \
    attack_foreign "(i32,i64)->i32" foreign_load "(i64)->i64" foreign_store "(i64,i64)->nil" \
    scan "(i32,i32)->i32" pin_n "(i32,i32)->i32" unpin_n "(i32,i32)->i32"
check "$OUT/hostile_racer.wasm" "" imports \
    owner_setup "()->i32" owner_destroy "()->i32" publish "(i32,i32)->i32" churn "(i32,i32)->i32" \
    release "(i32)->i32" verify "(i32,i32)->i32" refused "()->i32" verify_loads "(i32)->i32" \
    free_all "(i32)->i32"
check "$OUT/hostile_exhaust.wasm" "" subset \
    exhaust_handles "(i32,i64,i64)->i64" reserve_forever "(i64,i32)->i32" last_code "()->i32"
check "$OUT/hostile_stack.wasm" "" imports \
    setup "(i32)->i32" dive "(i32,i32)->i32" prepare "(i32)->i32" undo "(i32)->i32" op_count "()->i32"
check "$OUT/list_sum.wasm" "" subset \
    build_list "(i32,i32,i32)->i64" sum_list "(i64,i32)->i64" list_length "(i64,i32)->i64" \
    free_list "(i64,i32)->i64" alloc_objects "(i32,i32,i32,i64)->i64" \
    bulk_read "(i64,i32,i32)->i32" bulk_write "(i64,i32,i32,i32)->i32"
check "$OUT/demo.wasm" "" subset \
    demo_init "(i32,i64)->i32" demo_region_ref "(i32)->i32" \
    demo_fill "(i32,i32,i32)->i64" demo_verify "(i32,i32,i32)->i64" \
    demo_bad_block "()->i32" demo_destroy "()->i32" demo_bad_region "()->i32" \
    demo_region_count "()->i32" demo_blocks "()->i32" demo_region_kind "(i32)->i32" \
    demo_block_handle "(i32,i32)->i64"
check "$OUT/hello_wasi.wasm" "wasi_snapshot_preview1" subset _start "()->nil"
check "$OUT/memfill.wasm" "wasi_snapshot_preview1" subset _start "()->nil"
check_memory "$OUT/memfill.wasm" "$MAX_PAGES" 0
check "$OUT/kvstore.wasm" "wasi_snapshot_preview1" subset _initialize "()->nil" \
    kv_init "(i32,i64)->i32" kv_put "(i64,i64)->i32" kv_get "(i64)->i64" kv_delete "(i64)->i32" \
    kv_count "()->i32" kv_checksum "()->i64" kv_touch "(i32)->i32" kv_verify "()->i32" kv_heap_bytes "()->i64"
check_memory "$OUT/kvstore.wasm" "$MAX_PAGES" 0
grep -q '^ - func\[[0-9]*\] <_start>' <(wasm-objdump -x "$OUT/kvstore.wasm") && die "kvstore.wasm is not a reactor (has _start)"
check "$OUT/cowimage.wasm" "" subset \
    image_sum "()->i64" image_read "(i32)->i32" image_write "(i32,i32)->nil" image_base "()->i32" image_size "()->i32"
check_memory "$OUT/cowimage.wasm" "" 8388608
check "$OUT/shell_workloads.wasm" "tvm_shell" subset \
    wl_setup "(i32,i32)->i32" wl_list_walk "(i32,i64)->i64" wl_columnar "(i32,i64)->i64" \
    wl_alloc_loop "(i32,i64)->i64" wl_big "(i32,i32,i64)->i64"
if [[ -x ../tvm ]] && ../tvm link --pools 4 "$OUT/shell_workloads.wasm" -o "$SCRATCH/linked.wasm" >/dev/null; then
    wasm-validate --enable-multi-memory "$SCRATCH/linked.wasm" || die "the linked workload guest does not validate"
    echo "  shell_workloads.wasm links with a 4-pool shell into a valid self-contained module"
else
    echo "  (skipped the link check: ./tvm link needs a JDK 25 and Maven)"
fi
check_typed "$OUT/typed.wasm" \
    typed_selftest "()->i32" typed_kept_region "()->i32" typed_kept_handle "()->i64" \
    typed_realloc_calls "()->i32" typed_buffer "()->i32" typed_create_named "(i32,i64,i32)->i64" \
    typed_describe_field "(i32,i32)->i64" typed_metrics_field "(i32,i32)->i64" \
    typed_residency_field "(i32)->i64" typed_alloc "(i32,i64)->i64" \
    typed_alloc_batch "(i32,i64,i32)->i64" typed_write_pattern "(i64,i64,i32,i32)->i32" \
    typed_read_sum "(i64,i64,i32)->i64" typed_op "(i32,i64)->i32" typed_last_error "()->i32" \
    typed_last_error_message "()->i32" typed_list_count "()->i32" typed_list_ref "(i32)->i32" \
    typed_region_count "()->i32" typed_trap "(i32)->i32"
# Optional cross-check with the reference tooling: with JCO_DIR set to a directory where
# `npm install @bytecodealliance/jco` was run, wasm-tools (inside jco) embeds wit/tvm.wit's world
# `guest` into typed.wasm and makes a component of it, which fails unless every import has exactly
# the signature the canonical ABI lowers its WIT function to.
if [[ -n "${JCO_DIR:-}" ]]; then
    JCO_DIR=$JCO_DIR node --input-type=module -e '
        const [wasm, wit] = process.argv.slice(1);
        const tools = await import(process.env.JCO_DIR + "/node_modules/@bytecodealliance/jco-transpile/dist/wasm-tools.js");
        const { readFileSync } = await import("node:fs");
        const embedded = await tools.componentEmbed({ binary: readFileSync(wasm),
            witSource: readFileSync(wit, "utf8"), world: "guest", stringEncoding: "utf8" });
        const component = await tools.componentNew(embedded, []);
        console.log("  typed.wasm is a valid tvm:memory/guest component core (" + component.length + " bytes as a component)");
    ' "$OUT/typed.wasm" "$HERE/../wit/tvm.wit" || die "typed.wasm does not match wit/tvm.wit (wasm-tools component new)"
fi

if [[ $MODE == check ]]; then
    stale=0
    for f in "$OUT"/*.wasm; do
        cmp -s "$f" "wasm/$(basename "$f")" || { echo "stale: guests/wasm/$(basename "$f")" >&2; stale=1; }
    done
    ((stale == 0)) || die "committed guests differ from a fresh build; run guests/build.sh and commit"
    echo "committed guests are up to date"
else
    echo "ok"
fi
