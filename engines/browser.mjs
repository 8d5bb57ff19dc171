#!/usr/bin/env node
// Runs a call script against a wasm module in headless Chromium (Debian's /usr/bin/chromium via
// playwright-core); prints one JSON line in the same format as run-wasm.mjs. The page evaluates
// the same calls.js text that Node runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { callsSource, emit, parseCommandLine } from './cli.mjs';

const EXECUTABLE = process.env.TVM_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.TVM_ENGINE_TIMEOUT_MS || 300000);
// No network, no background services: the machine only reaches package registries.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const { wasm, script } = parseCommandLine(process.argv.slice(2));
const userDataDir = mkdtempSync(join(tmpdir(), 'tvm-chromium-'));
let context;
const watchdog = setTimeout(async () => {
  await emit({ engine: 'chromium', instantiated: false, error: `timeout after ${TIMEOUT_MS} ms`, results: [] });
  process.exit(3);
}, TIMEOUT_MS);
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: EXECUTABLE,
    headless: true,
    args: ARGS,
    timeout: 60000,
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => process.stderr.write(`[page ${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
  page.on('crash', () => process.stderr.write('[page crashed]\n'));
  const browser = context.browser();
  let version = browser ? browser.version() : '';
  if (!version) {
    const ua = await page.evaluate(() => navigator.userAgent);
    version = (/Chrome\/([0-9.]+)/.exec(ua) || [null, 'unknown'])[1];
  }
  const result = await page.evaluate(
    async ({ source, wasmBase64, script, engine }) => {
      (0, eval)(source);
      const binary = atob(wasmBase64);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return await globalThis.TvmCalls.run(bytes, script, engine);
    },
    {
      source: callsSource(),
      wasmBase64: Buffer.from(wasm).toString('base64'),
      script,
      engine: 'chromium ' + version,
    },
  );
  await emit(result);
} catch (e) {
  await emit({ engine: 'chromium', instantiated: false, error: 'browser: ' + e.message.split('\n')[0], results: [] });
  process.exitCode = 3;
} finally {
  clearTimeout(watchdog);
  if (context) await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
