// End-to-end: the guided lessons, run for real; their conclusions must follow from what they
// measured.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { withServer, launchChromium, openApp, ARTIFACTS } from './support.mjs';
import { lessonReport, checkReport } from './verdicts.mjs';

const run = promisify(execFile);

let browser;
before(async () => {
  browser = await launchChromium();
  await fs.mkdir(ARTIFACTS, { recursive: true });
});
after(async () => browser?.close());

/** Opens lesson `slug`, predicts option `prediction`, runs it and waits for it to end. */
async function runLesson(page, slug, prediction = 1) {
  await page.click(`button[data-lesson="${slug}"]`);
  await page.waitForSelector(`article.lesson[data-lesson="${slug}"]`);
  // Run waits for a prediction (a lesson run again keeps the one made).
  if (!(await page.$('input[name="predict"]:checked'))) {
    assert.ok(await page.isDisabled('#lesson-run'), 'no run before a prediction');
  }
  await page.check(`input[name="predict"][value="${prediction}"]`);
  await page.click('#lesson-run');
  await page.waitForSelector('#lesson-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 180_000 });
  assert.equal(await page.getAttribute('#lesson-status', 'data-state'), 'done', await page.textContent('#lesson-status'));
  const steps = await page.$$eval('#lesson-results tr', (rows) =>
    rows.map((row) => [row.dataset.step, row.querySelector('td').textContent]));
  const conclusion = await page.textContent('#lesson-conclusion');
  const holds = (await page.getAttribute('#lesson-conclusion', 'data-holds')) === 'true';
  console.log(`# ${slug}: ${conclusion}`);
  return { steps, conclusion, holds };
}

/**
 * Runs lesson `slug` `times` times, each from a fresh page reporting `cores` (the machine's own
 * count when undefined), and checks each as verdicts.mjs does. At most one run may be too busy to
 * tell; none may fail. `firstRun(page, report)`, if given, checks more of the first run's page.
 * Returns the runs' reports.
 */
async function holds(url, slug, times, cores, firstRun) {
  const reports = [];
  for (let run = 1; run <= times; run += 1) {
    const app = await openApp(browser, url, { cores });
    const { page } = app;
    const reported = await page.evaluate(() => navigator.hardwareConcurrency);
    if (cores !== undefined) assert.equal(reported, cores, 'the override reached the page');
    await runLesson(page, slug);
    const report = await page.evaluate(lessonReport);
    console.log(`# ${checkReport(assert, report, slug)}, reported ${reported}; ${report.chosen ?? ''}`);
    assert.notEqual(report.verdict, 'fails', report.line);
    // The k the lesson chose is one it measured, never more than the browser reports.
    assert.ok(report.k <= Math.max(2, reported), `k = ${report.k} of ${reported}`);
    if (report.verdict === 'too-busy') assert.ok(await page.$('#lesson-run-again'), 'offers to run again');
    if (slug === 'gil' && run === 1 && cores === undefined) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-gil.png'), fullPage: true });
      await checkGilTrace(page, report.k);
    }
    if (run === 1 && firstRun) await firstRun(page, report);
    assert.deepEqual(app.problems(), []);
    reports.push(report);
    await page.context().close();
  }
  const busy = reports.filter((r) => r.verdict === 'too-busy').length;
  assert.ok(busy <= 1, `${slug} at ${cores ?? 'the real'} cores: ${busy} of ${times} too busy to tell`);
  return reports;
}

/** The GIL lesson's steps as a trace: one process each, GIL threads with k thread tracks. */
async function checkGilTrace(page, k) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lesson-trace')]);
  assert.equal(download.suggestedFilename(), 'overlap-gil.trace.json');
  const events = JSON.parse(await fs.readFile(await download.path(), 'utf8')).traceEvents;
  const processes = events.filter((e) => e.name === 'process_name').map((e) => e.args.name);
  assert.deepEqual(processes, ['Sequential', `${k} GIL threads`, `${k} processes`,
    `${k} free threads (as 3.13t): what ${k} cores give`]);
  const threads = events.filter((e) => e.name === 'thread_name' && e.pid === 2).map((e) => e.args.name);
  assert.equal(threads.length, k);
  assert.ok(events.some((e) => e.pid === 2 && e.name === 'holds the GIL'));
  assert.ok(events.some((e) => e.pid === 3 && e.name.startsWith('pickle chunk')));
}

