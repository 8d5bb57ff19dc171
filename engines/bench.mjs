#!/usr/bin/env node
// Times the benchmark-matrix workloads in Node or headless Chromium. Reads a job list, prints one
// BenchResult JSON line per job on stdout (dev.tvm.bench.matrix.BenchResult; progress on stderr).
//
//   node bench.mjs [--engine node|chromium] JOBS.json|-
//
// JOBS.json: [{workload, sizeBytes, variant, file, seed}, ...], or {"options": {...}, "jobs": [...]}
// with options (defaults in DEFAULTS below):
//   warmupMs     time-boxed warm-up after calibration
//   batches      measured batches K; the score is the median over them, errorNs their IQR
//   batchMs      a batch is as many bench_run calls as last at least this long, so Chromium's
//                100 µs timer coarsening (no cross-origin isolation) costs under 0.5 %
//   maxCellMs    time box for calibration, warm-up and measurement of one job; once it is
//                spent a job stops with at least MIN_BATCHES batches (and says so in its note)
//   jobTimeoutMs Chromium only: a job still running after this is abandoned (the browser is
//                restarted for the rest); Node cannot interrupt a running wasm loop, its caller must
//
// Variants host and mm need the JVM's TVM host (imports of tvm functions or a region as memory 0):
// they are not run here and come back with a note. Exit status: 0 ok (failed jobs are results with
// a note), 2 usage error, 3 the browser failed to start.
import { readFileSync } from 'node:fs';
import { launchChromium } from './chromium.mjs';

const DEFAULTS = { warmupMs: 1000, batches: 15, batchMs: 50, maxCellMs: 20000, jobTimeoutMs: 300000 };
const MIN_BATCHES = 3;
const JVM_ONLY = new Set(['tvm-host', 'tvm-mm', 'm32-bytebuffer', 'java-segment']);

/**
 * Instantiates one job's module, builds its working set, warms up and measures. Self-contained
 * (no references outside its body) because Chromium runs it from its source text in the page.
 */
async function measureJob({ wasmBase64, job, opts }) {
  const now = () => performance.now();
  const out = { nsPerOp: null, errorNs: null, samples: 0, checksum: '', note: '' };
  const notes = [];
  const binary = atob(wasmBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);

  // The workloads are self-contained; anything they import is a stub that fails loudly when
  // called (WASI calls answer ENOSYS, as in calls.js), so a stray import cannot skew a timing.
  let instance;
  try {
    const module = await WebAssembly.compile(bytes);
    const imports = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.kind !== 'function') continue;
      const ns = (imports[imp.module] ||= {});
      ns[imp.name] =
        imp.module === 'wasi_snapshot_preview1' && imp.name !== 'proc_exit'
          ? () => 52
          : () => {
              throw new Error(`import ${imp.module}.${imp.name} called; the bench harness provides none`);
            };
    }
    instance = await WebAssembly.instantiate(module, imports);
  } catch (e) {
    out.note = 'instantiation failed: ' + String(e.message || e).split('\n')[0];
    return out;
  }
  const { bench_setup: setup, bench_run: run } = instance.exports;
  if (typeof setup !== 'function' || typeof run !== 'function') {
    out.note = 'module exports no bench_setup/bench_run';
    return out;
  }
  try {
    const setupStart = now();
    const used = setup(BigInt(job.sizeBytes), BigInt(job.seed));
    out.setupMs = Math.round((now() - setupStart) * 10) / 10;
    if (used < 0n) {
      out.note = `bench_setup returned ${used}`;
      return out;
    }
    out.usedBytes = String(used);
    const start = now();
    const deadline = start + opts.maxCellMs;
    const expected = run();
    out.checksum = String(expected);
    let calls = 1;
    let mismatches = 0;
    // Every result is compared: it keeps the loop's results alive and catches a workload whose
    // checksum depends on how often it ran (the contract says it must not).
    const batch = (n) => {
      const t0 = now();
      for (let i = 0; i < n; i++) if (run() !== expected) mismatches++;
      calls += n;
      return now() - t0;
    };
    // Calibration: grow the batch until it lasts batchMs. It doubles as the first warm-up.
    let n = 1;
    for (;;) {
      const t = batch(n);
      if (t >= opts.batchMs || now() > deadline) break;
      n = t < opts.batchMs / 8 ? n * 8 : Math.ceil((n * opts.batchMs * 1.1) / t);
    }
    const warmStart = now();
    while (now() - warmStart < opts.warmupMs && now() < deadline) batch(n);
    const perOp = [];
    for (let k = 0; k < opts.batches; k++) {
      perOp.push((batch(n) * 1e6) / n);
      if (now() > deadline && perOp.length >= Math.min(opts.batches, 3)) {
        if (perOp.length < opts.batches) notes.push(`time box: ${perOp.length} of ${opts.batches} batches`);
        break;
      }
    }
    perOp.sort((a, b) => a - b);
    const quantile = (q) => {
      const pos = (perOp.length - 1) * q;
      const lo = Math.floor(pos);
      const hi = Math.min(lo + 1, perOp.length - 1);
      return perOp[lo] + (perOp[hi] - perOp[lo]) * (pos - lo);
    };
    out.nsPerOp = quantile(0.5);
    out.errorNs = quantile(0.75) - quantile(0.25);
    out.samples = perOp.length;
    out.callsPerBatch = n;
    if (mismatches > 0) notes.push(`checksum differed in ${mismatches} of ${calls} runs`);
  } catch (e) {
    notes.push('trapped: ' + String(e.message || e).split('\n')[0]);
    out.nsPerOp = null;
    out.errorNs = null;
    out.samples = 0;
  }
  out.note = notes.join('; ');
  return out;
}

