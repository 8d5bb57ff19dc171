// Command-line handling shared by run-wasm.mjs (Node) and browser.mjs (Chromium).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The text of calls.js, evaluated verbatim by both hosts. */
export function callsSource() {
  return readFileSync(join(here, 'calls.js'), 'utf8');
}

const USAGE = `usage: <runner> [--exports NAME,NAME|'*'] [--imports none|wasi-stub] WASM [SCRIPT.json|-]
  SCRIPT.json: {"calls":[{"fn":"f","args":[1,"2n",{"ref":0}]}, ...], "imports":"none"|"wasi-stub"}
  --exports:   call these zero-argument exports in order ('*': every zero-argument export)`;

/** Parses argv into {wasm: Uint8Array, script: object}; exits with status 2 on a usage error. */
export function parseCommandLine(argv) {
  let exportsArg;
  let importsArg;
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--exports') exportsArg = argv[++i];
    else if (a === '--imports') importsArg = argv[++i];
    else if (a === '-h' || a === '--help') usage(0);
    else if (a.startsWith('--') && a !== '-') usage(2, 'unknown option ' + a);
    else positional.push(a);
  }
  if (positional.length < 1 || positional.length > 2) usage(2, 'expected WASM [SCRIPT.json]');
  if (positional.length === 1 && exportsArg === undefined) usage(2, 'expected a call script or --exports');
  let script = {};
  try {
    if (positional.length === 2) {
      const text = positional[1] === '-' ? readFileSync(0, 'utf8') : readFileSync(positional[1], 'utf8');
      script = JSON.parse(text);
    }
  } catch (e) {
    usage(2, 'cannot read call script: ' + e.message);
  }
  if (exportsArg !== undefined) script.exports = exportsArg === '*' ? '*' : exportsArg.split(',').filter(Boolean);
  if (importsArg !== undefined) script.imports = importsArg;
  let wasm;
  try {
    wasm = new Uint8Array(readFileSync(positional[0]));
  } catch (e) {
    usage(2, 'cannot read wasm: ' + e.message);
  }
  return { wasm, script };
}

function usage(status, message) {
  if (message) process.stderr.write(message + '\n');
  process.stderr.write(USAGE + '\n');
  process.exit(status);
}

/** Writes the result as one JSON line and waits for stdout to drain. */
export function emit(result) {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(result) + '\n', resolve));
}
