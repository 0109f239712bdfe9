// Shared by the end-to-end tests and the benchmark: serve dist/ on loopback, drive Debian's
// Chromium with playwright-core (never a downloaded browser), and watch the page for trouble.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The release the tests load; the bench points OVERLAP_DIST at its own build (dist-bench/).
export const DIST = process.env.OVERLAP_DIST ?? path.join(ROOT, 'dist');
export const ARTIFACTS = path.join(ROOT, 'tests/e2e/artifacts');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.zip': 'application/zip',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
};

/** Where the test server takes the browser's reports of Content-Security-Policy violations. */
const CSP_REPORTS = '/__csp-report';

/**
 * The headers of dist/_headers (written by scripts/security-headers.mjs for static hosts), as a
 * host that reads the file sends them, with a report-uri added to the policy.
 */
async function hostHeaders(dir = DIST) {
  const text = await fs.readFile(path.join(dir, '_headers'), 'utf8').catch(() => {
    throw new Error(`${dir}/_headers is missing: build with trunk (its post-build hook writes it)`);
  });
  const headers = Object.fromEntries(
    text.split('\n').filter((line) => /^\s+\S/.test(line)).map((line) => {
      const at = line.indexOf(':');
      return [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    }),
  );
  headers['Content-Security-Policy'] += `; report-uri ${CSP_REPORTS}`;
  return headers;
}

/**
 * Serves dist/ on 127.0.0.1 at a free port with the headers a static host sends from
 * dist/_headers; `isolated: false` leaves out COOP/COEP. `cspReports` collects every
 * Content-Security-Policy violation the browser reports (`headers: false` sends none of
 * dist/_headers, as a host that cannot). `root` serves another build, and
 * `setRoot(dir)` switches to another one while the server runs (a host deploying a release).
 */
export async function serveDist({ isolated = true, root = DIST, headers = true } = {}) {
  let served = root;
  await fs.access(path.join(DIST, 'index.html')).catch(() => {
    throw new Error('dist/index.html is missing: build first (./scripts/build.sh)');
  });
  // `headers: false`: none of dist/_headers, as GitHub Pages serves it (the service worker adds
  // the isolation headers; the policy is in index.html itself).
  // A host sends each build's own _headers with it (its policy names its own inline scripts).
  const headersOf = async (dir) => {
    const host = headers ? await hostHeaders(dir) : {};
    if (!isolated) {
      delete host['Cross-Origin-Opener-Policy'];
      delete host['Cross-Origin-Embedder-Policy'];
    }
    return host;
  };
  let host = await headersOf(root);
  const cspReports = [];
  const server = http.createServer(async (req, res) => {
    if (req.method === 'POST' && req.url === CSP_REPORTS) {
      let body = '';
      for await (const chunk of req) body += chunk;
      cspReports.push(body);
      res.writeHead(204).end();
      return;
    }
    let file = decodeURIComponent(new URL(req.url, 'http://local').pathname);
    if (file.endsWith('/')) file += 'index.html';
    file = path.join(served, path.normalize(file));
    if (!file.startsWith(served + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await fs.readFile(file);
      const headers = {
        ...host,
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
      };
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    cspReports,
    setRoot: async (dir) => {
      host = await headersOf(dir);
      served = dir;
    },
    // close() alone waits for every connection to end, and Chromium keeps a spare socket open
    // that never sends a request: the server would wait for Node's 5-minute request timeout.
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}

/**
 * Runs `body(url)` against a fresh server for dist/, closing the server afterwards. Fails if the
 * browser reported any violation of the Content-Security-Policy meanwhile: every test that opens
 * the app checks that the policy holds in what it did.
 */
export async function withServer(options, body) {
  const server = await serveDist(options);
  let result;
  try {
    result = await body(server.url);
  } finally {
    await server.close();
  }
  if (server.cspReports.length > 0) {
    throw new Error(`Content-Security-Policy violations:\n${server.cspReports.join('\n')}`);
  }
  return result;
}

/** Debian's Chromium, headless; `extraArgs` add to its flags (Lighthouse's debugging port). */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    // Without the network flags Chromium keeps dialling hosts this sandbox cannot reach.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}

/**
 * Opens the app in a fresh browser context and collects console errors, page errors and
 * main-thread long tasks. `serviceWorkers: 'block'` keeps www/sw.js out, as on a browser or
 * address that allows none. `cores` makes the page's navigator.hardwareConcurrency report that
 * many, before anything loads (as a laptop with SMT siblings or efficiency cores, or WebKit,
 * reports more than runs at once). Returns { page, problems(), longTasks(), resetLongTasks() }.
 */
export async function openApp(browser, url, { serviceWorkers = 'allow', cores } = {}) {
  const context = await browser.newContext({ serviceWorkers });
  const page = await context.newPage();
  if (cores !== undefined) {
    await page.addInitScript((n) => {
      Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n, configurable: true });
    }, cores);
  }
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('worker', (worker) => {
    worker.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`worker console: ${msg.text()}`);
    });
  });
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(url);
  await built(page);
  return {
    page,
    problems: () => [...errors],
    longTasks: () => page.evaluate(() => window.__longTasks.slice()),
    resetLongTasks: () => page.evaluate(() => { window.__longTasks.length = 0; }),
  };
}

