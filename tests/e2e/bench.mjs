// The browser benchmark behind scripts/bench.sh. Not a test: it prints what it measured, through
// the app's real runtime (engine worker, rayon pool, worker processes) in headless Chromium.
//
// This machine's speed drifts by tens of percent over seconds (a shared VM), so every ratio is
// taken within one round, where its two sides ran back to back, and each is printed with its
// middle half over the rounds (the 25th to 75th percentile). A target is met when its whole
// middle half meets it, MISSED when none of it does, and unsettled otherwise; while one is
// unsettled the bench runs more rounds, up to OVERLAP_BENCH_MAX_ROUNDS (default 15). Nothing here
// fails a build.
//
// The work is cross-checked: every model's checksum must equal the sequential one, and wasm's
// must equal native's at the same size, which both take from the kernels' registry (the native
// binary's `--sizes`); a mismatch is a failed target, not a timing.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serveDist, launchChromium, openApp, runExperiment, DIST } from './support.mjs';
import { withLighthouse } from './lighthouse.mjs';
import { benchPython } from './bench-python.mjs';

const ROUNDS = Number(process.env.OVERLAP_BENCH_ROUNDS ?? '7');
const MAX_ROUNDS = Math.max(ROUNDS, Number(process.env.OVERLAP_BENCH_MAX_ROUNDS ?? '15'));
// The native example binary (examples/sequential.rs), run per kernel: built with the wasm
// release's own optimisation levels per package (Cargo.toml's `wasm-release`: the kernels at 2,
// the rest for size), so the ratio compares the same compiler pipeline up to the target. And the
// same example as a native release ships (opt-level 3 throughout), printed beside it.
const NATIVE = process.env.OVERLAP_NATIVE_BIN;
const NATIVE_O3 = process.env.OVERLAP_NATIVE_O3_BIN;
if (!NATIVE) throw new Error('OVERLAP_NATIVE_BIN: the native example binary (scripts/bench.sh builds it)');
const COMPUTE = ['count', 'mandelbrot', 'primes', 'sha256'];

const median = (xs) => quantile(xs, 0.5);
// The q-quantile of xs, linearly interpolated between ranks (as numpy's default).
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}
const middleHalf = (xs) => [quantile(xs, 0.25), quantile(xs, 0.75)];
const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const spread = (xs, digits = 2) => {
  const [lo, hi] = middleHalf(xs);
  return `${fmt(median(xs), digits)} (${fmt(lo, digits)}–${fmt(hi, digits)})`;
};

// Every target, in the order measured, for the summary at the end. `samples`: one value per
// round (or one value). Met when the whole middle half meets the limit, MISSED when none of it
// does, unsettled otherwise.
const targets = [];
const judge = (samples, limit, atLeast) => {
  const [lo, hi] = middleHalf(samples);
  if (!samples.every(Number.isFinite)) return 'MISSED';
  const meets = (x) => (atLeast ? x >= limit : x <= limit);
  if (meets(lo) && meets(hi)) return 'met';
  if (!meets(lo) && !meets(hi)) return 'MISSED';
  return 'unsettled';
};
const target = (name, samples, limit, unit, { atLeast = false } = {}) => {
  const values = Array.isArray(samples) ? samples : [samples];
  return record({ name, values, limit, unit, atLeast, verdict: judge(values, limit, atLeast) });
};
// Adds a target, or replaces the one of that name (judged again after another round), unless
// that one was MISSED for good (a mismatch stays one).
const record = (entry, { sticky = false } = {}) => {
  const old = targets.findIndex((t) => t.name === entry.name);
  if (old < 0) targets.push(entry);
  else if (!(sticky && targets[old].verdict === 'MISSED')) targets[old] = entry;
  return entry.verdict;
};
// The same work, or not: a failed target when `got` differs from `expected`.
const sameWork = (name, got, expected) => {
  const same = got === expected;
  record({ name, values: [same ? 0 : 1], limit: 0, unit: 'mismatches', atLeast: false, verdict: same ? 'met' : 'MISSED', detail: same ? '' : `${got} against ${expected}` }, { sticky: true });
  return same;
};
// Whether a target whose name passes `which` is still unsettled (then the bench runs more rounds).
const unsettled = (which) => targets.some((t) => t.verdict === 'unsettled' && which(t.name));

// The kernels' sizes, from their registry: what native runs, and so what wasm must run.
const defaults = JSON.parse(execFileSync(NATIVE, ['--sizes'], { stdio: ['ignore', 'pipe', 'inherit'] }));

