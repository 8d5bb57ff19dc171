#!/usr/bin/env node
// Times the benchmark-matrix workloads in Node or headless Chromium. Reads a job list, prints one
// BenchResult JSON line per job on stdout (dev.tvm.bench.matrix.BenchResult; progress on stderr).
// Consecutive jobs with the same workload, size and seed form a group whose variants are measured
// side by side (batches interleaved round-robin); give the variants of a cell next to each other.
//
//   node bench.mjs [--engine node|chromium] JOBS.json|-
//
// JOBS.json: [{workload, sizeBytes, variant, file, seed}, ...], or {"options": {...}, "jobs": [...]}
// with options (defaults in DEFAULTS below):
//   warmupMs     time-boxed warm-up after calibration, per job
//   batches      measured batches K; the score is the median over them, errorNs their IQR
//   batchMs      a batch is as many bench_run calls as last at least this long, so Chromium's
//                100 µs timer coarsening (no cross-origin isolation) costs under 0.5 %
//   maxCellMs    time box per job for calibration, warm-up and measurement (a group gets the sum);
//                once it is spent a group stops after at least 3 batches (and says so in its notes)
//   jobTimeoutMs Chromium only: a group still running after this (times its jobs) is abandoned and
//                the browser restarted for the rest; Node cannot interrupt a running wasm loop, its
//                caller must
//
// Variants host and mm need the JVM's TVM host (imports of tvm functions or a region as memory 0):
// they are not run here and come back with a note. Exit status: 0 ok (failed jobs are results with
// a note), 2 usage error, 3 the browser failed to start.
import { readFileSync } from 'node:fs';
import { launchChromium } from './chromium.mjs';

const DEFAULTS = { warmupMs: 1000, batches: 15, batchMs: 50, maxCellMs: 20000, jobTimeoutMs: 300000 };
const JVM_ONLY = new Set(['tvm-host', 'tvm-mm', 'm32-bytebuffer', 'java-segment']);

/**
 * Measures a group of jobs (the variants of one workload, size and seed) side by side: every module
 * is instantiated and set up, calibrated and warmed, then the measured batches go round-robin
 * across the variants, so a burst of load from other processes on this shared machine lands on
 * all of them alike instead of on whichever ran during it. Self-contained (no references outside
 * its body) because Chromium runs it from its source text in the page. Returns one result per item.
 */
async function measureGroup({ items, opts }) {
  const now = () => performance.now();
  const states = items.map(() => ({
    out: { nsPerOp: null, errorNs: null, samples: 0, checksum: '', note: '' },
    notes: [],
    perOp: [],
    calls: 0,
    mismatches: 0,
  }));
  const fail = (st, why, e) => {
    st.notes.push(why + String((e && e.message) || e).split('\n')[0]);
    st.run = null;
    st.perOp = [];
  };

  // The workloads are self-contained; anything they import is a stub that fails loudly when
  // called (WASI calls answer ENOSYS, as in calls.js), so a stray import cannot skew a timing.
  for (let i = 0; i < items.length; i++) {
    const st = states[i];
    const binary = atob(items[i].wasmBase64);
    const bytes = new Uint8Array(binary.length);
    for (let k = 0; k < binary.length; k++) bytes[k] = binary.charCodeAt(k);
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
      fail(st, 'instantiation failed: ', e);
      continue;
    }
    const { bench_setup: setup, bench_run: run } = instance.exports;
    if (typeof setup !== 'function' || typeof run !== 'function') {
      st.notes.push('module exports no bench_setup/bench_run');
      continue;
    }
    try {
      const job = items[i].job;
      const t0 = now();
      const used = setup(BigInt(job.sizeBytes), BigInt(job.seed));
      st.out.setupMs = Math.round((now() - t0) * 10) / 10;
      if (used < 0n) {
        st.notes.push(`bench_setup returned ${used}`);
        continue;
      }
      st.out.usedBytes = String(used);
      st.expected = run();
      st.out.checksum = String(st.expected);
      st.calls = 1;
      st.run = run;
    } catch (e) {
      fail(st, 'trapped: ', e);
    }
  }

  // Every result is compared: it keeps the loop's results alive and catches a workload whose
  // checksum depends on how often it ran (the contract says it must not).
  const batch = (st) => {
    const run = st.run;
    const expected = st.expected;
    const n = st.n;
    let mismatches = 0;
    const t0 = now();
    for (let i = 0; i < n; i++) if (run() !== expected) mismatches++;
    const t = now() - t0;
    st.mismatches += mismatches;
    st.calls += n;
    return t;
  };
  const live = () => states.filter((st) => st.run);
  const deadline = now() + opts.maxCellMs * Math.max(1, live().length);

  // Calibration: grow each variant's batch until it lasts batchMs. It doubles as warm-up.
  for (const st of live()) {
    st.n = 1;
    try {
      for (;;) {
        const t = batch(st);
        if (t >= opts.batchMs || now() > deadline) break;
        st.n = t < opts.batchMs / 8 ? st.n * 8 : Math.ceil((st.n * opts.batchMs * 1.1) / t);
      }
    } catch (e) {
      fail(st, 'trapped: ', e);
    }
  }
  // Each round starts one variant later, so no variant always runs right after another's batch.
  let round = 0;
  const roundRobin = (record) => {
    const order = live();
    const shift = round++ % Math.max(1, order.length);
    for (const st of order.slice(shift).concat(order.slice(0, shift))) {
      try {
        const t = batch(st);
        if (record) st.perOp.push((t * 1e6) / st.n);
      } catch (e) {
        fail(st, 'trapped: ', e);
      }
    }
  };
  const warmEnd = now() + opts.warmupMs * live().length;
  while (now() < warmEnd && now() < deadline && live().length > 0) roundRobin(false);
  for (let k = 0; k < opts.batches && live().length > 0; k++) {
    roundRobin(true);
    if (now() > deadline && k + 1 >= Math.min(opts.batches, 3)) {
      if (k + 1 < opts.batches) for (const st of live()) st.notes.push(`time box: ${k + 1} of ${opts.batches} batches`);
      break;
    }
  }

  return states.map((st) => {
    const out = st.out;
    if (st.run && st.perOp.length > 0) {
      const perOp = st.perOp.slice().sort((a, b) => a - b);
      const quantile = (q) => {
        const pos = (perOp.length - 1) * q;
        const lo = Math.floor(pos);
        const hi = Math.min(lo + 1, perOp.length - 1);
        return perOp[lo] + (perOp[hi] - perOp[lo]) * (pos - lo);
      };
      out.nsPerOp = quantile(0.5);
      out.errorNs = quantile(0.75) - quantile(0.25);
      out.samples = perOp.length;
      out.callsPerBatch = st.n;
    }
    if (st.mismatches > 0) st.notes.push(`checksum differed in ${st.mismatches} of ${st.calls} runs`);
    out.note = st.notes.join('; ');
    return out;
  });
}