function usage(status, message) {
  if (message) process.stderr.write(message + '\n');
  process.stderr.write('usage: bench.mjs [--engine node|chromium] JOBS.json|-\n');
  process.exit(status);
}

function parseArgs(argv) {
  let engine = 'node';
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--engine') engine = argv[++i];
    else if (a === '-h' || a === '--help') usage(0);
    else if (a.startsWith('--')) usage(2, 'unknown option ' + a);
    else positional.push(a);
  }
  if (engine !== 'node' && engine !== 'chromium') usage(2, 'engine must be node or chromium');
  if (positional.length !== 1) usage(2, 'expected one job file');
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(positional[0] === '-' ? 0 : positional[0], 'utf8'));
  } catch (e) {
    usage(2, 'cannot read job list: ' + e.message);
  }
  const jobs = Array.isArray(parsed) ? parsed : parsed.jobs;
  if (!Array.isArray(jobs)) usage(2, 'job list must be an array or {"options":{...},"jobs":[...]}');
  const opts = { ...DEFAULTS, ...(Array.isArray(parsed) ? {} : parsed.options || {}) };
  return { engine, jobs, opts };
}

function emit(line) {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(line) + '\n', resolve));
}

function resultLine(job, engineLabel, measured) {
  const { nsPerOp, errorNs, samples, checksum, note, ...extra } = measured;
  return {
    workload: job.workload,
    sizeBytes: job.sizeBytes,
    variant: job.variant,
    engine: engineLabel,
    nsPerOp,
    errorNs,
    samples,
    checksum,
    note,
    ...extra,
  };
}

/** Reads the wasm, or returns a note saying why the job cannot run on V8. */
function prepare(job) {
  if (JVM_ONLY.has(job.variant)) {
    return { note: `variant ${job.variant} needs the JVM (TVM host imports or Chicory); not run on V8` };
  }
  try {
    return { wasmBase64: readFileSync(job.file).toString('base64') };
  } catch (e) {
    return { note: `missing wasm ${job.file}: ${e.code || e.message}` };
  }
}

const skipped = (note) => ({ nsPerOp: null, errorNs: null, samples: 0, checksum: '', note });

function logJob(i, total, job, measured) {
  const what = measured.nsPerOp == null ? measured.note : `${(measured.nsPerOp / 1000).toFixed(2)} µs/op`;
  process.stderr.write(`bench: ${i + 1}/${total} ${job.workload} ${job.sizeBytes} ${job.variant}: ${what}\n`);
}

async function runNode(jobs, opts) {
  const label = 'node ' + process.versions.node;
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i];
    const prepared = prepare(job);
    const measured = prepared.note ? skipped(prepared.note) : await measureJob({ ...prepared, job, opts });
    logJob(i, jobs.length, job, measured);
    await emit(resultLine(job, label, measured));
    // Drop the instance (and its memory, up to GiBs) before the next job allocates its own.
    if (typeof globalThis.gc === 'function') globalThis.gc();
  }
}

async function runChromium(jobs, opts) {
  let browser;
  let label = 'chromium';
  const start = async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ reuseFirst: true });
    label = 'chromium ' + (await browser.version(page));
    await page.close();
  };
  try {
    await start();
  } catch (e) {
    process.stderr.write('bench: browser did not start: ' + e.message.split('\n')[0] + '\n');
    process.exit(3);
  }
  try {
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i];
      const prepared = prepare(job);
      let measured;
      if (prepared.note) {
        measured = skipped(prepared.note);
      } else {
        // A fresh page per job: the previous job's memory goes away with its renderer heap.
        const page = await browser.newPage();
        let timer;
        const timeout = new Promise((resolve) => {
          timer = setTimeout(() => resolve(null), opts.jobTimeoutMs);
        });
        try {
          measured = await Promise.race([page.evaluate(measureJob, { ...prepared, job, opts }), timeout]);
        } catch (e) {
          measured = skipped('page failed: ' + e.message.split('\n')[0]);
        } finally {
          clearTimeout(timer);
        }
        if (measured === null) {
          measured = skipped(`timed out after ${opts.jobTimeoutMs} ms`);
          await browser.close(); // the page is stuck in wasm: only a new browser gets it back
          await start();
        } else {
          await page.close().catch(() => {});
        }
      }
      logJob(i, jobs.length, job, measured);
      await emit(resultLine(job, label, measured));
    }
  } finally {
    if (browser) await browser.close();
  }
}

const { engine, jobs, opts } = parseArgs(process.argv.slice(2));
if (engine === 'node') {
  // Node has atob and performance as globals, like the page: measureJob runs unchanged.
  await runNode(jobs, opts);
} else {
  await runChromium(jobs, opts);
}
