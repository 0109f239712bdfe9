// The Python lab in every engine a class brings (tests/e2e/engines.mjs), through WebDriver as a
// student uses it: real CPython interpreters (Pyodide) in workers, served from this origin.
// A CPU-bound template agrees across models and its pool of 2 beats sequential; an asyncio
// template's requests overlap; a syntax error, an endless loop stopped by Cancel and a memory
// bomb each end with a message and leave the lab working; Firefox starts 4 interpreters (a hang
// was reported there past 2: pyodide/pyodide#5044); the code outlives a reload. Then, in
// Chromium with Playwright: a link carries the code and the visitor's own comes back; a lesson
// runs its steps in real Python beside CPython's imported figures; a run copied with its results
// is a machine of the classroom view; a run goes to the history and back; the lab works offline
// after one visit. Each engine's figures are printed for the note.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { serveDist, launchChromium, openApp, built, withServer } from './support.mjs';
import { ENGINES, startEngine, WATCH, problems, js, text, waitFor, fill } from './engines.mjs';

const figures = {};

const state = (driver) => js(driver, () => document.querySelector('#py-status')?.dataset.state ?? null);

/** Waits for the run to end; returns how it ended (`done`, `failed`, `cancelled`). */
async function ended(driver, timeout = 240_000) {
  await waitFor(driver, 'the Python run to end', async () => {
    const s = await state(driver);
    return s && s !== 'running' && s !== 'idle';
  }, timeout);
  return state(driver);
}

const click = async (driver, selector) => (await driver.findElement({ css: selector })).click();

/**
 * Clicks Run and waits for that run to start: without the wait, a click the page never took would
 * read as the last run's end.
 */
