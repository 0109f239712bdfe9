// End-to-end: the guided lessons, run for real; their conclusions must follow from what they
// measured.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { withServer, launchChromium, openApp, ARTIFACTS } from './support.mjs';

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
  assert.ok(await page.isDisabled('#lesson-run'), 'no run before a prediction');
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

const ms = (text) => Number(text.match(/^(\d+) ms/)[1]);

test('the GIL lesson concludes from its own measurements', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const k = Math.max(cores, 2);
    const { steps, conclusion } = await runLesson(page, 'gil');
    await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-gil.png'), fullPage: true });
    assert.deepEqual(steps.map(([label]) => label), ['Sequential', `${k} GIL threads`, `${k} processes`]);
    const [seq, gil, proc] = steps.map(([, text]) => ms(text));
    // The conclusion's ratios are the table's medians divided, to the two decimals it prints
    // (the table rounds to whole ms, so allow a little).
    const [, gilX, procX] = conclusion.match(/GIL threads: (\d+\.\d+)× .*processes: (\d+\.\d+)×/);
    assert.ok(Math.abs(Number(gilX) - seq / gil) < 0.02, `${gilX} against ${seq}/${gil}`);
    assert.ok(Math.abs(Number(procX) - seq / proc) < 0.02, `${procX} against ${seq}/${proc}`);
    assert.match(conclusion, Number(gilX) < 1.15 ? /no faster than one thread/ : /faster than the claim allows/);
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