// The download: what a visitor's browser fetches for the app's code, raw and gzipped (level 9,
// as a static host serves it).
// The release's own files (dist/, or OVERLAP_RELEASE_DIST), not the bench's build, whose hooks
// make it larger.
const RELEASE = process.env.OVERLAP_RELEASE_DIST ?? DIST;
const bundle = readdirSync(RELEASE).filter((f) => /\.(wasm|js)$/.test(f) && f !== 'sw.js');
const sizes = Object.fromEntries(bundle.map((f) => {
  const bytes = readFileSync(join(RELEASE, f));
  return [f, { raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length }];
}));
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const wasmFile = bundle.find((f) => f.endsWith('.wasm'));
for (const [f, { raw, gz }] of Object.entries(sizes)) console.log(`bundle ${f}: ${kb(raw)} raw, ${kb(gz)} gzipped`);
console.log(`release wasm gzipped: ${kb(sizes[wasmFile].gz)} ` +
  `(target <= 450 KB: ${target('release wasm, gzipped', sizes[wasmFile].gz / 1024, 450, 'KB')})\n`);

const server = await serveDist({ isolated: true });
const browser = await launchChromium();
try {
  const { page } = await openApp(browser, server.url);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  // One measurement on the app in `on` (this page unless told).
  const measure = async (kernel, run, { pool = cores, fresh = false, size, repeats = 3, on = page } = {}) => {
    const request = { kernel, repeats, ...run };
    if (size !== undefined) request.size = size;
    const out = JSON.parse(
      await on.evaluate(
        ([json, pool, fresh]) => window.wasmBindings.benchMeasure(json, pool, fresh),
        [JSON.stringify(request), pool, fresh],
      ),
    );
    // The engine's reply as it sends it (src/engine/protocol.rs): `{"done": {…}}` when measured.
    const done = out.reply?.done;
    if (out.error || !done) {
      throw new Error(`${JSON.stringify(request)}: ${out.error ?? JSON.stringify(out.reply)}`);
    }
    return { ms: median(done.samples_ms), reply: done, checksum: done.checksum, poolStartMs: out.pool_start_ms };
  };
  console.log(`headless Chromium, ${cores} cores, ${ROUNDS} rounds (more, up to ${MAX_ROUNDS}, while a target is unsettled); ` +
    'each figure is a ratio taken within a round: its median over rounds, and its middle half in brackets\n');

  // Pool start: a fresh engine with a pool of 2, several times.
  const starts = [];
  for (let i = 0; i < 5; i++) {
    starts.push((await measure('count', { model: 'sequential' }, { pool: 2, fresh: true, size: 1000, repeats: 1 })).poolStartMs);
  }
  console.log(`pool start, 2 threads (initThreadPool): ${spread(starts, 1)} ms of ${starts.map((s) => s.toFixed(0)).join(', ')} ` +
    `(target <= 100: ${target('pool start, 2 threads', starts, 100, 'ms')})\n`);

  // The Python lab: the interpreter's download, its start cold and from the compiled module.
  await benchPython(browser, server.url, RELEASE);

  // The page's main thread: its longest task while the page loads (a fresh context each time, so
  // nothing is cached but what the browser caches itself) and while a sweep runs and renders.
  // `during(page)` runs on a fresh page once it is ready; `fromLoad` counts the tasks before it.
  const longestTasks = async ({ fromLoad, during, loads }) => {
    const longest = [];
    for (let i = 0; i < loads; i++) {
      const app = await openApp(browser, server.url);
      await app.page.waitForSelector('#run:not([disabled])', { timeout: 60_000 });
      if (!fromLoad) await app.resetLongTasks();
      await during(app.page);
      longest.push(Math.max(0, ...(await app.longTasks())));
      await app.page.context().close();
    }
    return longest;
  };
  // Every load's longest task counts, not only the median's: the target is on the worst.
  const printLongest = (what, name, longest) => console.log(`longest main-thread task ${what}: worst ${fmt(Math.max(...longest), 0)} ms ` +
    `of ${longest.map((t) => t.toFixed(0)).join(', ')} (target <= 50 in every one: ${target(name, Math.max(...longest), 50, 'ms')})`);
  printLongest('while the page loads (5 loads)', 'longest task, page load, worst of 5',
    await longestTasks({ fromLoad: true, loads: 5, during: (page) => page.waitForTimeout(1_000) }));
  printLongest('during a sweep (count, 4 models; 3 sweeps)', 'longest task, sweep, worst of 3', await longestTasks({
    fromLoad: false,
    loads: 3,
    during: async (page) => {
      await runExperiment(page, { kernel: 'count', size: 200_000_000, repeats: 3, models: ['free-threads', 'gil-threads', 'processes', 'async'] });
      await page.waitForTimeout(500);
    },
  }));
  console.log('');

  const ratios = {};
  const add = (key, value) => (ratios[key] ??= []).push(value);
  const r = (key) => ratios[key] ?? [];
  const m = (key) => median(r(key));
  // Runs `during` on the app loaded afresh: its engine, pool threads and worker processes all
  // started anew. A thread can hash steadily faster or slower than another in the same minutes
  // (one vCPU of this 2-vCPU machine at times hashes at a slower pace; see
  // src/engine/run/sequential.rs), and a page keeps its threads. sha256 over five fresh pages:
  // one worker process read 397-405 ms on two and 465-512 on three; over five more, a pool
  // thread read 400-434 (after the first run of the first page, 654) while the worker process
  // read 404-672; native 365-380. On one page, sequential against two processes read 2.3x on 2
  // cores. Every round on one page judged one set of threads: each round loads its own.
  const onFreshPage = async (during) => {
    const fresh = await openApp(browser, server.url);
    try {
      return await during(fresh.page);
    } finally {
      await fresh.page.context().close();
    }
  };
  // One round: each compute kernel under each model at k = 2 against sequential, back to back,
  // every model's checksum checked against the sequential one.
  const speedupRound = () => onFreshPage(async (on) => {
    for (const kernel of COMPUTE) {
      const size = defaults[kernel];
      const seq = await measure(kernel, { model: 'sequential' }, { size, on });
      for (const [key, run] of [['free', { model: 'free-threads', workers: 2 }], ['gil', { model: 'gil-threads', workers: 2 }], ['proc', { model: 'processes', workers: 2 }]]) {
        const other = await measure(kernel, run, { size, on });
        sameWork(`${kernel}: ${run.model} k=2 computes the sequential checksum`, other.checksum, seq.checksum);
        add(`${kernel} ${key}`, seq.ms / other.ms);
      }
    }
    // Large payload: merge-sort sends its data to the processes and gets sorted chunks back.
    const sort = defaults['merge-sort'];
    const seq = await measure('merge-sort', { model: 'sequential' }, { size: sort, on });
    const proc = await measure('merge-sort', { model: 'processes', workers: 2, style: 'imap', chunksize: 1 }, { size: sort, on });
    const free = await measure('merge-sort', { model: 'free-threads', workers: 2 }, { size: sort, on });
    sameWork('merge-sort: processes computes the sequential checksum', proc.checksum, seq.checksum);
    sameWork('merge-sort: free threads compute the sequential checksum', free.checksum, seq.checksum);
    add('merge-sort proc', seq.ms / proc.ms);
    add('merge-sort free', seq.ms / free.ms);
    const copy = proc.reply.trace.copy;
    add('merge-sort MB', (copy.bytes_sent + copy.bytes_received) / 1e6);
    add('merge-sort copy ms', copy.serialize_ms + copy.deserialize_ms);
    // One pool of `cores` threads with k-limited jobs vs a fresh pool of exactly k.
    const shared1 = (await measure('count', { model: 'free-threads', workers: 1 }, { size: 1e9, on })).ms;
    const shared2 = (await measure('count', { model: 'free-threads', workers: 2 }, { size: 1e9, on })).ms;
    const own1 = (await measure('count', { model: 'free-threads', workers: 1 }, { size: 1e9, pool: 1, fresh: true, on })).ms;
    const own2 = (await measure('count', { model: 'free-threads', workers: 2 }, { size: 1e9, pool: 2, fresh: true, on })).ms;
    add('one max pool k1/k2', shared1 / shared2);
    add('fresh pool k1/k2', own1 / own2);
  });
  const judgeSpeedups = () => {
    for (const kernel of COMPUTE) {
      target(`${kernel}: free threads k=2`, r(`${kernel} free`), 1.85, '×', { atLeast: true });
      target(`${kernel}: GIL threads k=2, no faster than one`, r(`${kernel} gil`), 1.05, '×');
      target(`${kernel}: GIL threads k=2, not much slower than one`, r(`${kernel} gil`), 0.8, '×', { atLeast: true });
      target(`${kernel}: processes k=2`, r(`${kernel} proc`), 1.7, '×', { atLeast: true });
    }
  };
  // OVERLAP_BENCH_ROUNDS=0 skips straight to the wasm-against-native table.
  if (ROUNDS > 0) {
    let round = 0;
    while (round < ROUNDS || (round < MAX_ROUNDS && unsettled((name) => name.includes('k=2')))) {
      await speedupRound();
      round += 1;
      judgeSpeedups();
      console.log(`round ${round} done`);
    }
    console.log(`\n${round} rounds, each on a freshly loaded page. kernel   free k=2 (middle half)   GIL k=2 (middle half)   processes k=2 (middle half), speedup against sequential`);
    for (const kernel of COMPUTE) {
      console.log(`${kernel.padEnd(12)} ${spread(r(`${kernel} free`)).padStart(18)}×  ${spread(r(`${kernel} gil`)).padStart(18)}×  ${spread(r(`${kernel} proc`)).padStart(18)}×`);
    }
    console.log(`\nlarge payload, merge-sort ${defaults['merge-sort']} (imap, chunksize 1): processes k=2 ${spread(r('merge-sort proc'))}× ` +
      `vs free threads k=2 ${spread(r('merge-sort free'))}×; ${fmt(m('merge-sort MB'), 1)} MB copied, ${fmt(m('merge-sort copy ms'), 1)} ms serializing + deserializing`);
    console.log(`count 1e9, k=1→2 speedup: one pool of ${cores} with k-limited jobs ${spread(r('one max pool k1/k2'))}×, a fresh pool of k ${spread(r('fresh pool k1/k2'))}×`);
  }

  // Cancel, per model, in the middle of a task of seconds (sha256 at a billion blocks): the ms
  // from Cancel to the answer, the median over rounds.
  const cancels = {};
  const replaced = new Set();
  for (let round = 1; round <= Math.max(ROUNDS, 1); round++) {
    for (const model of ['sequential', 'gil-threads', 'free-threads', 'async', 'processes']) {
      const request = JSON.stringify({ kernel: 'sha256', size: 1_000_000_000, repeats: 3, model, workers: 2 });
      const out = JSON.parse(await page.evaluate(
        ([json, pool]) => window.wasmBindings.benchCancel(json, pool, 1500), [request, cores]));
      if (out.error || out.reply !== 'cancelled') {
        throw new Error(`cancel ${model}: ${out.error ?? JSON.stringify(out.reply)}`);
      }
      (cancels[model] ??= []).push(out.stopped_ms);
      if (out.replaced) replaced.add(model);
    }
  }
  // The slowest model's per round.
  const slowest = cancels.sequential.map((_, i) => Math.max(...Object.values(cancels).map((ms) => ms[i])));
  console.log(`\ncancel mid-task (sha256 1e9), ms from Cancel to the answer: ${Object.entries(cancels)
    .map(([model, ms]) => `${model} ${spread(ms, 0)}${replaced.has(model) ? ' (engine replaced)' : ''}`).join(', ')} ` +
    `(target <= 100: ${target('cancel mid-task, slowest model', slowest, 100, 'ms')})`);

  // wasm single-thread against native single-thread, same kernel and size (the registry's
  // default), timed back to back in each round (the native binary runs just before the browser
  // run); the ratio is judged by its middle half, and the two checksums must agree. Each round
  // on a page of its own (`onFreshPage`).
  const wasmRatios = {};
  const o3Ratios = {};
  const wasmMs = {};
  const nativeMs = {};
  const o3Ms = {};
  // SIMD against scalar Mandelbrot, both in this browser in the same round, as a ratio of times.
  const simdSpeedups = [];
  const nativeRound = () => onFreshPage(async (on) => {
    const wasmChecksums = {};
    for (const [kernel, size] of Object.entries(defaults)) {
      const native = JSON.parse(execFileSync(NATIVE, [kernel], { stdio: ['ignore', 'pipe', 'ignore'] }))[kernel];
      const wasm = await measure(kernel, { model: 'sequential' }, { size, on });
      wasmChecksums[kernel] = wasm.checksum;
      if (native.size !== size) throw new Error(`${kernel}: native ran ${native.size}, wasm ${size}`);
      sameWork(`${kernel}: wasm computes native's checksum`, wasm.checksum, native.checksum);
      (wasmRatios[kernel] ??= []).push(wasm.ms / native.ms);
      (wasmMs[kernel] ??= []).push(wasm.ms);
      (nativeMs[kernel] ??= []).push(native.ms);
      if (NATIVE_O3) {
        const o3 = JSON.parse(execFileSync(NATIVE_O3, [kernel], { stdio: ['ignore', 'pipe', 'ignore'] }))[kernel];
        sameWork(`${kernel}: native at opt-level 3 computes the same checksum`, o3.checksum, native.checksum);
        (o3Ratios[kernel] ??= []).push(wasm.ms / o3.ms);
        (o3Ms[kernel] ??= []).push(o3.ms);
      }
    }
    for (const kernel of Object.keys(defaults)) target(`${kernel}: wasm/native`, wasmRatios[kernel], 1.10, '×');
    sameWork('mandelbrot-simd: the scalar mandelbrot\'s checksum', wasmChecksums['mandelbrot-simd'], wasmChecksums.mandelbrot);
    simdSpeedups.push(wasmMs.mandelbrot.at(-1) / wasmMs['mandelbrot-simd'].at(-1));
    target(SIMD_TARGET, simdSpeedups, 1.6, '×', { atLeast: true });
  });
  const SIMD_TARGET = 'mandelbrot-simd: faster than scalar mandelbrot, same browser';
  let nativeRounds = 0;
  while (nativeRounds < Math.max(ROUNDS, 1) || (nativeRounds < MAX_ROUNDS && unsettled((name) => name.endsWith('wasm/native') || name === SIMD_TARGET))) {
    await nativeRound();
    nativeRounds += 1;
  }
  console.log(`\n${nativeRounds} rounds, each on a freshly loaded page. native: the wasm release's opt levels; native O3: as a native release ships`);
  console.log('kernel           wasm ms  native ms  wasm/native (middle half), target <= 1.10   native O3 ms  wasm/native O3');
  for (const kernel of Object.keys(defaults)) {
    console.log(`${kernel.padEnd(15)} ${fmt(median(wasmMs[kernel]), 1).padStart(8)} ${fmt(median(nativeMs[kernel]), 1).padStart(10)} ` +
      `${spread(wasmRatios[kernel]).padStart(20)}×  ${targets.find((t) => t.name === `${kernel}: wasm/native`).verdict.padEnd(9)}` +
      `${fmt(median(o3Ms[kernel] ?? []), 1).padStart(16)} ${spread(o3Ratios[kernel] ?? []).padStart(20)}×`);
  }
  console.log(`\nmandelbrot-simd against scalar mandelbrot (both wasm, this browser): ${spread(simdSpeedups)}× ` +
    `(target >= 1.6: ${targets.find((t) => t.name === SIMD_TARGET).verdict})`);
  // Lighthouse's performance score on the release build served with its headers, the first
  // visit to a lesson's address (what a student follows a teacher's link to), with what it is
  // made of. Each load is fresh (storage cleared); the median of ROUNDS loads per preset.
  // OVERLAP_BENCH_ROUNDS=0 (a quick look at the table above) runs no Lighthouse load.
  if (ROUNDS > 0) await withLighthouse(async (audit) => {
    for (const [preset, limit] of [['desktop', 95], ['mobile', 85]]) {
      const loads = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const lhr = await audit(`${server.url}?lesson=gil`, preset, ['performance']);
        const value = (id) => lhr.audits[id].numericValue;
        loads.push({ score: lhr.categories.performance.score * 100, lcp: value('largest-contentful-paint'), tbt: value('total-blocking-time'), cls: value('cumulative-layout-shift') });
      }
      const mid = (key) => median(loads.map((l) => l[key]));
      console.log(`\nLighthouse performance, ${preset}, ?lesson=gil: ${fmt(mid('score'), 0)} of ${loads.map((l) => l.score.toFixed(0)).join(', ')} ` +
        `(LCP ${fmt(mid('lcp'), 0)} ms, TBT ${fmt(mid('tbt'), 0)} ms, CLS ${fmt(mid('cls'), 3)}) ` +
        `(target >= ${limit}: ${target(`Lighthouse performance, ${preset}`, loads.map((l) => l.score), limit, 'points', { atLeast: true })})`);
    }
  });

  console.log('\ntargets (met: the whole middle half meets it; MISSED: none of it does)');
  for (const { name, values, limit, unit, atLeast, verdict, detail } of targets) {
    const shown = values.length > 1 ? spread(values, unit === '×' ? 2 : 0) : fmt(values[0], unit === '×' ? 2 : 0);
    console.log(`  ${verdict.padEnd(9)} ${name}: ${shown} ${unit} (${atLeast ? '>=' : '<='} ${limit} ${unit})${detail ? `: ${detail}` : ''}`);
  }
  const count = (v) => targets.filter((t) => t.verdict === v).length;
  console.log(count('met') === targets.length ? `all ${targets.length} targets met`
    : `${count('met')} of ${targets.length} targets met, ${count('MISSED')} MISSED, ${count('unsettled')} unsettled`);
} finally {
  await browser.close();
  await server.close();
}
