// The same scenarios in every engine a class brings (tests/e2e/engines.mjs): the page mounts and
// says what it can do, a CPU sweep agrees with its sequential checksum, a lesson concludes, the
// I/O lab runs every model, a link with results reopens, and nothing errs on the page. One code
// path for all engines: W3C WebDriver, so nothing here is specific to one browser.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { serveDist, ARTIFACTS } from './support.mjs';
import { ENGINES, startEngine, WATCH, problems, js, text, attr, waitFor, fill } from './engines.mjs';
import { lessonReport, checkReport } from './verdicts.mjs';

// Each engine's figures, printed at the end for the note and README (one line per engine).
const figures = {};

async function open(driver, url) {
  await driver.get(url);
  await waitFor(driver, 'the page to mount', () => js(driver, () => document.querySelector('#run') !== null));
  // Sections are built one per frame after the first render (support.mjs `built`): a test that
  // goes on to the I/O lab at once found it not there yet in WebKit.
  await waitFor(driver, 'every section to be built', () => js(driver, () => {
    const places = [...document.querySelectorAll('main > .place')];
    return places.length > 0 && places.every((place) => place.firstElementChild);
  }));
  await js(driver, WATCH);
}

/** Ticks exactly the boxes named `name` whose values are `values`, as a user clicks them. */
async function tick(driver, name, values) {
  for (const box of await driver.findElements({ css: `input[name="${name}"]:not([disabled])` })) {
    const want = values.includes(await box.getAttribute('value'));
    if ((await box.isSelected()) !== want) await box.click();
  }
}

async function finished(driver, status, timeout = 240_000) {
  await waitFor(driver, `${status} to end`, async () => {
    const state = await attr(driver, status, 'data-state');
    return state && state !== 'running' && state !== 'idle';
  }, timeout);
  assert.equal(await attr(driver, status, 'data-state'), 'done', await text(driver, status));
}

