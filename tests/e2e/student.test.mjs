// End-to-end: a student's first ten minutes, as they go. What runs is said before anything runs;
// the question does not give the answer away; the prediction is graded against the measured
// figure; the verdict comes into view when a run ends, on a desktop and on a phone; a link with
// results shows its sender's figures; Run never sits disabled beside "Ready"; a lesson embeds
// in a teacher's page from its own snippet; and a phone gets tap-sized controls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import { withServer, launchChromium, openApp, runExperiment, built } from './support.mjs';
import { lessonReport, checkReport } from './verdicts.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => browser?.close());

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/**
 * Opens `url` in a fresh context shaped like `device` (a desktop when undefined) and waits until
 * the app has built every section, unless `app` is false (a page of another site).
 */
async function open(url, device, app = true) {
  const context = await browser.newContext({ ...(device ?? { viewport: { width: 1280, height: 800 } }) });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(url);
  if (app) await built(page);
  return { page, problems, close: () => context.close() };
}

/** Predicts option `option`, runs the lesson on show and waits for its end. */
async function predictAndRun(page, option) {
  await page.check(`input[name="predict"][value="${option}"]`);
  await page.click('#lesson-run');
  await page.waitForSelector('#lesson-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 240_000 });
  assert.equal(await page.getAttribute('#lesson-status', 'data-state'), 'done', await page.textContent('#lesson-status'));
}

/** Whether `selector`'s box lies inside the viewport. */
const inView = (page, selector) => page.$eval(selector, (el) => {
  const r = el.getBoundingClientRect();
  return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.height > 0;
});

test('a lesson says what runs, asks without answering, grades the prediction against the figure, and brings the verdict into view', async () => {
  await withServer({ isolated: true }, async (url) => {
    for (const device of [undefined, PHONE]) {
      const { page, problems, close } = await open(`${url}?lesson=gil`, device);
      const name = device ? 'phone' : 'desktop';
      // Before anything runs: what runs is said, the claim and its answer are not.
      assert.match(await page.textContent('[data-what-runs]'), /No Python runs in this page/);
      const title = await page.textContent('#lesson-title');
      assert.match(title, /\?$/, title);
      assert.equal(await page.$('#lesson-claim'), null, 'the claim waits for a prediction');
      assert.doesNotMatch(await page.textContent('article.lesson'), /do not speed up CPU work/);
      // Run waits for a prediction, and the status line says so instead of "Ready".
      assert.ok(await page.isDisabled('#lesson-run'));
      assert.equal(await page.getAttribute('#lesson-status', 'data-blocked'), 'true');
      assert.match(await page.textContent('#lesson-status'), /Choose a prediction/);
      await page.check('input[name="predict"][value="1"]');
      assert.ok(!(await page.isDisabled('#lesson-run')));
      assert.match(await page.textContent('#lesson-status'), /^Ready: a run takes about \d+ s/);
      assert.ok(await page.$('#lesson-claim'), 'the claim shows once predicted');
      // The Python shows, the Rust is folded away.
      assert.equal(await page.$eval('#lesson-claim .rust-code', (d) => d.open), false);
      await page.click('#lesson-run');
      // While it runs, the line says how long is left once it can tell.
      await page.waitForFunction(() => /s left\)/.test(document.querySelector('#lesson-status')?.textContent ?? ''),
        null, { timeout: 60_000 });
      await page.waitForSelector('#lesson-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 240_000 });
      // The verdict is in view and has the keyboard.
      await page.waitForFunction(() => document.activeElement?.id === 'lesson-verdict', null, { timeout: 5_000 });
      assert.ok(await inView(page, '#lesson-conclusion'), `${name}: the verdict is not in view`);
      // The grading names the measured figure, the claim's own, and says whether it matches.
      const report = await page.evaluate(lessonReport);
      console.log(`# ${name}: ${checkReport(assert, report, 'gil')}`);
      const threads = report.claims.find((c) => c.id === 'gil.threads');
      const grade = await page.textContent('#lesson-grade');
      assert.ok(grade.includes(`Measured: ${report.k} GIL threads ran ${threads.median.toFixed(2)}× as fast as one thread`), grade);
      const graded = await page.getAttribute('#lesson-grade', 'data-prediction');
      assert.equal(graded, threads.median <= threads.threshold ? 'matches' : 'differs', grade);
      assert.match(grade, graded === 'matches' ? /your prediction matches/ : /does not match/);
      // The lesson draws how its GIL threads took turns.
      assert.equal(await page.$$eval('.lesson-timeline [data-chart="timeline"] .row-label', (l) => l.length), report.k);
      assert.ok(await page.$('.lesson-timeline .bars.under-gil .holding-gil'));
      await page.screenshot({ path: `tests/e2e/artifacts/student-gil-${name}.png` });
      assert.deepEqual(problems, []);
      await close();
    }
  });
});

test('a prediction the measurement does not bear out is told so, with the figure', async () => {
  await withServer({ isolated: true }, async (url) => {
    const { page, close } = await open(`${url}?lesson=fetch`);
    await predictAndRun(page, 0);
    const grade = await page.textContent('#lesson-grade');
    assert.match(grade, /You predicted “3.2 s: one thread can only wait for one”\. Measured: 16 requests all at once took 0\.\d\d s, which is “0.2 s: the waits overlap”: your prediction does not match/);
    assert.equal(await page.getAttribute('#lesson-grade', 'data-prediction'), 'differs');
    await close();
  });
});

test("the copy lesson has CPython's shape, quoted from CPython's committed figures", async () => {
  await withServer({ isolated: true }, async (url) => {
    const { page, problems, close } = await open(`${url}?lesson=copy`);
    await predictAndRun(page, 1);
    const report = await page.evaluate(lessonReport);
    console.log(`# ${checkReport(assert, report, 'copy')}`);
    assert.deepEqual(report.steps.map((s) => s.label), ['Sequential', `${report.k} GIL threads, sharing memory`,
      `${report.k} processes, copying`, `${report.k} free threads (as 3.13t), sharing memory`]);
    // CPython's figures, from the line committed for the nearest k, each the median of the
    // ratios taken within a round, as the page takes every speedup.
    const k = Number(await page.getAttribute('#lesson-cpython-shape', 'data-k'));
    const line = JSON.parse(await fs.readFile(new URL(`../../src/engine/lessons/python/measured/copy.k${k}.json`, import.meta.url), 'utf8'));
    const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = (s.length - 1) / 2; return (s[Math.floor(m)] + s[Math.ceil(m)]) / 2; };
    const [seq, gil, processes] = line.steps.map((s) => s.rounds_ms);
    const speedup = (step) => median(seq.map((x, i) => x / step[i]));
    const shape = await page.textContent('#lesson-cpython-shape');
    assert.ok(shape.includes(`CPython ${line.python}`), shape);
    assert.ok(shape.includes(`${line.steps[2].label} ${speedup(processes).toFixed(2)}×`), shape);
    assert.ok(shape.includes(`${line.steps[1].label} ${speedup(gil).toFixed(2)}×`), shape);
    // CPython's shape: GIL threads gain nothing, processes end slower than one thread.
    assert.ok(speedup(gil) < 1.25 && speedup(processes) < 1, shape);
    assert.deepEqual(problems, []);
    await close();
  });
});

