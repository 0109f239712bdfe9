// The Python lab's part of the benchmark (tests/e2e/bench.mjs, or alone: `node
// tests/e2e/bench-python.mjs` against dist/): what the interpreter adds to the download, how
// long one takes to start (cold: the first fetches and compiles the module for all; from the
// compiled module: the second, started beside it), and the pool's speedup on the count template
// at k = 2. Each load is a fresh browser context, so nothing is in a cache but what it fetches.
// Figures, not targets: printed with their spread.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { serveDist, launchChromium, openApp, DIST } from './support.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs, unit = '') => `${median(xs).toFixed(0)}${unit} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}, ${xs.length} loads)`;

/** Prints the Python lab's figures; `dir` is the release whose pyodide/ is measured. */
export async function benchPython(browser, url, dir = DIST, loads = 3) {
  const [version] = readdirSync(join(dir, 'pyodide'));
  const files = readdirSync(join(dir, 'pyodide', version));
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const bytes = readFileSync(join(dir, 'pyodide', version, f));
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  console.log(`Python lab: the interpreter (Pyodide ${version}, ${files.length} files) adds ` +
    `${(raw / 1e6).toFixed(1)} MB raw, ${(gz / 1e6).toFixed(1)} MB gzipped to the download, on the lab's first run only`);
  const cold = [];
  const fromModule = [];
  const speedups = [];
  for (let i = 0; i < loads; i++) {
    const app = await openApp(browser, `${url}?lab=python`);
    const { page } = app;
    await page.click('[data-template="count"]');
    await page.fill('#py-workers', '2');
    await page.fill('#py-rounds', '3');
    await page.click('#py-run');
    await page.waitForSelector('#py-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 180_000 });
    const state = await page.getAttribute('#py-status', 'data-state');
    if (state !== 'done') throw new Error(`the Python lab ended ${state}: ${await page.textContent('#py-status')}`);
    const starts = await page.$$eval('#py-starts li', (lis) => lis.map((li) => ({ ms: Number(li.dataset.startMs), module: li.dataset.fromModule === 'true' })));
    for (const s of starts) (s.module ? fromModule : cold).push(s.ms);
    speedups.push(Number(await page.getAttribute('#py-results tr[data-model="pool"]', 'data-speedup')));
    await page.context().close();
  }
  console.log(`Python interpreter start, cold (fetch, compile, start CPython): ${range(cold, ' ms')}`);
  console.log(`Python interpreter start, from the compiled module: ${fromModule.length ? range(fromModule, ' ms') : 'none (the module did not cross to the second worker)'}`);
  console.log(`Python pool of 2 on the count template: ${median(speedups).toFixed(2)}× (${speedups.map((s) => s.toFixed(2)).join(', ')}; each the median of 3 rounds or more: the lab runs more while they vary)\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await serveDist({ isolated: true });
  const browser = await launchChromium();
  try {
    await benchPython(browser, server.url);
  } finally {
    await browser.close();
    await server.close();
  }
}
