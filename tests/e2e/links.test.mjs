// End-to-end: share links. A link with a 16-core machine's results opens the compare view and
// runs here beside them; a link made here opens elsewhere with its results; damaged links say
// what was wrong and show the defaults; results export as CSV, JSON, SVG and PNG.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import zlib from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withServer, launchChromium, openApp, readRows, setExperiment, sweepLink, built, ARTIFACTS } from './support.mjs';

const LINKS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../links/v1');
const golden = async (name) => (await fs.readFile(path.join(LINKS, `${name}.link`), 'utf8')).trim();

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => browser?.close());

/** The speedup chart's series in the CPU lab: [model, carried] pairs. */
const series = (page) => page.$$eval('.experiment figure[data-name="speedup"] g.series', (gs) =>
  gs.map((g) => [g.dataset.model, g.dataset.carried === 'true']));

test('a link with results opens the compare view, runs here beside them, and shares back', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url + (await golden('cpu-count-16-cores-with-results')));
    const { page } = app;
    await page.waitForSelector('.shared-link');
    // The builder is the link's experiment, fitted to this machine's cores.
    assert.equal(await page.inputValue('#size'), '200_000_000');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    if (cores < 16) {
      assert.match(await page.textContent('[data-link-note]'), /sweeps k = 1-4, 8, 16/);
    }
    assert.equal(await page.$$eval('[data-link-problem]', (p) => p.length), 0);
    assert.match(await page.textContent('.shared-link h3'), /Results measured on 16 cores, Chrome 156/);
    assert.equal(await page.$$eval('.shared-link table[data-table="carried"] tbody tr', (r) => r.length), 13);
    assert.equal(await page.$$eval('figure[data-name="link-speedup"] g.point', (p) => p.length), 12);

    // Run here: the visitor's sweep, then both drawn in one chart.
    await page.click('#link-run');
    await page.waitForSelector('#status[data-state="done"]', { timeout: 120_000 });
    const rows = await readRows(page);
    assert.ok(rows.every((r) => r.verdict === 'ok'));
    assert.deepEqual(new Set(rows.map((r) => r.model)), new Set(['sequential', 'gil-threads', 'free-threads']));
    const drawn = await series(page);
    for (const model of ['gil-threads', 'free-threads']) {
      assert.ok(drawn.some(([m, carried]) => m === model && carried), `${model} from the link`);
      assert.ok(drawn.some(([m, carried]) => m === model && !carried), `${model} from here`);
    }
    const legend = await page.textContent('.experiment figure[data-name="speedup"] figcaption');
    assert.match(legend, /16 cores, Chrome 156/);
    assert.match(legend, new RegExp(`this machine: ${cores} cores`));
    await page.screenshot({ path: path.join(ARTIFACTS, 'compare.png'), fullPage: true });

    // Share the result back: the link carries this machine's rows and opens them elsewhere.
    await page.click('#cpu-copy-results');
    await page.waitForFunction(() => document.querySelector('#cpu-share-link').value.includes('#v1.'));
    const shared = await page.inputValue('#cpu-share-link');
    assert.ok(shared.length < 2000, `${shared.length} characters`);
    const other = await openApp(browser, shared);
    await other.page.waitForSelector('.shared-link table[data-table="carried"]');
    const carried = await other.page.$$eval('.shared-link table[data-table="carried"] tbody tr', (trs) =>
      trs.map((tr) => [tr.dataset.model, Number(tr.dataset.threads), Number(tr.dataset.ms)]));
    // Carried to the hundredth of a millisecond (the table here shows thousandths).
    assert.deepEqual(carried.map(([m, k]) => [m, k]), rows.map((r) => [r.model, r.threads]));
    carried.forEach(([, , ms], i) => assert.ok(Math.abs(ms - rows[i].ms) <= 0.006, `${ms} vs ${rows[i].ms}`));
    assert.match(await other.page.textContent('.shared-link h3'), new RegExp(`on ${cores} cores`));
    // A link to the form alone is offered only while the form is what it carries: changed, the
    // field empties and says why; changed back, the link is to this form again.
    await page.click('#cpu-copy-link');
    await page.waitForFunction((old) => {
      const now = document.querySelector('#cpu-share-link').value;
      return now.includes('#v1.') && now !== old;
    }, shared);
    const plain = await page.inputValue('#cpu-share-link');
    const size = await page.inputValue('#size');
    await page.fill('#size', '1_000_000');
    await page.waitForSelector('[data-share="cpu"] [data-link-stale]');
    assert.equal(await page.inputValue('#cpu-share-link'), '');
    await page.fill('#size', size);
    await page.waitForFunction((link) => document.querySelector('#cpu-share-link').value === link, plain);
    assert.equal(await page.$('[data-share="cpu"] [data-link-stale]'), null);
    assert.deepEqual(app.problems(), []);
    assert.deepEqual(other.problems(), []);
    await other.page.context().close();
  });
});