test('the GIL lesson holds from a fresh page: three times at this machine\'s count, twice at reported 4, 8 and 16', async () => {
  await withServer({ isolated: true }, async (url) => {
    const real = await holds(url, 'gil', 3);
    await fs.mkdir(ARTIFACTS, { recursive: true });
    for (const cores of [4, 8, 16]) {
      const reports = await holds(url, 'gil', 2, cores);
      // A browser that reports more cores than run at once gets the k this machine gains to.
      for (const report of reports) assert.ok(report.chosen.includes(`reports ${cores} cores`), report.chosen);
    }
    assert.ok(real.every((r) => r.claims.length === 3));
  });
});

test('the released lesson holds from a fresh page at this machine\'s count and at reported 8, its timeline showing the GIL let go', async () => {
  await withServer({ isolated: true }, async (url) => {
    const [first] = await holds(url, 'released', 2, undefined, async (page, report) => {
      // Drawn from the releasing step: task bars computing, the GIL's holds as marks between them.
      const timeline = await page.$eval('article.lesson [data-chart="timeline"]', (chart) => ({
        caption: chart.querySelector('.chart-caption').textContent,
        marks: chart.querySelectorAll('rect.gil-between-tasks').length,
        waiting: chart.querySelectorAll('.bars.under-gil').length,
      }));
      assert.match(timeline.caption, /the GIL let go/);
      assert.ok(timeline.marks >= report.k, JSON.stringify(timeline));
      assert.equal(timeline.waiting, 0, 'tasks drawn as computing, not waiting for the GIL');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lesson-trace')]);
      const events = JSON.parse(await fs.readFile(await download.path(), 'utf8')).traceEvents;
      const held = events.filter((e) => e.pid === 2 && e.cat === 'gil').map((e) => e.name);
      const released = events.filter((e) => e.pid === 3 && e.cat === 'gil').map((e) => e.name);
      assert.ok(held.includes('waits for the GIL') && !held.includes('computes, the GIL let go'));
      assert.ok(released.includes('computes, the GIL let go') && !released.includes('waits for the GIL'));
    });
    assert.equal(first.claims.length, 3);
    await holds(url, 'released', 1, 8);
  });
});

test('the copy and async lessons hold at reported 2 and 8 cores', async () => {
  await withServer({ isolated: true }, async (url) => {
    for (const cores of [2, 8]) {
      await holds(url, 'copy', 1, cores);
      await holds(url, 'async-cpu', 1, cores);
    }
  });
});

test('every other lesson runs and reaches a conclusion', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    const outcomes = {};
    for (const slug of ['reuse', 'imap', 'fetch', 'bounded', 'thousands', 'lock']) {
      const { steps, conclusion, holds } = await runLesson(page, slug);
      assert.ok(steps.length >= 2, slug);
      assert.ok(conclusion.length > 20, slug);
      console.log(`# ${checkReport(assert, await page.evaluate(lessonReport), slug)}`);
      outcomes[slug] = holds;
    }
    console.log(`# claims borne out here: ${JSON.stringify(outcomes)}`);
    // The ones that do not depend on timing must hold everywhere.
    assert.equal(outcomes.fetch, true);
    assert.equal(outcomes.lock, true);
    assert.equal(outcomes.thousands, true);
    assert.deepEqual(app.problems(), []);
  });
});

test('the blocked lesson: one blocking call stalls the loop, a thread or an await does not', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    const { steps, holds } = await runLesson(page, 'blocked', 0);
    console.log(`# ${checkReport(assert, await page.evaluate(lessonReport), 'blocked')}`);
    assert.ok(holds, JSON.stringify(steps));
    // Each step's figure is when the ten timers' coroutines were done, in ms.
    const done = await page.$$eval('#lesson-results tr', (rows) => rows.map((r) => Number(r.dataset.samplesMs)));
    const [alone, held, thread, awaited] = done;
    assert.ok(held >= 900, `beside time.sleep(1): ${held} ms`);
    for (const ms of [alone, thread, awaited]) assert.ok(ms < 500, `on time: ${done}`);
    // The waterfall of the held step: a row per coroutine, the timers fired late, the slow call last.
    const chart = await page.$eval('article.lesson .lesson-timeline', (section) => ({
      heading: section.querySelector('h4').textContent,
      late: Number(section.querySelector('[data-late-ms]')?.dataset.lateMs),
      labels: [...section.querySelectorAll('.wf-row .row-label')].map((t) => t.textContent),
    }));
    assert.match(chart.heading, /time\.sleep\(1\)/);
    assert.ok(chart.late >= 800, JSON.stringify(chart));
    assert.equal(chart.labels.length, 11);
    assert.equal(chart.labels.at(-1), 'slow call');
    // The prediction "after about 100 ms" is graded against the measurement, and does not match.
    assert.equal(await page.getAttribute('#lesson-grade', 'data-measured-option'), '1');
    assert.deepEqual(app.problems(), []);
  });
});

