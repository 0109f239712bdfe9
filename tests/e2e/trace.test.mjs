// End-to-end: a GIL sweep downloads as a Chrome Trace Event file whose worker tracks match the
// page's own timeline table, and a real trace viewer (speedscope, from npm) opens it without a
// single nesting complaint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withServer, launchChromium, openApp, runExperiment } from './support.mjs';

const SPEEDSCOPE = path.resolve(path.dirname(fileURLToPath(import.meta.url)),
  '../../node_modules/speedscope/dist/release');

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => browser?.close());

/** Serves speedscope's release files on a free port. */
async function serveSpeedscope() {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
  const server = http.createServer(async (req, res) => {
    let file = path.join(SPEEDSCOPE, path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (file.endsWith('/')) file = path.join(file, 'index.html');
    try {
      const body = await fs.readFile(file);
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

test('a GIL sweep downloads as a trace that matches the timeline table and opens in speedscope', async () => {
  const text = await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    const rows = await runExperiment(page, { kernel: 'count', size: '100_000_000', repeats: 3, models: ['gil-threads'] });
    assert.ok(rows.length >= 2 && rows.every((r) => r.verdict === 'ok'), JSON.stringify(rows));
    // The timeline shows GIL threads at the largest k; its table sums each thread.
    const figure = page.locator('figure[data-chart="timeline"]');
    assert.equal(await figure.getAttribute('data-model'), 'gil-threads');
    const k = Number(await figure.getAttribute('data-threads'));
    assert.ok(k >= 2, `k = ${k}`);
    const table = await page.$$eval('table[data-table="timeline"] tbody tr', (trs) => trs.map((tr) => {
      const cells = [...tr.querySelectorAll('td')].map((td) => Number.parseFloat(td.textContent));
      return { worker: Number(tr.dataset.worker), tasks: cells[0], heldMs: cells[1] };
    }));
    assert.equal(table.length, k);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#cpu-trace')]);
    assert.equal(download.suggestedFilename(), 'overlap-count.trace.json');
    const text = await fs.readFile(await download.path(), 'utf8');
    const trace = JSON.parse(text);
    assert.equal(trace.otherData.schema, 'overlap.trace.v1');
    const named = (kind, pid) => trace.traceEvents.filter((e) => e.ph === 'M' && e.name === kind && (pid === undefined || e.pid === pid));
    // One process per row of the sweep (sequential and GIL threads at each k).
    assert.equal(named('process_name').length, rows.length);
    const pid = named('process_name').find((e) => e.args.name.startsWith(`GIL threads k = ${k} `)).pid;
    assert.deepEqual(named('thread_name', pid).map((e) => e.args.name), table.map((row) => `thread ${row.worker}`));
    const slices = trace.traceEvents.filter((e) => e.pid === pid && e.ph === 'X');
    const holds = slices.filter((e) => e.name === 'holds the GIL').sort((a, b) => a.ts - b.ts);
    for (const row of table) {
      const tid = row.worker + 1;
      const tasks = slices.filter((e) => e.tid === tid && e.cat === 'task').length;
      assert.equal(tasks, row.tasks, `tasks on thread ${row.worker}`);
      const mine = holds.filter((e) => e.tid === tid);
      const heldMs = mine.reduce((sum, e) => sum + e.dur, 0) / 1000;
      // The table shows tenths of a millisecond; each hold's ends are rounded to the microsecond.
      assert.ok(Math.abs(heldMs - row.heldMs) <= 0.05 + mine.length * 0.001,
        `thread ${row.worker}: ${heldMs} ms held in the trace, ${row.heldMs} in the table`);
    }
    // The threads take turns: a hold that spans several tasks is cut at their ends (so it nests),
    // so join the pieces back into stretches; the GIL mostly passes to the other thread after
    // about the switch interval.
    const stretches = [];
    for (const e of holds) {
      const last = stretches.at(-1);
      if (last && last.tid === e.tid && e.ts <= last.end + 1) last.end = e.ts + e.dur;
      else stretches.push({ tid: e.tid, ts: e.ts, end: e.ts + e.dur });
    }
    const handoffs = stretches.slice(1).filter((e, i) => e.tid !== stretches[i].tid).length;
    assert.equal(handoffs, stretches.length - 1, 'consecutive stretches belong to different threads');
    assert.ok(stretches.length >= 4, `${stretches.length} stretches`);
    const durations = stretches.slice(0, -1).map((e) => e.end - e.ts).sort((a, b) => a - b);
    const median = durations[Math.floor(durations.length / 2)];
    assert.ok(median >= 2000 && median <= 20_000, `median stretch ${median} µs; the switch interval is 5 ms`);
    console.log(`# trace: ${(text.length / 1024).toFixed(0)} KB, ${trace.traceEvents.length} events; GIL k = ${k}: ${holds.length} hold pieces in ${stretches.length} stretches (median ${(median / 1000).toFixed(1)} ms)`);
    assert.deepEqual(app.problems(), []);
    return text;
  });

  // A real viewer reads it: speedscope imports each track, and warns about any event that does
  // not nest.
  const viewer = await serveSpeedscope();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const warnings = [];
    page.on('console', (msg) => { if (['warning', 'error'].includes(msg.type())) warnings.push(msg.text()); });
    page.on('pageerror', (err) => warnings.push(err.message));
    await page.goto(viewer.url);
    await page.setInputFiles('input[type="file"]', {
      name: 'overlap-count.trace.json', mimeType: 'application/json', buffer: Buffer.from(text),
    });
    await page.waitForFunction(() => document.title.startsWith('overlap-count.trace.json'), null, { timeout: 30_000 });
    const tracks = JSON.parse(text).traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').length;
    await page.waitForFunction((n) => document.body.innerText.includes(`(1/${n})`), tracks, { timeout: 10_000 });
    const nesting = warnings.filter((w) => /Tried to end|still open|empty/.test(w));
    assert.deepEqual(nesting, [], 'speedscope found events that do not nest');
  } finally {
    await context.close();
    await viewer.close();
  }
});