test('a link with results shows exactly the figures its sender saw', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, `${url}?lab=cpu`);
    const { page } = app;
    await runExperiment(page, { kernel: 'count', size: '200_000_000', repeats: 5, models: ['gil-threads', 'free-threads', 'processes'] });
    // Model, k, speedup and median as the table shows them (the speedup cell's first line).
    const figures = (p, table) => p.$$eval(`${table} tbody tr`, (rows) => rows.map((r) =>
      [r.dataset.model, r.dataset.threads, r.querySelector('.speedup').firstChild.textContent.trim(),
        r.querySelectorAll('td')[1].textContent]));
    const fits = (p, scope) => p.$$eval(`${scope} .fit-label`, (l) => l.map((e) => e.textContent));
    const sent = await figures(page, '#results');
    const sentFits = await fits(page, '.experiment');
    await page.click('#cpu-copy-results');
    await page.waitForFunction(() => (document.querySelector('#cpu-share-link')?.value ?? '').includes('#v1.'));
    const link = await page.inputValue('#cpu-share-link');
    const other = await openApp(browser, link);
    await other.page.waitForSelector('.shared-link table[data-table="carried"] tbody tr');
    const carried = await figures(other.page, '.shared-link table[data-table="carried"]');
    assert.deepEqual(carried, sent);
    assert.deepEqual(await fits(other.page, '.shared-link'), sentFits);
    console.log(`# link: ${sent.map((r) => `${r[0]}/${r[1]} ${r[2]}`).join(', ')} arrive as sent`);
    assert.deepEqual(app.problems(), []);
    assert.deepEqual(other.problems(), []);
  });
});

