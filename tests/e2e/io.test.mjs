// End-to-end: the I/O lab against the service worker's built-in targets and the visitor's own
// URLs, and the service worker's isolation of hosts that send no COOP/COEP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { withServer, launchChromium, openApp, chooseIoModels, ARTIFACTS, built } from './support.mjs';

const N = 16;
const L = 200;

let browser;
before(async () => {
  browser = await launchChromium();
  await fs.mkdir(ARTIFACTS, { recursive: true });
});
after(async () => browser?.close());

/** The I/O lab's result rows, from their data-* attributes. */
function readIoRows(page) {
  return page.$$eval('#io-results tbody tr', (rows) =>
    rows.map((row) => ({
      model: row.dataset.model,
      scan: row.dataset.scan,
      workers: Number(row.dataset.workers),
      requests: Number(row.dataset.requests),
      ms: Number(row.dataset.ms),
      failed: Number(row.dataset.failed),
      inFlight: Number(row.dataset.inFlight),
      memory: row.lastElementChild.textContent,
    })),
  );
}

/** Presses the I/O lab's Run and waits for it to end; returns the rows. */
async function runIo(page, timeout = 120_000) {
  await page.click('#io-run');
  await page.waitForSelector('#io-status[data-state="running"]', { timeout: 10_000 }).catch(() => {});
  await page.waitForSelector('#io-status:not([data-state="running"]):not([data-state="idle"])', { timeout });
  const state = await page.getAttribute('#io-status', 'data-state');
  assert.equal(state, 'done', await page.textContent('#io-status'));
  return readIoRows(page);
}

test('built-in targets: one at a time N·L, all at once L, k at a time ⌈N/k⌉·L, with a waterfall each', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    await app.resetLongTasks();
    // The defaults are the lesson: 16 pages of 200 ms, k = 4.
    assert.equal(await page.inputValue('#io-requests'), String(N));
    assert.equal(await page.inputValue('#io-latency'), String(L));
    const rows = await runIo(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'io-lab.png'), fullPage: true });
    console.log(`# ${rows.map((r) => `${r.model} ${r.ms.toFixed(0)} ms`).join(', ')}`);
    const by = Object.fromEntries(rows.map((r) => [r.model, r]));
    assert.deepEqual(Object.keys(by), ['sequential', 'gather', 'bounded', 'threads']);
    for (const row of rows) {
      assert.equal(row.requests, N);
      assert.equal(row.failed, 0, row.model);
    }
    assert.ok(by.sequential.ms >= 0.9 * N * L, `sequential ${by.sequential.ms} ms`);
    assert.equal(by.sequential.inFlight, 1);
    assert.ok(by.gather.ms <= 1.5 * L, `gather ${by.gather.ms} ms`);
    assert.equal(by.gather.inFlight, N);
    for (const model of ['bounded', 'threads']) {
      const ideal = Math.ceil(N / 4) * L;
      assert.equal(by[model].workers, 4);
      assert.equal(by[model].inFlight, 4, model);
      assert.ok(Math.abs(by[model].ms - ideal) <= 0.3 * ideal, `${model} ${by[model].ms} ms against ${ideal}`);
    }
    // A waterfall per run, a bar per request.
    const bars = await page.$$eval('figure.waterfall', (figures) =>
      figures.map((f) => [f.dataset.model, f.querySelectorAll('.wf-row').length]));
    assert.deepEqual(bars, ['sequential', 'gather', 'bounded', 'threads'].map((m) => [m, N]));
    assert.ok(await page.isVisible('[data-note="builtin-targets"]'));
    // The trace: each run a process, each request an async slice whose phases nest in order.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#io-trace')]);
    assert.equal(download.suggestedFilename(), 'overlap-io.trace.json');
    const trace = JSON.parse(await fs.readFile(await download.path(), 'utf8'));
    const processes = trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => e.args.name);
    assert.deepEqual(processes.map((name) => name.split(':')[0]), ['Sequential', 'Gather', 'Bounded', 'Blocking threads']);
    for (let pid = 1; pid <= 4; pid++) {
      const ends = trace.traceEvents.filter((e) => e.pid === pid && e.ph === 'e' && e.name.startsWith('request '));
      assert.equal(ends.length, N, `requests of run ${pid}`);
    }
    // One at a time: every request but the first waited in the queue, the last for about (N-1)·L.
    const queued = trace.traceEvents.filter((e) => e.pid === 1 && e.ph === 'e' && e.name === 'queued');
    assert.ok(queued.length >= N - 1, `${queued.length} requests queued`);
    const longest = Math.max(...queued.map((e) => e.ts));
    assert.ok(longest >= 0.9 * (N - 1) * L * 1000, `the last request queued until ${longest} µs`);
    const long = (await app.longTasks()).filter((ms) => ms > 200);
    assert.deepEqual(long, [], 'main-thread long tasks over 200 ms');
    assert.deepEqual(app.problems(), []);
  });
});

