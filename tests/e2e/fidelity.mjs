// Lessons against CPython on this machine (a report, not a test; `scripts/fidelity.sh`): every
// lesson's script run by `python3` at its full size, then every lesson run OVERLAP_FIDELITY_RUNS
// times (default 3) in headless Chromium, each from a fresh page, with CPython's line imported
// beside it. Prints one line per lesson: the verdicts in a row, and each step relative to the
// lesson's first step (times) or as the share counted, in the browser (median over the runs)
// and in CPython.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { withServer, launchChromium, openApp } from './support.mjs';

const run = promisify(execFile);
const RUNS = Number(process.env.OVERLAP_FIDELITY_RUNS ?? 3);
const ONLY = process.env.OVERLAP_FIDELITY_LESSONS?.split(',');
const SLUGS = ['gil', 'copy', 'reuse', 'imap', 'fetch', 'bounded', 'async-cpu', 'thousands', 'lock']
  .filter((slug) => !ONLY || ONLY.includes(slug));

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length / 2;
  return s.length % 2 ? s[Math.floor(m)] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');

async function cpythonLine(slug) {
  const script = fileURLToPath(new URL(`../../src/engine/lessons/python/${slug}.py`, import.meta.url));
  const { stdout } = await run('python3', [script], { maxBuffer: 1 << 20 });
  return stdout;
}

async function runOnce(browser, url, slug, line) {
  const { page, problems } = await openApp(browser, url);
  await page.click(`button[data-lesson="${slug}"]`);
  await page.check('input[name="predict"][value="1"]');
  await page.click('#lesson-run');
  await page.waitForSelector('#lesson-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 300_000 });
  const verdict = (await page.getAttribute('#lesson-conclusion', 'data-verdict')) ?? 'no conclusion';
  const conclusion = await page.textContent('#lesson-conclusion').catch(() => '');
  await page.click('#lesson-cpython summary');
  await page.fill('#lesson-cpython-input', line);
  await page.click('#lesson-cpython-import');
  await page.waitForSelector('#lesson-compare');
  const rows = await page.$$eval('#lesson-compare tbody tr', (trs) =>
    trs.map((tr) => ({
      step: tr.dataset.step,
      browser: Number(tr.dataset.browserRelative),
      cpython: Number(tr.dataset.cpythonRelative),
    })));
  const trouble = problems();
  await page.context().close();
  return { verdict, conclusion, rows, trouble };
}

const browser = await launchChromium();
try {
  await withServer({ isolated: true }, async (url) => {
    for (const slug of SLUGS) {
      const line = await cpythonLine(slug);
      const python = JSON.parse(line.trim().split('\n').pop()).python;
      const runs = [];
      for (let i = 0; i < RUNS; i += 1) runs.push(await runOnce(browser, url, slug, line));
      console.log(`\n${slug}: ${runs.map((r) => r.verdict).join(', ')} (CPython ${python})`);
      runs.forEach((r, i) => console.log(`  run ${i + 1}: ${r.conclusion}`));
      for (const [i, { step }] of runs[0].rows.entries()) {
        const browserX = median(runs.map((r) => r.rows[i].browser));
        console.log(`  ${step.padEnd(50)} browser ${fmt(browserX).padStart(6)}   CPython ${fmt(runs[0].rows[i].cpython).padStart(6)}`);
      }
      for (const r of runs) if (r.trouble.length) console.log(`  trouble: ${r.trouble.join('; ')}`);
    }
  });
} finally {
  await browser.close();
}