/** Serves a page of another origin, isolated, whose body is `html`. */
async function serveSlides(html) {
  const server = http.createServer((req, res) => res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  }).end(`<!doctype html><title>Week 3</title><h1>Threads or processes?</h1>${html}`));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${server.address().port}/`,
    close: () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }),
  };
}

test("a lesson's Embed snippet, pasted into an isolated page of another origin, runs the GIL lesson", async () => {
  await withServer({ isolated: true }, async (url) => {
    const { page, close } = await open(`${url}?lesson=gil`);
    await page.click('#lesson-embed-toggle');
    const snippet = await page.inputValue('#lesson-embed-snippet');
    assert.match(snippet, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?lesson=gil&embed" title="Overlap: [^"]+" .*allow="cross-origin-isolated"/);
    assert.match(await page.textContent('.embed-box'), /Cross-Origin-Embedder-Policy: require-corp/);
    await close();
    // localhost, not 127.0.0.1: another origin than the app's.
    const slides = await serveSlides(snippet);
    let teacher = null;
    try {
      teacher = await open(slides.url, undefined, false);
      const frame = teacher.page.frameLocator('iframe');
      await frame.locator('article.lesson[data-lesson="gil"]').waitFor({ timeout: 30_000 });
      // Compact: the lesson alone, no picker, no Embed button of its own.
      assert.equal(await frame.locator('.lesson-list:visible, .masthead:visible, [data-embed]:visible').count(), 0);
      const inside = teacher.page.frames().find((f) => f !== teacher.page.mainFrame());
      assert.equal(await inside.evaluate(() => crossOriginIsolated), true);
      await frame.locator('input[name="predict"][value="1"]').check();
      await frame.locator('#lesson-run').click();
      await frame.locator('#lesson-status:not([data-state="running"]):not([data-state="idle"])').waitFor({ timeout: 240_000 });
      const report = await inside.evaluate(lessonReport);
      console.log(`# embedded: ${checkReport(assert, report, 'gil')}`);
      assert.notEqual(report.verdict, 'fails', report.line);
      assert.deepEqual(teacher.problems, []);
    } finally {
      await teacher?.close();
      await slides.close();
    }
  });
});

test('a first visit says what Overlap is and where to start; a phone gets tap-sized controls and code that stays in its box', async () => {
  await withServer({ isolated: true }, async (url) => {
    const desktop = await open(url);
    // What runs, said up front: the model in the lessons, real CPython in the Python lab.
    const intro = await desktop.page.textContent('#intro');
    assert.match(intro, /lessons run a Rust model of CPython/);
    assert.match(intro, /Python lab runs your own code on real CPython/);
    assert.equal(await desktop.page.getAttribute('[data-start]', 'href'), '/?lesson=gil');
    // Diagnostics folded when nothing is missing.
    assert.equal(await desktop.page.$eval('#capabilities', (d) => d.open), false);
    await desktop.close();

    const { page, problems, close } = await open(`${url}?lesson=gil`, PHONE);
    await page.check('input[name="predict"][value="1"]');
    // Every control a finger reaches in the lesson: at least 44 × 44 px (WCAG 2.5.5).
    const small = await page.$$eval('article.lesson button, article.lesson label.choice, article.lesson summary, .lesson-list button, .site-nav a',
      (els) => els.filter((e) => e.offsetParent !== null).map((e) => {
        const r = e.getBoundingClientRect();
        return { what: e.id || e.textContent.trim().slice(0, 30), w: Math.round(r.width), h: Math.round(r.height) };
      }).filter((b) => b.w < 44 || b.h < 44));
    assert.deepEqual(small, [], 'tap targets under 44 × 44 px');
    // The picker is one row of numbers, the lesson right under it.
    const tops = await page.$$eval('.lesson-list button', (bs) => [...new Set(bs.map((b) => Math.round(b.getBoundingClientRect().top)))]);
    assert.equal(tops.length, 1, `the picker takes ${tops.length} rows`);
    // Code scrolls inside its box; the page never scrolls sideways.
    const wide = await page.$$eval('pre', (pres) => pres.filter((p) => p.offsetParent !== null)
      .filter((p) => p.getBoundingClientRect().right > innerWidth + 1).length);
    assert.equal(wide, 0, 'a code block runs off the screen');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth));
    assert.deepEqual(problems, []);
    await close();
  });
});
