// The count-kernel benchmark behind scripts/bench.sh. Not a test: it prints what it measured.
//
// This machine's speed drifts by tens of percent over seconds (a shared VM), so one sweep can
// flatter or wrong either side of a ratio. The benchmark runs ROUNDS whole sweeps in one page,
// takes the 1-thread/2-thread ratio within each round, and judges the median of those ratios.
import { serveDist, launchChromium, openApp, runExperiment } from './support.mjs';

const SIZE = process.env.OVERLAP_BENCH_SIZE ?? '1_000_000_000';
const REPEATS = process.env.OVERLAP_BENCH_REPEATS ?? '5';
const ROUNDS = Number(process.env.OVERLAP_BENCH_ROUNDS ?? '3');
const TARGET = 1.8;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pick = (rows, model, threads) => rows.find((r) => r.model === model && r.threads === threads);

const server = await serveDist({ isolated: true });
const browser = await launchChromium();
let code = 1;
try {
  const { page, problems } = await openApp(browser, server.url);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  if (cores < 2) throw new Error('this machine has fewer than 2 cores: no 2-thread figure');
  console.log(
    `count to ${SIZE}: median of ${REPEATS} repeats per run, ${ROUNDS} rounds, ` +
      `headless Chromium, ${cores} cores\n`,
  );
  console.log('round   sequential ms   1 thread ms   2 threads ms   1→2 ratio   seq/2 threads');
  const ratios = [];
  const checksums = new Set();
  for (let round = 1; round <= ROUNDS; round++) {
    const rows = await runExperiment(page, { size: SIZE, repeats: REPEATS }, 600_000);
    if (problems().length > 0 || (await page.getAttribute('#status', 'data-state')) !== 'done') {
      throw new Error(`${await page.textContent('#status')}\n${problems().join('\n')}`);
    }
    rows.forEach((r) => checksums.add(r.checksum));
    const [seq, k1, k2] = [pick(rows, 'sequential', 1), pick(rows, 'free-threads', 1), pick(rows, 'free-threads', 2)];
    ratios.push(k1.ms / k2.ms);
    console.log(
      `${String(round).padStart(5)} ${seq.ms.toFixed(1).padStart(15)} ${k1.ms.toFixed(1).padStart(13)} ` +
        `${k2.ms.toFixed(1).padStart(14)} ${(k1.ms / k2.ms).toFixed(2).padStart(11)}× ` +
        `${(seq.ms / k2.ms).toFixed(2).padStart(14)}×`,
    );
  }
  if (checksums.size !== 1) throw new Error(`checksums differ between runs: ${[...checksums]}`);
  const ratio = median(ratios);
  const met = ratio >= TARGET;
  console.log(
    `\n2 threads vs 1 thread, median over rounds: ${ratio.toFixed(2)}× ` +
      `(target >= ${TARGET}: ${met ? 'met' : 'MISSED'}); every run's checksum ${[...checksums][0]}`,
  );
  code = met ? 0 : 1;
} finally {
  await browser.close();
  await server.close();
}
process.exit(code);