test('failing targets are reported one by one with a readable reason while the rest succeed', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    // Seed 9 at a 10 % failure rate fails requests 7 and 15 of 16, every time.
    await page.click('button[data-preset="flaky"]');
    let rows = await runIo(page);
    assert.deepEqual(rows.map((r) => [r.model, r.requests, r.failed]), [['gather', N, 2], ['bounded', N, 2]]);
    const reasons = await page.$$eval('figure[data-model="gather"] [data-request-error]', (items) =>
      items.map((li) => [li.dataset.requestError, li.querySelector('.reason').textContent]));
    assert.deepEqual(reasons, [['7', 'HTTP 503 Service Unavailable'], ['15', 'HTTP 503 Service Unavailable']]);

    // The visitor's own list: two good pages, a 503, a site that sends no CORS headers (this
    // server under its other name), a line that is no URL. Fetched concurrently and by threads.
    const base = new URL('__overlap/io/page', url).href;
    const otherOrigin = url.replace('127.0.0.1', 'localhost') + 'index.html';
    await page.check('input[name="io-targets"][value="urls"]');
    await page.fill('#io-urls', [
      `${base}?i=0&latency=100`,
      `${base}?i=1&latency=100&fail=1`,
      '# a comment line is skipped',
      otherOrigin,
      'example.org/no-scheme',
      `${base}?i=2&latency=100`,
    ].join('\n'));
    await chooseIoModels(page, ['gather', 'threads']);
    rows = await runIo(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'io-failures.png'), fullPage: true });
    assert.deepEqual(rows.map((r) => [r.model, r.requests, r.failed]), [['gather', 5, 3], ['threads', 5, 3]]);
    for (const model of ['gather', 'threads']) {
      const failures = await page.$$eval(`figure[data-model="${model}"] [data-request-error]`, (items) =>
        Object.fromEntries(items.map((li) => [li.dataset.requestError, li.querySelector('.reason').textContent])));
      assert.deepEqual(Object.keys(failures), ['1', '2', '3'], model);
      assert.equal(failures[1], 'HTTP 503 Service Unavailable');
      assert.match(failures[2], /CORS|Access-Control-Allow-Origin/, `${model}: ${failures[2]}`);
      assert.match(failures[3], /not an http:\/\/ or https:\/\/ URL/);
    }
    assert.deepEqual(app.problems().filter((p) => !/CORS|Access-Control|ERR_FAILED|status of 503|XMLHttpRequest/.test(p)), []);
  });
});

test('5 000 tasks: gather and a bounded pool of 50 finish, with wall time and memory', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    await page.click('button[data-preset="thousands"]');
    assert.equal(await page.inputValue('#io-requests'), '5000');
    const rows = await runIo(page, 180_000);
    console.log(`# 5000 tasks: ${rows.map((r) => `${r.model} ${r.ms.toFixed(0)} ms, ${r.memory}`).join('; ')}`);
    assert.deepEqual(rows.map((r) => [r.model, r.requests, r.failed]), [['gather', 5000, 0], ['bounded', 5000, 0]]);
    const [gather, bounded] = rows;
    assert.ok(gather.inFlight > 1000, `gather had ${gather.inFlight} in flight`);
    assert.equal(bounded.inFlight, 50);
    // ⌈5000/50⌉ · 50 ms = 5 s at best.
    assert.ok(bounded.ms >= 0.9 * 5000, `bounded ${bounded.ms} ms`);
    // No ordering between the two is asserted: on a small machine both are paced by how fast
    // the browser hands requests to the service worker (the run's note says so).
    for (const row of rows) assert.match(row.memory, /wasm \d+\.\d MiB/);
    // The waterfall keeps its shape without drawing 5 000 bars.
    const bars = await page.$$eval('figure.waterfall', (f) => f.map((x) => x.querySelectorAll('.wf-row').length));
    assert.ok(bars.every((n) => n > 0 && n <= 120), `bars ${bars}`);
    assert.deepEqual(app.problems(), []);
  });
});

test('the pipeline scans on the pool or inside the async code, finding the same tags', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    await page.click('button[data-preset="pipeline"]');
    const rows = await runIo(page);
    assert.deepEqual(rows.map((r) => [r.model, r.scan, r.failed]), [['pipeline', 'pool', 0], ['pipeline', 'one-thread', 0]]);
    const scans = await page.$$eval('figure.waterfall', (f) =>
      f.map((x) => x.querySelector('.io-summary').textContent.match(/(\d+) <meta> tags in (\d+) pages/).slice(1)));
    assert.deepEqual(scans[0], scans[1]);
    assert.equal(scans[0][1], '64');
    assert.deepEqual(app.problems(), []);
  });
});