test('the deadlock lesson: Cancel mid-deadlock, then opposite orders stop for good and the cures finish', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    // Cancel while the two threads wait on each other, before the watchdog's 0.5 s: it stops at
    // once, and nothing is left holding a lock.
    await page.click('button[data-lesson="deadlock"]');
    await page.check('input[name="predict"][value="1"]');
    await page.click('#lesson-run');
    await page.waitForSelector('#lesson-status[data-state="running"]');
    await page.waitForTimeout(250);
    const ms = await page.evaluate(async () => {
      const clicked = performance.now();
      document.querySelector('#lesson-cancel').click();
      while (document.querySelector('#lesson-status').dataset.state === 'running') {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return performance.now() - clicked;
    });
    console.log(`# deadlock: cancelled ${ms.toFixed(0)} ms after the click`);
    assert.equal(await page.getAttribute('#lesson-status', 'data-state'), 'cancelled', await page.textContent('#lesson-status'));
    assert.ok(ms < 400, `${ms} ms`);
    // Then the whole lesson.
    const { holds, conclusion } = await runLesson(page, 'deadlock', 1);
    console.log(`# ${checkReport(assert, await page.evaluate(lessonReport), 'deadlock')}`);
    assert.ok(holds, conclusion);
    const cycle = await page.$$eval('.waits-for-list li', (items) =>
      items.map((li) => [li.dataset.thread, li.dataset.holds, li.dataset.wants]));
    assert.deepEqual(cycle.sort(), [['0', 'A', 'B'], ['1', 'B', 'A']]);
    assert.ok(await page.$('.lesson-timeline .waits-for svg line.edge.waits'), 'the picture is drawn');
    assert.equal(await page.getAttribute('#lesson-grade', 'data-measured-option'), '1');
    assert.deepEqual(app.problems(), []);
  });
});

test("a lesson's script downloads, runs in CPython, and its line shows beside the browser's", async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    await runLesson(page, 'fetch');
    await page.click('#lesson-cpython summary');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#lesson-script-download'),
    ]);
    assert.equal(download.suggestedFilename(), 'overlap-fetch.py');
    const script = await download.path();
    assert.equal(
      await fs.readFile(script, 'utf8'),
      await fs.readFile(new URL('../../src/engine/lessons/python/fetch.py', import.meta.url), 'utf8'),
    );
    // The downloaded script itself, run by CPython at its small size.
    const { stdout } = await run('python3', [script, '--quick']);
    await page.fill('#lesson-cpython-input', `$ python3 overlap-fetch.py --quick\n${stdout}`);
    await page.click('#lesson-cpython-import');
    await page.waitForSelector('#lesson-compare');
    const rows = await page.$$eval('#lesson-compare tbody tr', (trs) =>
      trs.map((tr) => [tr.dataset.step, Number(tr.dataset.browserRelative), Number(tr.dataset.cpythonRelative)]));
    assert.deepEqual(rows.map(([label]) => label), ['One at a time', 'All at once (gather)']);
    // Both runtimes show the lesson's shape: all at once, many times as fast as one at a time.
    for (const [, browserX, cpythonX] of rows.slice(1)) {
      assert.ok(browserX > 2, `browser ${browserX}`);
      assert.ok(cpythonX > 2, `CPython ${cpythonX}`);
    }
    assert.ok(await page.$('#lesson-compare-chart rect.bar.cpython'), 'CPython bars drawn');
    // CPython's figures judged with the lesson's own claims, as the browser's are.
    assert.equal(await page.getAttribute('#lesson-cpython-verdict', 'data-cpython-verdict'), 'holds');
    console.log(`# fetch beside CPython ${await page.getAttribute('#lesson-compare', 'data-python')}: ${JSON.stringify(rows)}`);
    // A line from another lesson, or no line at all, says why and keeps what is shown.
    await page.fill('#lesson-cpython-input', stdout.replace('"lesson": "fetch"', '"lesson": "gil"'));
    await page.click('#lesson-cpython-import');
    await page.waitForSelector('#lesson-cpython-error:not(:empty)');
    assert.match(await page.textContent('#lesson-cpython-error'), /open that lesson/);
    await page.fill('#lesson-cpython-input', 'Traceback (most recent call last):');
    await page.click('#lesson-cpython-import');
    await page.waitForFunction(() => /Nothing to read/.test(document.querySelector('#lesson-cpython-error').textContent));
    assert.equal((await page.$$('#lesson-compare tbody tr')).length, 2);
    assert.deepEqual(app.problems(), []);
  });
});