async function run(driver) {
  await js(driver, () => {
    window.__runStarted = false;
    new MutationObserver((_, observer) => {
      if (document.querySelector('#py-status')?.dataset.state === 'running') {
        window.__runStarted = true;
        observer.disconnect();
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  await click(driver, '#py-run');
  try {
    await waitFor(driver, 'the run to start', () => js(driver, () => window.__runStarted), 30_000);
  } catch (error) {
    throw new Error(`${error.message}; the page reported ${JSON.stringify(await problems(driver))}`);
  }
}

/** Each model's row: median ms, speedup, whether its results agree with sequential's. */
const rows = (driver) => js(driver, () => Object.fromEntries(
  [...document.querySelectorAll('#py-results tr[data-median-ms]')].map((r) => [r.dataset.model, {
    ms: Number(r.dataset.medianMs), speedup: Number(r.dataset.speedup), agrees: r.dataset.agrees,
  }])));

async function runTemplate(driver, slug, { workers = 2, rounds = 3 } = {}) {
  await click(driver, `[data-template="${slug}"]`);
  await fill(driver, '#py-workers', workers);
  await fill(driver, '#py-rounds', rounds);
  await run(driver);
  assert.equal(await ended(driver), 'done', await text(driver, '#py-status'));
  return rows(driver);
}

async function runCode(driver, code) {
  await fill(driver, '#py-code', code);
  await run(driver);
}

for (const engine of ENGINES) {
  describe(`the Python lab in ${engine.name}`, () => {
    let session;
    let server;
    const seen = {};
    // What the page reported before a reload, which starts its record afresh.
    const problemsBeforeReload = [];
    before(async () => {
      server = await serveDist({ isolated: true });
      session = await startEngine(engine);
      const { driver } = session;
      await driver.get(`${server.url}?lab=python`);
      await waitFor(driver, 'the Python lab', () => js(driver, () => document.querySelector('#py-run') !== null));
      await js(driver, WATCH);
    });
    after(async () => {
      await session?.stop();
      await server?.close();
      figures[engine.name] = seen;
      console.log(`# python lab, ${engine.name}: ${JSON.stringify(seen)}`);
      if (server?.cspReports.length) throw new Error(`CSP violations: ${server.cspReports.join('\n')}`);
    });

    test('a CPU-bound template agrees across models, and 2 interpreters beat one by 1.5x', async () => {
      const { driver } = session;
      // 7 rounds, then more while the ratio's middle half is wide (the lab's rounds protocol):
      // on this machine one chunk of the same work takes 140 ms or 240 ms from one moment to the
      // next (the pool's timeline in WebKitGTK), and one round's ratio ranged 1.18-2.89 where
      // the median of 5 fixed rounds read 1.46 to 1.93. With 5, a full run read WebKit's median
      // at 1.4988 (sequential 1092.2 ms, pool 728.7) where the same run's other engines read
      // 1.72 to 1.84: a median of 7 moves less with one slow round.
      const got = await runTemplate(driver, 'count', { rounds: 7 });
      seen.starts = await js(driver, () => [...document.querySelectorAll('#py-starts li')]
        .map((li) => `${li.dataset.startMs} ms${li.dataset.fromModule === 'true' ? ' (module)' : ''}`));
      seen.count = `sequential ${got.sequential.ms} ms, pool ${got.pool.ms} ms, ${got.pool.speedup.toFixed(2)}x`;
      assert.equal(got.pool.agrees, 'true', JSON.stringify(got));
      assert.equal(seen.starts.length, 2, 'two interpreters started');
      // The bar for this 2-core machine (CPython's own processes read 1.79x here:
      // src/engine/lessons/python/measured/gil.k2.json).
      assert.ok(got.pool.speedup >= 1.5, `pool of 2: ${seen.count}`);
      assert.ok(got.pool.speedup <= 2 * 1.2, `no speedup past the cores: ${seen.count}`);
      assert.match(await text(driver, '[data-model="threads"]'), /cannot start threads/);
    });

    test('an asyncio template overlaps 16 requests of 200 ms', async () => {
      const { driver } = session;
      const got = await runTemplate(driver, 'fetch', { rounds: 1 });
      seen.fetch = `sequential ${got.sequential.ms} ms, pool ${got.pool.ms} ms, gather ${got.gather.ms} ms`;
      assert.equal(got.gather.agrees, 'true', JSON.stringify(got));
      assert.equal(got.pool.agrees, 'true', JSON.stringify(got));
      assert.ok(got.sequential.ms >= 16 * 200, seen.fetch);
      assert.ok(got.gather.ms < 2 * 200, `gather: ${seen.fetch}`);
    });

    test('a syntax error shows the traceback with its line', async () => {
      const { driver } = session;
      await runCode(driver, 'def work(x)\n    return x\ninputs = [1]\n');
      assert.equal(await ended(driver), 'failed');
      const error = await text(driver, '#py-error');
      assert.match(error, /SyntaxError/);
      assert.match(error, /<your code>", line 1/);
    });

    test('Cancel stops an endless loop within 100 ms, and the next run starts afresh', async () => {
      const { driver } = session;
      await runCode(driver, 'def work(x):\n    while True:\n        x += 1\ninputs = [1, 2]\n');
      await waitFor(driver, 'the loop to run', async () =>
        /Warm-up/.test(await text(driver, '#py-status') ?? ''), 120_000);
      await driver.sleep(500);
      // Timed in the page: from the click to the status saying it was cancelled.
      seen.cancelMs = await driver.executeAsyncScript(`
        const done = arguments[arguments.length - 1];
        const status = document.querySelector('#py-status');
        const at = performance.now();
        new MutationObserver((_, observer) => {
          if (status.dataset.state === 'cancelled') { observer.disconnect(); done(performance.now() - at); }
        }).observe(status, { attributes: true });
        document.querySelector('#py-cancel').click();`);
      assert.ok(seen.cancelMs <= 100, `cancelled after ${seen.cancelMs} ms`);
      const got = await runTemplate(driver, 'primes', { rounds: 1 });
      assert.equal(got.pool.agrees, 'true');
    });

    test('a memory bomb ends with a message and leaves the lab working', async () => {
      const { driver } = session;
      await runCode(driver, 'def work(x):\n    hog = []\n    while True:\n        hog.append(bytearray(50_000_000))\ninputs = [1]\n');
      assert.equal(await ended(driver), 'failed');
      assert.match(await text(driver, '#py-status'), /ran out of memory/);
      assert.match(await text(driver, '#py-error'), /MemoryError/);
      const got = await runTemplate(driver, 'hash', { rounds: 1 });
      assert.equal(got.pool.agrees, 'true');
    });

    test('a function pickle cannot find by name fails as in CPython', async () => {
      const { driver } = session;
      await runCode(driver, 'work = lambda x: x * 2\ninputs = [1, 2]\n');
      assert.equal(await ended(driver), 'failed');
      assert.match(await text(driver, '#py-error'), /PicklingError|pickle/i);
    });

    if (engine.name === 'firefox') {
      test('4 interpreters start (a hang was reported past 2 in Firefox)', async () => {
        const { driver } = session;
        const got = await runTemplate(driver, 'primes', { workers: 4, rounds: 1 });
        assert.equal(got.pool.agrees, 'true');
        seen.four = `pool of 4: ${got.pool.speedup.toFixed(2)}x`;
      });
    }

    test('the code is kept across a reload', async () => {
      const { driver } = session;
      const code = '# kept\ndef work(x):\n    return x\ninputs = [1]\n';
      await fill(driver, '#py-code', code);
      problemsBeforeReload.push(...await problems(driver));
      await driver.navigate().refresh();
      await waitFor(driver, 'the Python lab', () => js(driver, () => document.querySelector('#py-code') !== null));
      assert.equal(await js(driver, () => document.querySelector('#py-code').value), code);
      await js(driver, WATCH);
    });

    test('nothing erred on the page', async () => {
      assert.deepEqual([...problemsBeforeReload, ...await problems(session.driver)], []);
    });
  });
}

describe('the Python lab in Chromium: links, lessons and offline use', () => {
  let browser;
  before(async () => { browser = await launchChromium(); });
  after(async () => browser?.close());

  test('a link carries the code, and the visitor\'s own code can be brought back', async () => {
    // withServer fails the test on any Content-Security-Policy violation.
    await withServer({ isolated: true }, async (url) => {
      const app = await openApp(browser, `${url}?lab=python`);
      const { page } = app;
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
      const mine = '# mine\ndef work(x):\n    return x\ninputs = [1, 2]\n';
      const shared = '# shared by a teacher\ndef work(x):\n    return x * x\ninputs = range(5)\n';
      await page.fill('#py-code', shared);
      await page.fill('#py-workers', '3');
      await page.click('#py-copy-link');
      await page.waitForSelector('#py-link-said');
      assert.match(await page.textContent('#py-link-said'), /Copied/);
      const link = await page.evaluate(() => navigator.clipboard.readText());
      assert.match(link, /\?lab=python#py\.v1\./);
      // The link also shows in a field, to copy by hand where a browser refuses the clipboard.
      assert.equal(await page.inputValue('#py-share-link'), link);
      await page.fill('#py-code', mine);
      // The code edited, the link to the old code is not offered: the field empties, says why.
      await page.waitForSelector('[data-link-stale]');
      assert.equal(await page.inputValue('#py-share-link'), '');
      await page.fill('#py-workers', '2');
      await page.waitForFunction(() => /# mine/.test(localStorage.getItem('overlap.python.v1') ?? ''));
      // Opened, the link's code is in the form, and the visitor's own is kept aside.
      await page.goto('about:blank');
      await page.goto(link);
      await page.waitForSelector('#py-link-notice');
      assert.equal(await page.inputValue('#py-code'), shared);
      assert.equal(await page.inputValue('#py-workers'), '3');
      await page.click('#py-bring-back');
      assert.equal(await page.inputValue('#py-code'), mine);
      assert.equal(await page.evaluate(() => location.hash), '');
      await page.reload();
      await page.waitForSelector('#py-code');
      assert.equal(await page.inputValue('#py-code'), mine);
      // Past the limit, the form says so and the link is refused with the limit named.
      await page.fill('#py-code', 'x'.repeat(20_001));
      assert.match(await page.textContent('#py-code-error'), /20000/);
      await page.click('#py-copy-link');
      await page.waitForFunction(() => /20000/.test(document.querySelector('#py-link-said')?.textContent ?? ''));
      assert.equal(await page.$('#py-share-link'), null, 'a refused link leaves no stale link to copy');
      // A damaged link says why and shows the visitor's own code.
      await page.fill('#py-code', mine);
      await page.waitForFunction(() => /# mine/.test(localStorage.getItem('overlap.python.v1') ?? ''));
      await page.goto('about:blank');
      await page.goto(`${url}?lab=python#py.v1.AAAA`);
      await page.waitForSelector('#py-link-notice');
      assert.match(await page.textContent('#py-link-notice'), /Python lab link/);
      assert.equal(await page.inputValue('#py-code'), mine);
      assert.deepEqual(app.problems(), []);
      await page.context().close();
    });
  });


  test('a lesson runs its steps in real Python beside CPython\'s figures', async () => {
    await withServer({ isolated: true }, async (url) => {
      const app = await openApp(browser, `${url}?lesson=fetch`);
      const { page } = app;
      // CPython's figures on this machine, as a student imports them from the lesson's script.
      const line = await fs.readFile(new URL('../../src/engine/lessons/python/measured/fetch.json', import.meta.url), 'utf8');
      await page.click('#lesson-cpython summary');
      await page.fill('#lesson-cpython-input', line);
      await page.click('#lesson-cpython-import');
      await page.waitForSelector('#lesson-compare');
      await page.click('#python-here-run');
      await page.waitForSelector('#python-here-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 180_000 });
      assert.equal(await page.getAttribute('#python-here-status', 'data-state'), 'done', await page.textContent('#python-here-status'));
      const rows = await page.$$eval('#python-here-results tbody tr', (trs) => trs.map((tr) => ({
        step: tr.dataset.step, python: Number(tr.dataset.pythonSpeedup), cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
      })));
      assert.deepEqual(rows.map((r) => r.step), ['One at a time', 'All at once (gather)'], JSON.stringify(rows));
      // 16 requests of 200 ms: all at once is many times as fast, in real CPython and in CPython's own figures.
      assert.ok(rows[1].python > 4, JSON.stringify(rows));
      assert.ok(Number.parseFloat(rows[1].cells[2]) > 4, JSON.stringify(rows));
      assert.match(await page.textContent('.python-here'), /Threads are left out: CPython in the browser cannot start threads/);
      assert.deepEqual(app.problems(), []);
      await page.context().close();
    });
  });

  test('a run charts in the classroom and goes to the history and back; after one visit that ran Python, the lab runs with the network gone', async () => {
    // Its own server, not withServer's: the test stops it to go offline.
    const server = await serveDist();
    try {
      const app = await openApp(browser, `${server.url}?lab=python`);
      const { page } = app;
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
      await page.click('[data-template="fib"]');
      await page.fill('#py-rounds', '1');
      await page.click('#py-run');
      await page.waitForSelector('#py-status[data-state="done"]', { timeout: 120_000 });
      // Copied with its results, the run is a machine of a classroom, charted as processes.
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
      await page.click('#py-copy-results');
      await page.waitForFunction(() => /Copied the link with results/.test(document.querySelector('#py-link-said')?.textContent ?? ''));
      const withResults = await page.evaluate(() => navigator.clipboard.readText());
      assert.match(withResults, /\?lab=python#py\.v1\./);
      await page.goto(`${server.url}?classroom`);
      await built(page);
      await page.fill('#classroom-links', withResults);
      await page.waitForSelector('.classroom figure[data-chart="classroom"]');
      assert.match(await page.textContent('[data-classroom-summary]'), /ran the Python code [0-9a-f]{8} on 8 inputs\.$/);
      assert.equal(await page.$$eval('.classroom g.machine', (g) => g.length), 1);
      assert.match(await page.textContent('[data-table="classroom"] caption'), /^Processes/);
      // The run is in the history, and restores into the lab with its figures.
      await page.goto(`${server.url}?history`);
      await built(page);
      await page.waitForSelector('.history-list li[data-kind="python"]');
      assert.match(await page.textContent('.history-list li[data-kind="python"] .history-title'), /^Python: def work\(n\) over 8 inputs/);
      await page.click('.history-list li[data-kind="python"] button.restore');
      await page.waitForFunction(() => location.search === '?lab=python');
      await page.waitForSelector('#py-results tr[data-model="pool"][data-agrees="true"]');
      await page.context().setOffline(true);
      await server.close();
      await page.reload();
      await page.waitForSelector('#py-run:not([disabled])');
      await page.click('#py-run');
      await page.waitForSelector('#py-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 120_000 });
      assert.equal(await page.getAttribute('#py-status', 'data-state'), 'done', await page.textContent('#py-status'));
      assert.deepEqual(app.problems(), []);
      assert.deepEqual(server.cspReports, []);
      await page.context().close();
    } finally {
      await server.close().catch(() => {});
    }
  });
});

after(() => console.log(`# python lab: ${JSON.stringify(figures)}`));