test('bad settings get a message beside the field and never run', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    for (const [field, input, message] of [
      ['#io-requests', '0', /between 1 and 10_000/],
      ['#io-latency', 'slow', /not a number/],
      ['#io-fail', '150', /between 0 and 100/],
      ['#io-workers', '', /Enter k/],
    ]) {
      const before = await page.inputValue(field);
      await page.fill(field, input);
      assert.match(await page.textContent(`${field}-error`), message, `${field} = ${input}`);
      assert.ok(await page.isDisabled('#io-run'));
      await page.press(field, 'Enter');
      assert.equal(await page.getAttribute('#io-status', 'data-state'), 'idle');
      await page.fill(field, before);
    }
    // A pipeline whose pages would outgrow memory (it once trapped the engine at page 245 of
    // 300) is refused at the page size, with the limit and what fits; the next run is fine.
    await chooseIoModels(page, ['pipeline']);
    await page.fill('#io-requests', '300');
    await page.fill('#io-page-kib', '4096');
    await page.fill('#io-latency', '0');
    assert.match(await page.textContent('#io-page-kib-error'), /keeps every page .* more than the 896 MB the engine may use\. Make at most 220 requests/);
    assert.ok(await page.isDisabled('#io-run'));
    await page.fill('#io-requests', '20');
    await page.fill('#io-page-kib', '1024');
    await page.click('#io-run');
    await page.waitForSelector('#io-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 60_000 });
    assert.equal(await page.getAttribute('#io-status', 'data-state'), 'done', await page.textContent('#io-status'));
    await chooseIoModels(page, []);
    assert.match(await page.textContent('#io-models-error'), /at least one model/);
    assert.ok(await page.isDisabled('#io-run'));
    await page.check('input[name="io-targets"][value="urls"]');
    assert.match(await page.textContent('#io-urls-error'), /at least one URL/);
    // What was typed survives switching back and forth.
    await page.fill('#io-urls', 'https://example.org/');
    await page.check('input[name="io-targets"][value="builtin"]');
    await page.check('input[name="io-targets"][value="urls"]');
    assert.equal(await page.inputValue('#io-urls'), 'https://example.org/');
    assert.deepEqual(app.problems(), []);
  });
});

test('on a host without COOP/COEP the service worker isolates the page with a single reload', async () => {
  await withServer({ isolated: false }, async (url) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Navigations of the page itself, reloads included (a reload may come before 'load').
    let loads = 0;
    page.on('framenavigated', (frame) => frame === page.mainFrame() && loads++);
    await page.goto(url);
    await page.waitForFunction(() => self.crossOriginIsolated, null, { timeout: 20_000 });
    await built(page);
    assert.equal(loads, 2, 'one reload');
    assert.equal(await page.textContent('[data-capability="threads"]'), 'yes');
    // Later visits are controlled from the start: no reload at all.
    await page.reload();
    await built(page);
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
    await page.waitForTimeout(1000);
    assert.equal(loads, 3);
    await context.close();
  });
});

test('a service worker that cannot isolate the page gets one reload, not a loop', async () => {
  await withServer({ isolated: false }, async (url) => {
    const context = await browser.newContext();
    // Stand-in for a host whose responses the worker cannot change: a worker that only claims.
    await context.route('**/sw.js', (route) => route.fulfill({
      contentType: 'text/javascript',
      body: "self.addEventListener('install', () => self.skipWaiting());\n" +
        "self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));\n",
    }));
    const page = await context.newPage();
    // Navigations of the page itself, reloads included (a reload may come before 'load').
    let loads = 0;
    page.on('framenavigated', (frame) => frame === page.mainFrame() && loads++);
    await page.goto(url);
    await built(page);
    await page.waitForTimeout(3000);
    assert.equal(loads, 2, `${loads} loads`);
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
    assert.equal(await page.textContent('[data-capability="threads"]'), 'no');
    await context.close();
  });
});

test('dropping an engine\'s answers takes a POST: a GET of the drop address is refused and drops nothing', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, `${url}?lab=io`);
    const { page } = app;
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const seen = await page.evaluate(async () => {
      const base = new URL('__overlap/io/test-engine/', location.href).href;
      const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
      // A page of this "engine" that takes 1.5 s: what became of it.
      const slow = (i) => fetch(`${base}page?i=${i}&latency=1500`).then((r) => r.status, (e) => `failed: ${e.name}`);
      const first = slow(1);
      await wait(200);
      const get = (await fetch(`${base}drop`)).status;
      const firstBecame = await first;
      const second = slow(2);
      await wait(200);
      const post = (await fetch(`${base}drop`, { method: 'POST' })).status;
      return { get, first: firstBecame, post, second: await second };
    });
    // The GET dropped nothing; the POST dropped the page still being made.
    assert.deepEqual(seen, { get: 405, first: 200, post: 204, second: 'failed: TypeError' });
    assert.deepEqual(app.problems().filter((p) => !/Failed to load resource|405/.test(p)), []);
  });
});
