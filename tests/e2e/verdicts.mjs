// What a finished lesson shows, read from the page and checked against itself: each claim's
// bound, margin and the steps it compares are read from the claims table's data attributes (the
// engine's own table, src/engine/lessons/claims.rs), each step's rounds from the results table,
// and every claim's verdict is judged again from those rounds. `lessonReport` runs in the page
// (Playwright's page.evaluate and WebDriver's executeScript alike), so every engine is checked
// the same way.

/** Runs in the page: the lesson's k, verdict, claims judged again, and speedups past k. */
export function lessonReport() {
  const quantile = (sorted, q) => {
    const at = q * (sorted.length - 1);
    const [lo, hi] = [Math.floor(at), Math.ceil(at)];
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
  };
  const spreadOf = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { low: quantile(sorted, 0.25), median: quantile(sorted, 0.5), high: quantile(sorted, 0.75), rounds: sorted.length };
  };
  const steps = [...document.querySelectorAll('#lesson-results tr')].map((row) => ({
    label: row.dataset.step,
    rounds: (row.dataset.samplesMs ?? '').split(' ').filter(Boolean).map(Number),
  }));
  const conclusion = document.querySelector('#lesson-conclusion');
  const k = Number(document.querySelector('#lesson-claims')?.dataset.k ?? NaN);
  const claims = [...document.querySelectorAll('#lesson-claims tr[data-claim]')].map((row) => {
    const [kind, ...at] = row.dataset.measure.split(' ');
    const threshold = Number(row.dataset.threshold);
    const margin = Number(row.dataset.margin);
    const bound = row.dataset.bound;
    let values = null;
    if (kind === 'faster') {
      // Speedups over the first step, round by round, as a ratio: base_ms / step_ms.
      const [base, step] = at.map(Number);
      const [b, s] = [steps[base]?.rounds, steps[step]?.rounds];
      if (b?.length && s?.length) values = b.map((x, i) => x / s[i]);
    }
    let recomputed = null;
    if (values) {
      const spread = spreadOf(values);
      const met = (x) => (bound === 'at-least' ? x >= threshold : bound === 'at-most' ? x <= threshold : x > threshold);
      const missed = (x) => (bound === 'at-least' ? x < threshold - margin
        : bound === 'at-most' ? x > threshold + margin : x <= threshold - margin);
      const all = (f) => [spread.low, spread.median, spread.high].every(f);
      recomputed = { ...spread, verdict: all(met) ? 'holds' : all(missed) ? 'fails' : 'too-busy' };
    }
    return {
      id: row.dataset.claim, role: row.dataset.role, measure: row.dataset.measure, bound, threshold, margin,
      verdict: row.dataset.verdict ?? null, median: Number(row.dataset.median), recomputed,
      cpython: row.dataset.cpythonVerdict ?? null,
    };
  });
  return {
    k,
    verdict: conclusion?.dataset.verdict ?? null,
    beyondCores: conclusion?.dataset.beyondCores === 'true',
    // How far past k a speedup on k cores may read (the engine's BEYOND_CORES), and the rounds
    // the lesson set aside as reading past it, each its steps' times in step order.
    coresBound: Number(conclusion?.dataset.coresBound ?? NaN),
    minRounds: Number(conclusion?.dataset.minRounds ?? NaN),
    setAside: (conclusion?.dataset.setAsideMs ?? '').split(';').filter(Boolean)
      .map((round) => round.split(' ').map(Number)),
    line: conclusion?.textContent ?? null,
    chosen: document.querySelector('#lesson-k')?.textContent ?? null,
    steps,
    claims,
  };
}

/** The lesson's verdict from its claims, as the engine combines them (claims.rs `verdict`). */
export function combined(claims) {
  const needs = claims.filter((c) => c.role === 'needs');
  if (needs.some((c) => c.verdict !== 'holds')) return 'too-busy';
  const own = claims.filter((c) => c.role === 'claim' && c.verdict);
  if (own.some((c) => c.verdict === 'fails')) return 'fails';
  return own.every((c) => c.verdict === 'holds') ? 'holds' : 'too-busy';
}

