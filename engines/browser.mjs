#!/usr/bin/env node
// Runs a call script against a wasm module in headless Chromium (Debian's /usr/bin/chromium via
// playwright-core); prints one JSON line in the same format as run-wasm.mjs. The page evaluates
// the same calls.js text that Node runs.
import { launchChromium } from './chromium.mjs';
import { callsSource, emit, parseCommandLine } from './cli.mjs';

const TIMEOUT_MS = Number(process.env.TVM_ENGINE_TIMEOUT_MS || 300000);

const { wasm, script } = parseCommandLine(process.argv.slice(2));
let browser;
const watchdog = setTimeout(async () => {
  await emit({ engine: 'chromium', instantiated: false, error: `timeout after ${TIMEOUT_MS} ms`, results: [] });
  process.exit(3);
}, TIMEOUT_MS);
try {
  browser = await launchChromium();
  const page = await browser.newPage({ reuseFirst: true });
  const version = await browser.version(page);
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
  if (browser) await browser.close();
}