test('a damaged link says what was wrong and shows the defaults; a bad value costs only itself', async () => {
  await withServer({ isolated: true }, async (url) => {
    const link = await golden('cpu-count-16-cores-with-results');
    const damaged = [
      [link.slice(0, 40), /cut short|corrupted/],
      [link.slice(0, 20) + '!!!!' + link.slice(24), /corrupted/],
      ['#v9.' + link.slice(4), /format v9/],
    ];
    for (const [fragment, says] of damaged) {
      const app = await openApp(browser, url + fragment);
      const { page } = app;
      await page.waitForSelector('[data-link-problem]');
      assert.match(await page.textContent('[data-link-problem]'), says);
      // The default experiment, ready to run.
      assert.equal(await page.inputValue('#kernel'), 'count');
      assert.equal(await page.inputValue('#size'), '1_000_000_000');
      assert.ok(await page.isEnabled('#run'));
      assert.deepEqual(app.problems(), []);
      await page.context().close();
    }
    // Out-of-range values: each is named, the rest of the link is kept.
    const app = await openApp(browser, url + (await golden('cpu-out-of-range-values')));
    const { page } = app;
    await page.waitForSelector('[data-link-problem]');
    const problems = await page.$$eval('[data-link-problem]', (li) => li.map((x) => x.textContent));
    assert.equal(problems.length, 7);
    assert.ok(problems.some((p) => p.includes('green-threads')));
    assert.equal(await page.inputValue('#kernel'), 'primes');
    assert.equal(await page.inputValue('#chunksize'), '5');
    await page.screenshot({ path: path.join(ARTIFACTS, 'link-problems.png') });
    assert.deepEqual(app.problems(), []);
    await page.context().close();
  });
});

test('results export as CSV, JSON, SVG and PNG, and an I/O link runs here', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    await page.fill('#size', '100_000_000');
    await page.click('#run');
    await page.waitForSelector('#status[data-state="done"]', { timeout: 120_000 });
    const saved = {};
    for (const kind of ['csv', 'json', 'svg', 'png']) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click(`[data-share="cpu"] button[data-export="${kind}"]`),
      ]);
      assert.equal(download.suggestedFilename(), `overlap-count.${kind}`);
      saved[kind] = await fs.readFile(await download.path());
    }
    const csv = saved.csv.toString().split('\r\n');
    assert.equal(csv[0], 'kernel,size,model,threads,median_ms,min_ms,max_ms,repeats,speedup,checksum');
    assert.equal(csv.filter(Boolean).length, 1 + (await readRows(page)).length);
    const json = JSON.parse(saved.json.toString());
    assert.equal(json.schema, 'overlap.cpu-results.v1');
    assert.equal(json.experiment.size, 100_000_000);
    const svg = saved.svg.toString();
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /style="fill:/, 'styles are inlined');
    assert.deepEqual([...saved.png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);

    // An I/O link: its settings fill the I/O lab, and Run here runs them.
    await page.click('#io-copy-link');
    await page.waitForFunction(() => document.querySelector('#io-share-link').value.includes('#v1.'));
    const ioLink = await page.inputValue('#io-share-link');
    const other = await openApp(browser, ioLink.replace(/#.*/, '') + (await golden('io-flaky-with-results')));
    await other.page.waitForSelector('.shared-link[data-link-lab="io"]');
    assert.equal(await other.page.inputValue('#io-fail'), '10');
    assert.equal(await other.page.$$eval('.shared-link table[data-table="carried"] tbody tr', (r) => r.length), 2);
    await other.page.click('#link-run');
    await other.page.waitForSelector('#io-status[data-state="done"]', { timeout: 60_000 });
    assert.equal(await other.page.$$eval('#io-results tbody tr', (r) => r.length), 2);
    assert.deepEqual(app.problems(), []);
    assert.deepEqual(other.problems(), []);
    await other.page.context().close();
  });
});

