// Lessons against CPython on this machine (`scripts/fidelity.sh`): every lesson run
// OVERLAP_FIDELITY_RUNS times (default 3) in headless Chromium, each from a fresh page, then the
// lesson's script run by `python3` at the same k (15 rounds where it measures in rounds) and its
// line imported beside the browser's. The page judges CPython's figures with the lesson's own
// claims (`#lesson-cpython-verdict`), so both verdicts come from one table.
//
// Prints one line per lesson (the verdicts in a row, CPython's verdict, and each step relative to
// the lesson's first step in the browser, median over the runs, and in CPython), and exits with 1
// when a lesson's verdict differs from CPython's: a run that says the opposite, or more than one
// run of a lesson too busy to tell. OVERLAP_FIDELITY_LESSONS (comma-separated slugs) picks lessons.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { withServer, launchChromium, openApp } from './support.mjs';

const run = promisify(execFile);
const RUNS = Number(process.env.OVERLAP_FIDELITY_RUNS ?? 3);
const ONLY = process.env.OVERLAP_FIDELITY_LESSONS?.split(',');
const SLUGS = ['gil', 'released', 'copy', 'reuse', 'imap', 'fetch', 'bounded', 'async-cpu', 'thousands', 'blocked', 'lock', 'deadlock']
  .filter((slug) => !ONLY || ONLY.includes(slug));
// The scripts that take --k and measure in rounds (see scripts/cpython-figures.sh).
const TAKES_K = ['gil', 'released', 'copy', 'reuse', 'imap', 'async-cpu'];
const IN_ROUNDS = ['gil', 'released', 'copy', 'reuse', 'async-cpu'];

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length / 2;
  return s.length % 2 ? s[Math.floor(m)] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');

const lines = new Map();
/** CPython's line for `slug` at `k`, run once per k. */
async function cpythonLine(slug, k) {
  const key = `${slug} ${k}`;
  if (!lines.has(key)) {
    const script = fileURLToPath(new URL(`../../src/engine/lessons/python/${slug}.py`, import.meta.url));
    const args = [script];
    if (TAKES_K.includes(slug)) args.push('--k', String(k));
    if (IN_ROUNDS.includes(slug)) args.push('--rounds', '15');
    const { stdout } = await run('python3', args, { maxBuffer: 1 << 20 });
    lines.set(key, stdout);
  }
  return lines.get(key);
}

async function runOnce(browser, url, slug) {
  const { page, problems } = await openApp(browser, url);
  await page.click(`button[data-lesson="${slug}"]`);
  await page.check('input[name="predict"][value="1"]');
  await page.click('#lesson-run');
  await page.waitForSelector('#lesson-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 300_000 });
  const verdict = (await page.getAttribute('#lesson-conclusion', 'data-verdict')) ?? 'no conclusion';
  const conclusion = await page.textContent('#lesson-conclusion').catch(() => '');
  const k = Number((await page.getAttribute('#lesson-claims', 'data-k')) ?? 2);
  const line = await cpythonLine(slug, k);
  await page.click('#lesson-cpython summary');
  await page.fill('#lesson-cpython-input', line);
  await page.click('#lesson-cpython-import');
  await page.waitForSelector('#lesson-compare');
  const cpython = await page.getAttribute('#lesson-cpython-verdict', 'data-cpython-verdict');
  const rows = await page.$$eval('#lesson-compare tbody tr', (trs) =>
    trs.map((tr) => ({
      step: tr.dataset.step,
      browser: Number(tr.dataset.browserRelative),
      cpython: Number(tr.dataset.cpythonRelative),
    })));
  const trouble = problems();
  await page.context().close();
  return { verdict, cpython, conclusion, rows, trouble, k, python: JSON.parse(line.trim().split('\n').pop()).python };
}

const differs = [];
const browser = await launchChromium();
try {
  await withServer({ isolated: true }, async (url) => {
    for (const slug of SLUGS) {
      const runs = [];
      for (let i = 0; i < RUNS; i += 1) runs.push(await runOnce(browser, url, slug));
      const ks = [...new Set(runs.map((r) => r.k))].join('/');
      const cpython = [...new Set(runs.map((r) => r.cpython))].join('/');
      console.log(`\n${slug} (k = ${ks}): ${runs.map((r) => r.verdict).join(', ')}; CPython ${runs[0].python}: ${cpython}`);
      runs.forEach((r, i) => console.log(`  run ${i + 1}: ${r.conclusion}`));
      for (const [i, { step }] of runs[0].rows.entries()) {
        const browserX = median(runs.map((r) => r.rows[i].browser));
        console.log(`  ${step.padEnd(50)} browser ${fmt(browserX).padStart(6)}   CPython ${fmt(runs[0].rows[i].cpython).padStart(6)}`);
      }
      for (const r of runs) if (r.trouble.length) console.log(`  trouble: ${r.trouble.join('; ')}`);
      const opposite = runs.filter((r) => ['holds', 'fails'].includes(r.verdict)
        && ['holds', 'fails'].includes(r.cpython) && r.verdict !== r.cpython);
      const busy = runs.filter((r) => r.verdict !== r.cpython && !opposite.includes(r));
      if (opposite.length || busy.length > 1) {
        differs.push(`${slug}: ${runs.map((r) => `${r.verdict} against CPython's ${r.cpython}`).join('; ')}`);
      }
    }
  });
} finally {
  await browser.close();
}
if (differs.length) {
  console.log(`\nverdicts that differ from CPython's:\n  ${differs.join('\n  ')}`);
  process.exit(1);
}
console.log('\nevery lesson concludes as CPython does on this machine');
