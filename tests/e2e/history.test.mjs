// End-to-end: finished runs are kept in localStorage, survive a reload, can be restored and
// deleted; a history the page cannot read is set aside, never lost; runs another release saved
// are kept in place, and what an earlier release set aside is merged back once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { withServer, launchChromium, openApp, runExperiment, readRows, built } from './support.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => browser?.close());

test('a finished sweep is kept across reloads, restored with its settings, and deleted', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    assert.ok(await page.isVisible('[data-history="empty"]'));
    const rows = await runExperiment(page, { kernel: 'count', size: '50_000_000', repeats: 3, models: ['async'] });
    await page.waitForSelector('[data-history-entry][data-kind="cpu"]');
    assert.match(await page.textContent('[data-history-entry]'), /count at 50_000_000: sequential against Async/);

    // An I/O run joins it, newest first.
    await page.fill('#io-requests', '4');
    await page.fill('#io-latency', '20');
    await page.click('#io-run');
    await page.waitForSelector('#io-status[data-state="done"]');
    await page.waitForSelector('[data-history-entry][data-kind="io"]');

    await page.reload();
    await built(page);
    const kinds = await page.$$eval('[data-history-entry]', (items) => items.map((li) => li.dataset.kind));
    assert.deepEqual(kinds, ['io', 'cpu']);
    assert.deepEqual(await readRows(page), [], 'a reload starts with an empty table');

    // Restore the sweep: its settings and rows come back.
    await page.fill('#size', '7');
    await page.click('[data-kind="cpu"] button.restore');
    assert.equal(await page.inputValue('#size'), '50_000_000');
    const restored = await readRows(page);
    assert.deepEqual(restored.map((r) => [r.model, r.ms]), rows.map((r) => [r.model, r.ms]));
    assert.match(await page.textContent('[data-notice="history"]'), /Restored/);

    // Restore the I/O run: its table and waterfall come back.
    await page.click('[data-kind="io"] button.restore');
    await page.waitForSelector('#io-results tbody tr');
    assert.equal(await page.inputValue('#io-requests'), '4');

    // Restore into a lab that is running changes nothing, and says so instead of "Restored".
    await page.fill('#size', '20_000_000_000');
    await page.click('#run');
    await page.waitForSelector('#status[data-state="running"]');
    await page.click('[data-kind="cpu"] button.restore');
    assert.match(await page.textContent('[data-notice="history"]'), /The CPU lab is running; restore .* once it has finished/);
    assert.equal(await page.inputValue('#size'), '20_000_000_000');
    await page.click('#cancel');
    await page.waitForSelector('#status[data-state="cancelled"]');
    await page.click('[data-kind="cpu"] button.restore');
    assert.equal(await page.inputValue('#size'), '50_000_000');

    await page.click('[data-kind="cpu"] button.delete');
    await page.reload();
    await built(page);
    assert.deepEqual(await page.$$eval('[data-history-entry]', (items) => items.map((li) => li.dataset.kind)), ['io']);
    assert.deepEqual(app.problems(), []);
  });
});

test('a history the page cannot read is set aside with a message, and the page works', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    await page.evaluate(() => localStorage.setItem('overlap.history.v1', '{"version":1,"entries":[{"oops"'));
    await page.reload();
    await built(page);
    assert.match(await page.textContent('[data-notice="history"]'), /Starting a new history: the saved history could not be read .*kept in localStorage as/);
    const aside = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('overlap.history.v1.unreadable.')));
    assert.equal(aside.length, 1);
    assert.equal(await page.evaluate((k) => localStorage.getItem(k), aside[0]), '{"version":1,"entries":[{"oops"');
    await runExperiment(page, { kernel: 'count', size: '20_000_000', repeats: 3, models: [] });
    await page.waitForSelector('[data-history-entry]');
    assert.deepEqual(app.problems(), []);
  });
});

test('two tabs saving in turn keep both runs, and each shows what the other saved', async () => {
  await withServer({ isolated: true }, async (url) => {
    const first = await openApp(browser, url);
    // A second page in the same context: the same origin, the same localStorage.
    const second = await first.page.context().newPage();
    await second.goto(url);
    await built(second);
    await runExperiment(first.page, { kernel: 'count', size: '20_000_000', repeats: 3, models: [] });
    await first.page.waitForSelector('[data-history-entry]');
    // The other tab hears of it without a reload.
    await second.waitForSelector('[data-history-entry]');
    await runExperiment(second, { kernel: 'primes', size: '100_000', repeats: 3, models: [] });
    await second.waitForFunction(() => document.querySelectorAll('[data-history-entry]').length === 2);
    await first.page.waitForFunction(() => document.querySelectorAll('[data-history-entry]').length === 2);
    // A deletion in one tab is not undone by the other's next save.
    await first.page.click('[data-history-entry]:last-child button.delete');
    await runExperiment(second, { kernel: 'count', size: '30_000_000', repeats: 3, models: [] });
    await second.reload();
    await built(second);
    const titles = await second.$$eval('[data-history-entry] .history-title', (items) => items.map((t) => t.textContent));
    assert.equal(titles.length, 2, titles.join(' | '));
    assert.match(titles[0], /^count at 30_000_000/);
    assert.match(titles[1], /^primes at 100_000/);
    assert.deepEqual(first.problems(), []);
  });
});

