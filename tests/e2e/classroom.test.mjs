// End-to-end: the classroom view. Result links made on the page itself, with different thread
// lists, and a damaged one, pasted together: one curve per machine, the median, one message for
// the damaged line; the view shares back as a link of medians and exports like the labs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { withServer, launchChromium, openApp, runExperiment, sweepLink, ARTIFACTS } from './support.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => browser?.close());

const THREAD_LISTS = ['1,2', '2', '1-3', '1,4', '1-2'];

test('five result links and a damaged one make one chart, one curve per machine, one message', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    const links = [];
    for (const threads of THREAD_LISTS) {
      await page.fill('#threads', threads);
      const rows = await runExperiment(page, { kernel: 'count', size: '20_000_000', repeats: 3, models: ['processes'] });
      assert.ok(rows.every((r) => r.verdict === 'ok'), threads);
      const before = await page.inputValue('#cpu-share-link');
      await page.click('#cpu-copy-results');
      await page.waitForFunction((old) => {
        const now = document.querySelector('#cpu-share-link').value;
        return now.includes('#v1.') && now !== old;
      }, before);
      links.push(await page.inputValue('#cpu-share-link'));
    }
    // A link cut short, as when only part of it was copied, on line 4.
    const damaged = links[1].slice(0, -25);
    const lines = [links[0], links[1], '', damaged, links[2], links[3], links[4]];
    await page.fill('#classroom-links', lines.join('\n'));
    await page.waitForSelector('.classroom figure[data-chart="classroom"]');

    const curves = await page.$$eval('.classroom g.machine', (gs) => gs.map((g) => [g.dataset.machine, Number(g.dataset.points)]));
    // Each link's curve has a point per k it swept (k = 1 from its own sequential run, if listed).
    const ks = THREAD_LISTS.map((list) => list.split(',').flatMap((part) => {
      const [a, b] = part.split('-').map(Number);
      return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i);
    }));
    assert.deepEqual(curves.map(([, points]) => points), ks.map((k) => k.length));
    assert.equal(new Set(curves.map(([label]) => label)).size, 5, 'every machine labelled apart');
    assert.match(curves[0][0], /^\d+ cores, Chrome/);
    const notes = await page.$$eval('.classroom-notes li', (lis) => lis.map((li) => [li.dataset.line, li.dataset.skipped, li.textContent]));
    assert.equal(notes.length, 1, JSON.stringify(notes));
    assert.equal(notes[0][0], '4');
    assert.equal(notes[0][1], 'true');
    assert.match(notes[0][2], /^Line 4 left out: The link is/);
    // The median per k: k = 2 was in four lists, k = 4 in one.
    const medians = await page.$$eval('.classroom g.median circle', (cs) => cs.map((c) => [Number(c.dataset.threads), Number(c.dataset.speedup)]));
    assert.deepEqual(medians.map(([k]) => k), [1, 2, 3, 4]);
    const table = await page.$$eval('table[data-table="classroom"] tr.median-row td[data-machines]', (tds) => tds.map((td) => Number(td.dataset.machines)));
    assert.deepEqual(table, [4, 4, 1, 1]);
    await page.locator('.classroom').screenshot({ path: path.join(ARTIFACTS, 'classroom.png') });

    // The pasted links survive a reload; a file of links is read like pasted ones.
    await page.reload();
    await page.waitForSelector('.classroom g.median');
    assert.equal(await page.inputValue('#classroom-links'), lines.join('\n'));
    await page.fill('#classroom-links', '');
    await page.waitForSelector('.classroom g.median', { state: 'detached' });
    await page.setInputFiles('#classroom-file', {
      name: 'class.txt', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\r\n')),
    });
    await page.waitForFunction(() => document.querySelectorAll('.classroom g.machine').length === 5);
    assert.equal(await page.$$eval('.classroom-notes li', (lis) => lis.length), 1);

    // The exports, like the labs'.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('[data-share="classroom"] button[data-export="csv"]')]);
    assert.equal(csv.suggestedFilename(), 'overlap-classroom-count.csv');
    const csvLines = (await fs.readFile(await csv.path(), 'utf8')).trim().split('\r\n');
    assert.equal(csvLines.length, 1 + ks.flat().length + 4);

    // The view shares as a link of medians, which opens to the same median curve.
    await page.click('#classroom-copy-link');
    await page.waitForFunction(() => document.querySelector('#classroom-link').value.includes('#class.v1.'));
    const shared = await page.inputValue('#classroom-link');
    assert.ok(shared.length < 600, `${shared.length} characters`);
    console.log(`# classroom: result links ${links.map((l) => l.length).join(', ')} characters; the classroom link ${shared.length}`);
    const other = await openApp(browser, shared);
    await other.page.waitForSelector('.classroom [data-opened="true"]');
    assert.equal(await other.page.getAttribute('.classroom [data-opened="true"]', 'data-machines'), '5');
    const reopened = await other.page.$$eval('.classroom g.median circle', (cs) => cs.map((c) => [Number(c.dataset.threads), Number(c.dataset.speedup)]));
    assert.equal(reopened.length, medians.length);
    reopened.forEach(([k, s], i) => {
      assert.equal(k, medians[i][0]);
      assert.ok(Math.abs(s - medians[i][1]) < 0.002, `k = ${k}: ${s} against ${medians[i][1]}`);
    });
    // A classroom link is no share link: no "damaged link" card.
    assert.equal(await other.page.$$eval('.shared-link', (cards) => cards.length), 0);
    assert.deepEqual(other.problems(), []);
    // Another class read, the link to the last one is not offered: the field empties, says why.
    await page.fill('#classroom-links', lines.slice(0, -1).join('\n'));
    await page.waitForFunction(() => document.querySelectorAll('.classroom g.machine').length === 4);
    await page.waitForSelector('.classroom [data-link-stale]');
    assert.equal(await page.inputValue('#classroom-link'), '');
    assert.deepEqual(app.problems(), []);
  });
});

test('typing is read and kept once it pauses, not at every key; past 200 links the rest is named, not read', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    const link = await sweepLink(page, ['processes']);

    // Every write of the links to storage, counted.
    await page.evaluate(() => {
      window.__kept = 0;
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (key, value) {
        if (key === 'overlap.classroom.links') window.__kept++;
        return setItem.call(this, key, value);
      };
    });
    await page.fill('#classroom-links', '');
    await page.waitForTimeout(500);
    await page.evaluate(() => { window.__kept = 0; });
    await page.focus('#classroom-links');
    await page.keyboard.type('not a link at all', { delay: 20 });
    await page.waitForSelector('[data-classroom-error]');
    await page.waitForTimeout(400);
    assert.equal(await page.evaluate(() => window.__kept), 1, '17 keys, one write');
    assert.match(await page.textContent('[data-classroom-error]'), /The line pasted is not a link with results/);

    // A class of 250 links: 200 charted, the rest named.
    await page.fill('#classroom-links', Array(250).fill(link).join('\n'));
    await page.waitForFunction(() => [...document.querySelectorAll('.classroom-notes li')].some((li) => li.textContent.startsWith('Only the first 200 links')));
    const note = await page.$$eval('.classroom-notes li', (lis) => lis.map((li) => li.textContent).find((t) => t.startsWith('Only')));
    assert.equal(note, 'Only the first 200 links are read: the 50 from line 201 on are left out. Chart a class of more in parts of 200.');
    assert.deepEqual(app.problems(), []);
  });
});
