// Launching Debian's headless Chromium through playwright-core, shared by browser.mjs (call
// scripts) and bench.mjs (timing). One place for the flags, so both runners see the same browser.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const EXECUTABLE = process.env.TVM_CHROMIUM || '/usr/bin/chromium';

// No network, no background services: the machine only reaches package registries.
export const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts Chromium with a fresh temporary profile. Returns {context, newPage(), version(page),
 * close()}; close() also deletes the profile, and is safe to call twice.
 */
export async function launchChromium() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'tvm-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: EXECUTABLE,
      headless: true,
      args: ARGS,
      timeout: 60000,
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  let closed = false;
  return {
    context,
    /** The profile's first page, or a new one; page console output and crashes go to stderr. */
    async newPage({ reuseFirst = false } = {}) {
      const page = (reuseFirst && context.pages()[0]) || (await context.newPage());
      page.on('console', (m) => process.stderr.write(`[page ${m.type()}] ${m.text()}\n`));
      page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
      page.on('crash', () => process.stderr.write('[page crashed]\n'));
      return page;
    },
    /** The browser version, e.g. "156.0.8078.79" (from the user agent when playwright has none). */
    async version(page) {
      const browser = context.browser();
      const version = browser ? browser.version() : '';
      if (version) return version;
      const ua = await page.evaluate(() => navigator.userAgent);
      return (/Chrome\/([0-9.]+)/.exec(ua) || [null, 'unknown'])[1];
    },
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