/**
 * Checks a report with `assert`: every claim judged from the rounds kept as the page judged it,
 * the verdict combined from them, no step of those rounds faster than its cores can give over
 * the one-thread run in the median (read from its label's k; coroutines share one core), and
 * the rounds set aside exactly those whose capacity step (what a needed claim measures against
 * the one-thread run: what k cores give) read past its cores: a round is never set aside for
 * what a step a claim is about read. Returns a one-line summary.
 */
export function checkReport(assert, report, slug) {
  assert.ok(report.verdict, `${slug}: no conclusion`);
  assert.ok(Number.isInteger(report.k) && report.k >= 2, `${slug}: k = ${report.k}`);
  assert.ok(report.coresBound > 1 && Number.isInteger(report.minRounds), `${slug}: the page names its bounds`);
  for (const claim of report.claims) {
    if (!claim.recomputed) continue;
    assert.equal(claim.verdict, claim.recomputed.verdict,
      `${slug} ${claim.id}: the page says ${claim.verdict}, its rounds say ${JSON.stringify(claim.recomputed)}`);
    // The rows carry each round's time to a microsecond: the same median to a part in 10 000.
    assert.ok(Math.abs(claim.median - claim.recomputed.median) <= 1e-4 * claim.median,
      `${slug} ${claim.id}: the page's median ${claim.median}, its rounds' ${claim.recomputed.median}`);
  }
  const [first, ...rest] = report.steps;
  const kept = first?.rounds.length ?? 0;
  // Rounds set aside leave too few kept to tell, or the verdict is the claims'.
  const expected = report.setAside.length && kept < report.minRounds ? 'too-busy' : combined(report.claims);
  if (!report.beyondCores) assert.equal(report.verdict, expected, `${slug}: ${report.line}`);
  // Speedups are over a one-thread run; other lessons' first steps (a new pool, map) may be
  // beaten by any factor, and set nothing aside.
  const againstOneThread = first?.label === 'Sequential' ? rest : [];
  const coresOf = (step) => (/coroutines/.test(step.label) ? 1 : Number(step.label.match(/^(\d+) /)?.[1] ?? 1));
  for (const step of againstOneThread) {
    if (!first?.rounds.length || !step.rounds.length) continue;
    const speedups = first.rounds.map((x, i) => x / step.rounds[i]).sort((a, b) => a - b);
    const median = speedups[Math.floor(speedups.length / 2)];
    assert.ok(median <= report.coresBound * coresOf(step),
      `${slug}: ${step.label} read ${median.toFixed(2)}× on ${coresOf(step)} cores, more than any machine gives`);
  }
  // The capacity steps decide which rounds are set aside: each one set aside read past its
  // cores there, and, where any was, no round kept did.
  const capacity = report.claims.filter((c) => c.role === 'needs' && /^faster 0 \d+$/.test(c.measure))
    .map((c) => Number(c.measure.split(' ')[2]));
  const past = (times) => capacity.some((i) => times[0] / times[i] > report.coresBound * coresOf(report.steps[i]));
  assert.ok(!report.setAside.length || (againstOneThread.length && capacity.length),
    `${slug}: rounds set aside without a one-thread run and a capacity step`);
  for (const times of report.setAside) {
    assert.equal(times.length, report.steps.length, `${slug}: a round set aside has every step's time`);
    assert.ok(past(times), `${slug}: a round set aside read within its cores: ${times.join(' ')} ms`);
  }
  if (report.setAside.length) {
    for (let round = 0; round < kept; round += 1) {
      const times = report.steps.map((step) => step.rounds[round]);
      assert.ok(!past(times), `${slug}: round ${round + 1} kept, though it read past its cores: ${times.join(' ')} ms`);
    }
  }
  assert.equal(report.beyondCores, false, `${slug}: flagged as beyond its cores: ${report.line}`);
  const figures = report.claims.map((c) => `${c.id.split('.')[1]} ${c.median.toFixed(2)} ${c.verdict}`).join(', ');
  const asideSaid = report.setAside.length ? `; ${report.setAside.length} of ${kept + report.setAside.length} rounds set aside` : '';
  return `${slug} k=${report.k}: ${report.verdict} (${figures})${asideSaid}`;
}