test('at 360 px and at 1920 px nothing scrolls sideways, and the keyboard reaches chart points', async () => {
  await withServer({ isolated: true }, async (url) => {
    const link = await golden('cpu-count-16-cores-with-results');
    for (const width of [360, 1920]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await page.goto(url + link);
      await page.waitForSelector('.shared-link');
      // Everything on show at once: the link's results, a finished sweep with every chart, the
      // share panel, the timeline's table.
      await page.click('#link-run');
      await page.waitForSelector('#status[data-state="done"]', { timeout: 120_000 });
      await page.click('#cpu-copy-results');
      await page.click('.timeline details summary');
      // The classroom view too, with the link just made and the 16-core one.
      await page.waitForFunction(() => document.querySelector('#cpu-share-link').value.includes('#v1.'));
      await page.fill('#classroom-links', `${await page.inputValue('#cpu-share-link')}\n${url + link}`);
      await page.waitForSelector('.classroom g.median');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${width} px: the page is ${overflow} px wider than the window`);
      // Tab from the Run button onwards until a chart point has focus, and hear what it says.
      await page.focus('#run');
      let said = null;
      for (let i = 0; i < 40 && !said; i += 1) {
        await page.keyboard.press('Tab');
        said = await page.evaluate(() => document.activeElement?.closest?.('g.point')?.getAttribute('aria-label'));
      }
      assert.match(said ?? '', /k = 1: \d+\.\d\d×/, `${width} px: Tab reaches the speedup chart's points`);
      if (width === 360) await page.screenshot({ path: path.join(ARTIFACTS, 'narrow.png'), fullPage: true });
      await context.close();
    }
  });
});

test('a link too long to reopen is refused at copy time with what to leave out; a newer format is named', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    await page.check('input[name="io-targets"][value="urls"]');
    // 200 long URLs that do not compress: the link would be far over 32 KB.
    const urls = await page.evaluate(() => {
      const hex = () => Array.from(crypto.getRandomValues(new Uint8Array(190)), (b) => b.toString(16).padStart(2, '0')).join('');
      return Array.from({ length: 200 }, (_, i) => `https://example.org/${i}/${hex()}`).join('\n');
    });
    await page.fill('#io-urls', urls);
    await page.click('#io-copy-link');
    await page.waitForSelector('[data-share="io"] [data-share-said]');
    assert.match(
      await page.textContent('[data-share="io"] [data-share-said]'),
      /This link cannot be shared: it would be \d+ KB, more than the 32 KB a link may be\. To share it, list fewer URLs, or shorter ones\./,
    );
    assert.equal(await page.inputValue('#io-share-link'), '', 'no link that would not open is handed out');
    // A link whose size this machine refuses (merge sort beyond what memory holds): Run here
    // says why nothing ran, instead of doing nothing.
    const payload = { lab: 'cpu', cpu: { kernel: 'merge-sort', size: 128_000_000, repeats: 3, models: ['free-threads'], style: 'map', threads: '', chunksize: null } };
    const oversized = `#v1.${zlib.deflateRawSync(Buffer.from(JSON.stringify(payload))).toString('base64url')}`;
    const big = await openApp(browser, url + oversized);
    await big.page.waitForSelector('.shared-link');
    await big.page.click('#link-run');
    await big.page.waitForSelector('#link-run-refused');
    assert.match(await big.page.textContent('#link-run-refused'), /Nothing ran\. Size: merge-sort at this size needs about \d+ MB, more than the \d+ MB/);
    assert.equal(await big.page.getAttribute('#status', 'data-state'), 'idle');
    assert.deepEqual(big.problems(), []);

    // A newer format is named as such, not as damage.
    const newer = await openApp(browser, `${url}#v2.AAAA`);
    await newer.page.waitForSelector('[data-link-problem]');
    assert.match(await newer.page.textContent('[data-link-problem]'), /format v2, .*may come from a newer Overlap/);
    assert.deepEqual(app.problems(), []);
    assert.deepEqual(newer.problems(), []);
  });
});