test('runs another release saved stay in place through this one\'s saves; what an earlier release set aside comes back once', async () => {
  await withServer({ isolated: true }, async (url) => {
    const a = await openApp(browser, url);
    const { page } = a;
    await runExperiment(page, { kernel: 'count', size: '20_000_000', repeats: 3, models: [] });
    await page.waitForSelector('[data-history-entry]');
    // Another tab runs release B, which knows a record this release does not: it reads the
    // history, adds its run first and writes it back, as every release does. (This suite has
    // one build of the engine; B's entry is what B would write, fields in its own order.)
    const b = await page.context().newPage();
    await b.goto(url);
    await built(b);
    const newer = `{"title":"GPU kernels (release B)","saved_ms":${Date.now()},"id":9000000001,"record":{"kind":"gpu","shaders":[1,2]}}`;
    await b.evaluate((entry) => {
      const text = localStorage.getItem('overlap.history.v1');
      localStorage.setItem('overlap.history.v1', text.replace('"entries":[', `"entries":[${entry},`));
    }, newer);
    // Release A hears of it, shows what it can and says what it keeps.
    await page.waitForSelector('[data-notice="history"]');
    assert.match(await page.textContent('[data-notice="history"]'), /1 saved run cannot be shown by this version of Overlap \(entry 1 holds .*gpu.*\); it stays saved/);
    // A saves two more runs over it: B's entry is still there, byte for byte, and nothing is
    // copied aside.
    await runExperiment(page, { kernel: 'primes', size: '100_000', repeats: 3, models: [] });
    await runExperiment(page, { kernel: 'count', size: '30_000_000', repeats: 3, models: [] });
    await page.waitForFunction(() => document.querySelectorAll('[data-history-entry]').length === 3);
    const stored = await page.evaluate(() => localStorage.getItem('overlap.history.v1'));
    assert.ok(stored.includes(`},${newer},{`) || stored.includes(`},${newer}]`), stored.slice(0, 400));
    assert.equal(JSON.parse(stored).entries.length, 4);
    const asides = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('overlap.history.v1.')));
    assert.deepEqual(await asides(), []);

    // What an earlier release copied aside (it stripped entries it could not read): a run only
    // the copy still has, one the main history has too, and B's entry once more.
    const main = JSON.parse(stored);
    const only = { ...main.entries.find((e) => e.record?.kind === 'cpu'), id: 777, saved_ms: 1_000, title: 'count at 1 (only aside)' };
    const copy = { version: 1, entries: [main.entries[0], JSON.parse(newer), only] };
    await page.evaluate((text) => localStorage.setItem('overlap.history.v1.unreadable.1700000000000', text), JSON.stringify(copy));
    // Both tabs reloaded: every run of both releases is there, the copy merged once and gone.
    await b.reload();
    await built(b);
    await page.reload();
    await built(page);
    for (const tab of [page, b]) {
      const titles = await tab.$$eval('[data-history-entry] .history-title', (items) => items.map((t) => t.textContent));
      assert.equal(titles.length, 4, titles.join(' | '));
      assert.equal(titles[3], 'count at 1 (only aside)');
    }
    assert.deepEqual(await asides(), []);
    const after = JSON.parse(await page.evaluate(() => localStorage.getItem('overlap.history.v1')));
    assert.equal(after.entries.length, 5);
    assert.equal(after.entries.filter((e) => e.id === 9000000001).length, 1);
    assert.deepEqual(a.problems(), []);
  });
});

test('an unreadable history too large to copy aside is left untouched, and saving says so', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    // Over half of this origin's localStorage: a second copy cannot fit beside it.
    const size = await page.evaluate(() => {
      let n = 2_000_000;
      for (;;) {
        try {
          localStorage.setItem('overlap.history.v1', '{' + 'x'.repeat(n));
          n += 500_000;
        } catch {
          break;
        }
      }
      localStorage.setItem('overlap.history.v1', '{' + 'x'.repeat(n - 500_000));
      return n - 500_000;
    });
    await page.reload();
    await built(page);
    assert.match(await page.textContent('[data-notice="history"]'), /History is off: .*could not be copied aside .*left where it is, untouched/);
    await runExperiment(page, { kernel: 'count', size: '20_000_000', repeats: 3, models: [] });
    await page.waitForSelector('[data-history-entry]');
    assert.match(await page.textContent('[data-notice="history"]'), /stays on this page until you reload/);
    const kept = await page.evaluate(() => localStorage.getItem('overlap.history.v1'));
    assert.equal(kept.length, size + 1, 'the unreadable history is still there, whole');
    assert.deepEqual(app.problems(), []);
  });
});