for (const engine of ENGINES) {
  describe(engine.name, () => {
    let session;
    let server;
    let url;
    const seen = { engine: engine.name };
    before(async () => {
      server = await serveDist({ isolated: true });
      url = server.url;
      session = await startEngine(engine);
    });
    after(async () => {
      if (session) {
        const shot = await session.driver.takeScreenshot().catch(() => null);
        if (shot) {
          await fs.mkdir(ARTIFACTS, { recursive: true });
          await fs.writeFile(path.join(ARTIFACTS, `engine-${engine.name}.png`), shot, 'base64');
        }
        await session.stop();
      }
      await server?.close();
      figures[engine.name] = seen;
      console.log(`# ${engine.name}: ${JSON.stringify(seen)}`);
      if (server?.cspReports.length) throw new Error(`CSP violations: ${server.cspReports.join('\n')}`);
    });

    test('the page mounts and says what this browser can do', async () => {
      const { driver } = session;
      await open(driver, url);
      seen.browser = await js(driver, () => navigator.userAgent);
      // The module was compiled in a worker, off the page's main thread (Trunk.toml's loader).
      seen.compiledIn = await js(driver, () => document.documentElement.dataset.compiledIn);
      assert.equal(seen.compiledIn, 'worker');
      assert.equal(await js(driver, () => self.crossOriginIsolated), true);
      assert.equal(await text(driver, '[data-capability="cross-origin-isolated"]'), 'yes');
      assert.equal(await text(driver, '[data-capability="threads"]'), engine.threads ? 'yes' : 'no');
      if (!engine.threads) {
        assert.match(await text(driver, '[data-capability="why"]'), /SharedArrayBuffer/);
      }
      seen.cores = Number(await text(driver, '[data-capability="cores"]'));
      assert.ok(seen.cores >= 1);
      // The page's policy requires Trusted Types, which every engine here enforces: the page's
      // default policy is in place, and nothing it does later is refused (the reports, after).
      assert.equal(await js(driver, () => self.trustedTypes?.defaultPolicy?.name), 'default');
    });

    test('a CPU sweep reproduces the sequential checksum in every row', async () => {
      const { driver } = session;
      // The first kernel a visitor meets. (Clicking an <option> leaves Firefox's list open and
      // the next keys go nowhere, so the default is checked rather than chosen again.)
      assert.equal(await js(driver, () => document.querySelector('#kernel').value), 'count');
      // Small: an engine that runs more rounds while its spread is wide (WebKit did, for 37 s on
      // CI at 2e8) must still finish in seconds.
      await fill(driver, '#size', '100_000_000');
      await fill(driver, '#repeats', '3');
      const models = engine.threads ? ['free-threads', 'processes'] : ['processes'];
      await tick(driver, 'model', models);
      await driver.findElement({ css: '#run' }).click();
      await finished(driver, '#status');
      const rows = await js(driver, () => [...document.querySelectorAll('#results tbody tr')].map((r) => ({
        model: r.dataset.model, threads: Number(r.dataset.threads), ms: Number(r.dataset.ms),
        checksum: r.dataset.checksum, speedup: Number(r.dataset.speedup),
      })));
      assert.deepEqual([...new Set(rows.map((r) => r.model))], ['sequential', ...models]);
      for (const row of rows) assert.equal(row.checksum, rows[0].checksum, `${row.model}/${row.threads}`);
      // The panel weighs the reported core count by how far free threads scaled in this sweep:
      // WebKitGTK reports 4 here, on 2 cores.
      if (engine.threads) {
        const best = Number(await attr(driver, '[data-capability="scaling"]', 'data-best'));
        const freeBest = Math.max(...rows.filter((r) => r.model === 'free-threads').map((r) => r.speedup));
        assert.ok(Math.abs(best - freeBest) < 0.01, `the panel's ${best} against the table's ${freeBest}`);
        const note = await text(driver, '[data-capability="cores-note"]');
        if (seen.cores >= 3 && best < 0.6 * seen.cores) {
          assert.match(note ?? '', new RegExp(`reports ${seen.cores} cores`));
        }
        seen.coresNote = note;
      }
      seen.sweep = Object.fromEntries(rows.map((r) => [`${r.model}/${r.threads}`,
        r.model === 'sequential' ? `${r.ms.toFixed(0)} ms` : `${r.speedup.toFixed(2)}x`]));
    });

    test('a link with results reopens with those results', async () => {
      const { driver } = session;
      const rows = await js(driver, () => document.querySelectorAll('#results tbody tr').length);
      await driver.findElement({ css: '#cpu-copy-results' }).click();
      await waitFor(driver, 'the link', async () =>
        (await js(driver, () => document.querySelector('#cpu-share-link')?.value ?? '')).includes('#v1.'));
      const link = await js(driver, () => document.querySelector('#cpu-share-link').value);
      await open(driver, link);
      await waitFor(driver, 'the carried results', () =>
        js(driver, () => document.querySelector('.shared-link table[data-table="carried"]') !== null));
      const carried = await js(driver, () =>
        document.querySelectorAll('.shared-link table[data-table="carried"] tbody tr').length);
      assert.equal(carried, rows);
      await open(driver, url);
    });

    test('a lesson runs and concludes', async () => {
      const { driver } = session;
      await driver.findElement({ css: 'button[data-lesson="fetch"]' }).click();
      await waitFor(driver, 'the lesson', () => js(driver, () => document.querySelector('article.lesson[data-lesson="fetch"]') !== null));
      await driver.findElement({ css: 'input[name="predict"][value="1"]' }).click();
      await driver.findElement({ css: '#lesson-run' }).click();
      await finished(driver, '#lesson-status');
      seen.lesson = await text(driver, '#lesson-conclusion');
      assert.equal(await attr(driver, '#lesson-conclusion', 'data-holds'), 'true', seen.lesson);
    });

    // Chromium runs it more often, with Playwright (lessons.test.mjs).
    if (engine.threads && engine.name !== 'chromium') {
      test('the GIL lesson holds twice, each from a fresh page, with no speedup past its cores', async () => {
        const { driver } = session;
        const verdicts = [];
        for (let run = 1; run <= 2; run += 1) {
          await open(driver, url);
          await driver.findElement({ css: 'button[data-lesson="gil"]' }).click();
          await waitFor(driver, 'the lesson', () => js(driver, () => document.querySelector('article.lesson[data-lesson="gil"]') !== null));
          await driver.findElement({ css: 'input[name="predict"][value="1"]' }).click();
          await driver.findElement({ css: '#lesson-run' }).click();
          await finished(driver, '#lesson-status', 300_000);
          const report = await js(driver, lessonReport);
          const summary = checkReport(assert, report, 'gil');
          console.log(`# ${engine.name}: ${summary}; ${report.chosen}`);
          assert.notEqual(report.verdict, 'fails', report.line);
          verdicts.push(report.verdict);
          seen[`gil${run}`] = summary;
        }
        assert.ok(verdicts.filter((v) => v === 'too-busy').length <= 1, `too busy to tell: ${verdicts}`);
        await open(driver, url);
      });
    }

    // Needs no pool: every engine, shared memory or not, runs it (its thread is a worker).
    test('the blocked lesson holds: one blocking call stalls the loop', async () => {
      const { driver } = session;
      await open(driver, url);
      await driver.findElement({ css: 'button[data-lesson="blocked"]' }).click();
      await waitFor(driver, 'the lesson', () => js(driver, () => document.querySelector('article.lesson[data-lesson="blocked"]') !== null));
      await driver.findElement({ css: 'input[name="predict"][value="1"]' }).click();
      await driver.findElement({ css: '#lesson-run' }).click();
      await finished(driver, '#lesson-status');
      const report = await js(driver, lessonReport);
      const summary = checkReport(assert, report, 'blocked');
      console.log(`# ${engine.name}: ${summary}`);
      assert.equal(report.verdict, 'holds', report.line);
      seen.blocked = summary;
      await open(driver, url);
    });

    // Real threads and locks: the engines with a pool. Chromium runs it in lessons.test.mjs.
    if (engine.threads && engine.name !== 'chromium') {
      test('the deadlock lesson holds: opposite orders stop for good, the cures finish', async () => {
        const { driver } = session;
        await open(driver, url);
        await driver.findElement({ css: 'button[data-lesson="deadlock"]' }).click();
        await waitFor(driver, 'the lesson', () => js(driver, () => document.querySelector('article.lesson[data-lesson="deadlock"]') !== null));
        await driver.findElement({ css: 'input[name="predict"][value="1"]' }).click();
        await driver.findElement({ css: '#lesson-run' }).click();
        await finished(driver, '#lesson-status');
        const report = await js(driver, lessonReport);
        const summary = checkReport(assert, report, 'deadlock');
        console.log(`# ${engine.name}: ${summary}`);
        assert.equal(report.verdict, 'holds', report.line);
        const cycle = await js(driver, () => document.querySelectorAll('.waits-for-list li').length);
        assert.equal(cycle, 2);
        seen.deadlock = summary;
        await open(driver, url);
      });
    }

    // The lesson whose GIL threads let go of the GIL: a run that holds ends it; one too busy to
    // tell gets a second, which must not be; none may fail. Chromium runs it in lessons.test.mjs.
    if (engine.threads && engine.name !== 'chromium') {
      test('the released lesson holds, with no speedup past its cores', async () => {
        const { driver } = session;
        const verdicts = [];
        for (let run = 1; run <= 2 && !verdicts.includes('holds'); run += 1) {
          await open(driver, url);
          await driver.findElement({ css: 'button[data-lesson="released"]' }).click();
          await waitFor(driver, 'the lesson', () => js(driver, () => document.querySelector('article.lesson[data-lesson="released"]') !== null));
          await driver.findElement({ css: 'input[name="predict"][value="0"]' }).click();
          await driver.findElement({ css: '#lesson-run' }).click();
          await finished(driver, '#lesson-status', 300_000);
          const report = await js(driver, lessonReport);
          const summary = checkReport(assert, report, 'released');
          console.log(`# ${engine.name}: ${summary}; ${report.chosen}`);
          assert.notEqual(report.verdict, 'fails', report.line);
          verdicts.push(report.verdict);
          seen[`released${run}`] = summary;
        }
        assert.ok(verdicts.includes('holds'), `too busy to tell twice: ${verdicts}`);
        await open(driver, url);
      });
    }

    test('the I/O lab runs every model against the built-in targets', async () => {
      const { driver } = session;
      const keys = await js(driver, () =>
        [...document.querySelectorAll('input[name="io-model"]')].map((b) => b.value));
      await tick(driver, 'io-model', keys);
      await fill(driver, '#io-requests', '8');
      await fill(driver, '#io-latency', '100');
      await driver.findElement({ css: '#io-run' }).click();
      await finished(driver, '#io-status', 120_000);
      const rows = await js(driver, () => [...document.querySelectorAll('#io-results tbody tr')].map((r) => ({
        model: r.dataset.model, scan: r.dataset.scan, requests: Number(r.dataset.requests),
        failed: Number(r.dataset.failed), ms: Number(r.dataset.ms),
      })));
      assert.equal(rows.length, keys.length, JSON.stringify(rows));
      for (const row of rows) {
        assert.equal(row.requests, 8, JSON.stringify(row));
        assert.equal(row.failed, 0, JSON.stringify(row));
      }
      seen.io = Object.fromEntries(rows.map((r) => [`${r.model}${r.scan ? `/${r.scan}` : ''}`, `${r.ms.toFixed(0)} ms`]));
    });

    test('nothing erred on the page', async () => {
      assert.deepEqual(await problems(session.driver), []);
    });

    // Last: it stops the page, twice. A real trap in the page's module, as WebKitGTK's page-side
    // faults are (tests/worker.rs): wasm-bindgen's malloc given an alignment that is no power of
    // two aborts, before any lock is taken. Once from a timer (an error event), once in a promise
    // callback, where wasm-bindgen-futures runs the app's futures (an unhandled rejection). The
    // export itself is the callback: Firefox reports what a callback made in WebDriver's script
    // throws to that script's sandbox, not to the page.
    for (const [how, trap] of [
      ['an event handler', 'setTimeout(wasm.__wbindgen_malloc, 0, 16, 3)'],
      ['a future', 'window.Promise.resolve(16).then(wasm.__wbindgen_malloc)'],
    ]) {
      test(`a trap in ${how} says the page stopped and offers a reload that works`, async () => {
        const { driver } = session;
        await driver.executeScript(`window.wasmBindings.default().then((wasm) => { ${trap}; })`);
        await waitFor(driver, 'the notice', () => js(driver, () => document.querySelector('#fault') !== null), 10_000);
        assert.equal(await attr(driver, '#fault', 'role'), 'alert');
        assert.match(await text(driver, '#fault'), /stopped working on this page \(.*unreachable.*\).*Reload to go on/is);
        // A keyboard user is one Enter from the reload.
        assert.equal(await js(driver, () => document.activeElement === document.querySelector('#fault button')), true);
        await driver.findElement({ css: '#fault button' }).click();
        await waitFor(driver, 'the page to come back', () =>
          js(driver, () => document.querySelector('#fault') === null && document.querySelector('#run') !== null));
        assert.equal(await text(driver, '[data-capability="threads"]'), engine.threads ? 'yes' : 'no');
      });
    }
  });
}

after(() => {
  console.log(`# engines: ${JSON.stringify(figures)}`);
});