/**
 * Waits until the page has built every section. They are built one per frame after its first
 * render (web::ui::components::Deferred), so the CPU lab's `#run` can be there a few frames before
 * the history below it. `#run` attached, not visible: an address of one place keeps the other
 * sections hidden.
 */
export async function built(page) {
  await page.waitForSelector('#run', { state: 'attached' });
  await page.waitForFunction(() => {
    const places = [...document.querySelectorAll('main > .place')];
    return places.length > 0 && places.every((place) => place.firstElementChild);
  });
}

/**
 * Sets the experiment's inputs (any left out keep theirs): kernel slug, size, repeats, and the
 * models to compare with sequential (slugs).
 */
export async function setExperiment(page, { kernel, size, repeats, models }) {
  if (kernel !== undefined) await page.selectOption('#kernel', kernel);
  if (size !== undefined) await page.fill('#size', String(size));
  if (repeats !== undefined) await page.fill('#repeats', String(repeats));
  if (models !== undefined) {
    for (const box of await page.$$('input[name="model"]:not([disabled])')) {
      const want = models.includes(await box.getAttribute('value'));
      if ((await box.isChecked()) !== want) await box.click();
    }
  }
}

/** Ticks exactly the I/O lab's models `keys` (their checkbox values). */
export async function chooseIoModels(page, keys) {
  for (const box of await page.$$('input[name="io-model"]')) {
    const want = keys.includes(await box.getAttribute('value'));
    if ((await box.isChecked()) !== want) await box.click();
  }
}

/** Sets the inputs, presses Run and waits until the sweep is done, cancelled or failed. */
export async function runExperiment(page, settings, timeout = 180_000) {
  await setExperiment(page, settings);
  await page.click('#run');
  await page.waitForSelector('#status:not([data-state="running"]):not([data-state="idle"])', { timeout });
  return readRows(page);
}

/**
 * Runs a small sweep of `models` at k = 1, 2 (count of 2e7, 3 repeats) and returns the CPU lab's
 * link with its results, as a student copies it for a teacher.
 */
export async function sweepLink(page, models) {
  await page.fill('#threads', '1,2');
  await runExperiment(page, { kernel: 'count', size: '20_000_000', repeats: 3, models });
  return copiedResultsLink(page);
}

/** Presses "Copy link with results" and returns the link it makes. */
export async function copiedResultsLink(page) {
  await page.click('#cpu-copy-results');
  await page.waitForFunction(() => document.querySelector('#cpu-share-link').value.includes('#v1.'));
  return page.inputValue('#cpu-share-link');
}

/** The results table as data: one object per row, from its data-* attributes. */
export function readRows(page) {
  return page.$$eval('#results tbody tr', (rows) =>
    rows.map((row) => ({
      kernel: row.dataset.kernel,
      model: row.dataset.model,
      threads: Number(row.dataset.threads),
      ms: Number(row.dataset.ms),
      checksum: row.dataset.checksum,
      verdict: row.dataset.verdict,
      speedup: row.dataset.speedup === undefined ? undefined : Number(row.dataset.speedup),
      samplesMs: (row.dataset.samplesMs ?? '').split(' ').filter(Boolean).map(Number),
    })),
  );
}