test('an I/O link of URLs names every host its Run here would contact, and contacts none before Run', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    await page.check('input[name="io-targets"][value="urls"]');
    await page.fill('#io-urls', 'https://a.example/1\nhttps://b.example:8443/2?x=1\nhttps://a.example/3\n# a note\nhttp://c.example/');
    await page.click('#io-copy-link');
    await page.waitForFunction(() => document.querySelector('#io-share-link').value.includes('#v1.'));
    const link = await page.inputValue('#io-share-link');

    const opened = await openApp(browser, link);
    const contacted = [];
    opened.page.on('request', (request) => {
      if (/\.example/.test(new URL(request.url()).hostname)) contacted.push(request.url());
    });
    await opened.page.waitForSelector('.shared-link [data-link-summary]');
    assert.match(
      await opened.page.textContent('[data-link-summary]'),
      /4 URLs the link lists \(see the I\/O lab\), which Run here fetches from this browser, contacting 3 hosts: a\.example, b\.example:8443, c\.example/,
    );
    await opened.page.waitForTimeout(500);
    assert.deepEqual(contacted, [], 'nothing is fetched before Run here');
    assert.deepEqual(opened.problems(), []);
  });
});

test('a link pasted while a sweep runs waits in a notice, and opens when the sweep ends; with no run it opens at once', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    const link = new URL(await sweepLink(page, ['free-threads']));

    // A long sweep, then the link arrives (as when pasted into the address bar): no reload.
    await page.evaluate(() => { window.__sameDocument = true; });
    await setExperiment(page, { kernel: 'count', size: '20_000_000_000', repeats: 3, models: ['free-threads'] });
    await page.click('#run');
    await page.waitForSelector('#status[data-state="running"]');
    await page.evaluate((hash) => { location.hash = hash; }, link.hash);
    await page.waitForSelector('[data-new-link="asked"]');
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page did not reload');
    assert.equal(await page.getAttribute('#status', 'data-state'), 'running');

    // "When this run ends": the sweep goes on; once it ends (here, cancelled), the link opens.
    await page.click('#new-link-later');
    await page.waitForSelector('[data-new-link="after-the-run"]');
    await page.waitForTimeout(500);
    assert.equal(await page.getAttribute('#status', 'data-state'), 'running');
    await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), page.click('#cancel')]);
    await built(page);
    await page.waitForSelector('.shared-link');
    assert.equal(await page.evaluate(() => window.__sameDocument), undefined, 'reloaded onto the link');

    // With nothing running, a new link opens at once, as before.
    await page.evaluate(() => {
      history.replaceState(null, '', location.pathname + location.search);
      window.__sameDocument = true;
    });
    await Promise.all([page.waitForEvent('load'), page.evaluate((hash) => { location.hash = hash; }, link.hash)]);
    await built(page);
    assert.equal(await page.evaluate(() => window.__sameDocument), undefined, 'with no run, the link opens at once');
    assert.deepEqual(app.problems(), []);
  });
});
