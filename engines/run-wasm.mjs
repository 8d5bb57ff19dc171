#!/usr/bin/env node
// Runs a call script against a wasm module in this Node process; prints one JSON line.
// Needs Node 22+ for multi-memory: use engines/run.sh node, which picks the pinned node.
import vm from 'node:vm';
import { callsSource, emit, parseCommandLine } from './cli.mjs';

const { wasm, script } = parseCommandLine(process.argv.slice(2));
vm.runInThisContext(callsSource(), { filename: 'calls.js' });
const result = await globalThis.TvmCalls.run(wasm, script, 'node ' + process.versions.node);
await emit(result);