/** Consecutive jobs of the same workload, size and seed: the variants measured side by side. */
function groups(jobs) {
  const out = [];
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs[i];
    const last = out[out.length - 1];
    const prev = last && jobs[last[last.length - 1]];
    if (prev && prev.workload === j.workload && prev.sizeBytes === j.sizeBytes && prev.seed === j.seed) last.push(i);
    else out.push([i]);
  }
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

/** Runs the jobs group by group; measure(items) returns one result per item (a job with its wasm). */
async function runGroups(jobs, label, measure) {
  for (const group of groups(jobs)) {
    const results = new Array(group.length);
    const items = [];
    const slots = [];
    group.forEach((jobIndex, k) => {
      const prepared = prepare(jobs[jobIndex]);
      if (prepared.note) results[k] = skipped(prepared.note);
      else {
        items.push({ ...prepared, job: jobs[jobIndex] });
        slots.push(k);
      }
    });
    if (items.length > 0) {
      const measured = await measure(items);
      slots.forEach((k, m) => (results[k] = measured[m]));
    }
    for (let k = 0; k < group.length; k++) {
      const job = jobs[group[k]];
      logJob(group[k], jobs.length, job, results[k]);
      await emit(resultLine(job, label(), results[k]));
    }
  }
}

async function runNode(jobs, opts) {
  const label = 'node ' + process.versions.node;
  await runGroups(
    jobs,
    () => label,
    async (items) => {
      const measured = await measureGroup({ items, opts });
      // Drop the instances (and their memories, up to GiBs) before the next group allocates.
      if (typeof globalThis.gc === 'function') globalThis.gc();
      return measured;
    },
  );
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
    await runGroups(
      jobs,
      () => label,
      async (items) => {
        // A fresh page per group: the previous group's memories go away with its renderer heap.
        const page = await browser.newPage();
        const limit = opts.jobTimeoutMs * items.length;
        let timer;
        const timeout = new Promise((resolve) => {
          timer = setTimeout(() => resolve(null), limit);
        });
        let measured;
        try {
          measured = await Promise.race([page.evaluate(measureGroup, { items, opts }), timeout]);
        } catch (e) {
          measured = items.map(() => skipped('page failed: ' + e.message.split('\n')[0]));
        } finally {
          clearTimeout(timer);
        }
        if (measured === null) {
          await browser.close(); // the page is stuck in wasm: only a new browser gets it back
          await start();
          return items.map(() => skipped(`timed out after ${limit} ms`));
        }
        await page.close().catch(() => {});
        return measured;
      },
    );
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
