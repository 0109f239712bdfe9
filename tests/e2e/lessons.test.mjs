// End-to-end: the guided lessons, run for real; their conclusions must follow from what they
// measured.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { withServer, launchChromium, openApp, ARTIFACTS } from './support.mjs';

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

/** The quartiles and median of `values`, interpolated as the engine's rounds do. */
function spread(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p) => {
    const at = p * (sorted.length - 1);
    const [lo, hi] = [Math.floor(at), Math.ceil(at)];
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
  };
  return { low: q(0.25), median: q(0.5), high: q(0.75), rounds: sorted.length };
}

/** Holds if every ratio of the middle half holds, fails if none does, else too busy to tell. */
function judge(s, holds) {
  const votes = [s.low, s.median, s.high].map(holds);
  return votes.every(Boolean) ? 'holds' : votes.some(Boolean) ? 'too-busy' : 'fails';
}

test('the GIL lesson concludes from its own rounds, three times in a row', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const k = Math.max(cores, 2);
    const verdicts = [];
    for (let run = 1; run <= 3; run += 1) {
      const { steps, conclusion } = await runLesson(page, 'gil');
      if (run === 1) await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-gil.png'), fullPage: true });
      assert.deepEqual(steps.map(([label]) => label), ['Sequential', `${k} GIL threads`, `${k} processes`]);
      const samples = await page.$$eval('#lesson-results tr', (rows) =>
        rows.map((row) => row.dataset.samplesMs.split(' ').map(Number)));
      const [seq, gil, proc] = samples;
      assert.ok(seq.length >= 5 && gil.length === seq.length && proc.length === seq.length, `${seq.length} rounds`);
      // Ratios within each round, their median and middle half: what the conclusion prints.
      const threads = spread(seq.map((s, i) => s / gil[i]));
      const processes = spread(seq.map((s, i) => s / proc[i]));
      const [, gilX, procX] = conclusion.match(/GIL threads: (\d+\.\d+)× .*processes: (\d+\.\d+)×/);
      assert.ok(Math.abs(Number(gilX) - threads.median) < 0.006, `${gilX} against ${threads.median}`);
      assert.ok(Math.abs(Number(procX) - processes.median) < 0.006, `${procX} against ${processes.median}`);
      // The verdict recomputed from the thresholds CPython's shape gives.
      const parts = [judge(threads, (x) => x >= 0.75 && x <= 1.10), judge(processes, (x) => x >= 0.65 * k)];
      const expected = parts.includes('fails') ? 'fails' : parts.every((p) => p === 'holds') ? 'holds' : 'too-busy';
      const verdict = await page.getAttribute('#lesson-conclusion', 'data-verdict');
      assert.equal(verdict, expected, conclusion);
      if (verdict === 'too-busy') assert.ok(await page.$('#lesson-run-again'), 'offers to run again');
      if (run === 1) {
        // The lesson's steps as a trace: one process each, GIL threads with k thread tracks.
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#lesson-trace')]);
        assert.equal(download.suggestedFilename(), 'overlap-gil.trace.json');
        const events = JSON.parse(await fs.readFile(await download.path(), 'utf8')).traceEvents;
        const processes = events.filter((e) => e.name === 'process_name').map((e) => e.args.name);
        assert.deepEqual(processes, ['Sequential', `${k} GIL threads`, `${k} processes`]);
        const threads = events.filter((e) => e.name === 'thread_name' && e.pid === 2).map((e) => e.args.name);
        assert.equal(threads.length, k);
        assert.ok(events.some((e) => e.pid === 2 && e.name === 'holds the GIL'));
        assert.ok(events.some((e) => e.pid === 3 && e.name.startsWith('pickle chunk')));
      }
      console.log(`# gil run ${run}: ${verdict}: threads ${threads.median.toFixed(2)} (${threads.low.toFixed(2)}–${threads.high.toFixed(2)}), processes ${processes.median.toFixed(2)} (${processes.low.toFixed(2)}–${processes.high.toFixed(2)}) over ${threads.rounds} rounds`);
      verdicts.push(verdict);
    }
    assert.match(await page.textContent('[data-prediction]'), /You predicted/);
    assert.deepEqual(app.problems(), []);
  });
});

test('every other lesson runs and reaches a conclusion', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    const outcomes = {};
    for (const slug of ['copy', 'reuse', 'imap', 'fetch', 'bounded', 'async-cpu', 'thousands', 'lock']) {
      const { steps, conclusion, holds } = await runLesson(page, slug);
      assert.ok(steps.length >= 2, slug);
      assert.ok(conclusion.length > 20, slug);
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
    // Both runtimes show the lesson's shape: all at once takes a fraction of one at a time.
    for (const [, browserX, cpythonX] of rows.slice(1)) {
      assert.ok(browserX > 0 && browserX < 0.5, `browser ${browserX}`);
      assert.ok(cpythonX > 0 && cpythonX < 0.5, `CPython ${cpythonX}`);
    }
    assert.ok(await page.$('#lesson-compare-chart rect.bar.cpython'), 'CPython bars drawn');
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
