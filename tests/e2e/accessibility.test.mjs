// End-to-end: every student can use it. axe-core's WCAG 2.0/2.1/2.2 A and AA rules on every place
// (the whole page, each lesson, each lab, the classroom, the history, an embedded lesson), each
// after a run has drawn its results, at desktop and phone widths, in the light and the dark theme:
// no violation at all. A lesson run from the keyboard alone, focus never lost. Charts a screen
// reader can read, progress announced politely, and no motion for who asks for none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { withServer, launchChromium, openApp, runExperiment, copiedResultsLink, built } from './support.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => browser?.close());

/** WCAG 2.0, 2.1 and 2.2 at levels A and AA: what a school is asked to meet. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/** Every lesson's address, as the page lists them. */
const LESSONS = ['gil', 'released', 'copy', 'reuse', 'imap', 'fetch', 'bounded', 'async-cpu', 'thousands', 'blocked', 'lock', 'deadlock'];

const VIEWS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
  { name: 'desktop dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  { name: 'phone', viewport: { width: 390, height: 844 }, colorScheme: 'light' },
  { name: 'phone dark', viewport: { width: 390, height: 844 }, colorScheme: 'dark' },
];

/**
 * Runs axe on the page as it stands, in each view (width and theme), and returns one line per
 * violation: "<place> (<view>): <rule> (<impact>) ×<nodes>: <first node's selector>".
 */
async function violations(page, place) {
  const found = [];
  for (const view of VIEWS) {
    await page.setViewportSize(view.viewport);
    await page.emulateMedia({ colorScheme: view.colorScheme });
    // A verdict that has just arrived is still rising into place: judge what stays.
    await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)));
    const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
    for (const v of result.violations) {
      found.push(`${place} (${view.name}): ${v.id} (${v.impact}) ×${v.nodes.length}: ${v.nodes[0].target.join(' ')}`);
    }
  }
  await page.setViewportSize(VIEWS[0].viewport);
  await page.emulateMedia({ colorScheme: 'light' });
  console.log(`# axe ${place}: ${found.length} violations in ${VIEWS.length} views`);
  return found;
}

/** Chooses `option` in the open lesson, runs it and waits for its end; asserts it concluded. */
async function runLesson(page, option) {
  await page.check(`input[name="predict"][value="${option}"]`);
  await page.click('#lesson-run');
  await page.waitForSelector('#lesson-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 240_000 });
  assert.equal(await page.getAttribute('#lesson-status', 'data-state'), 'done', await page.textContent('#lesson-status'));
}

test('every place passes axe (WCAG 2.2 A and AA) with its results drawn, at desktop and phone widths, light and dark', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, `${url}?lab=cpu`);
    const { page } = app;
    const found = [];

    // The CPU lab after a sweep: speedup chart, wall bars, timeline, results table, share card.
    await page.fill('#threads', '1,2');
    const rows = await runExperiment(page, { kernel: 'count', size: '20_000_000', repeats: 3, models: ['gil-threads', 'free-threads'] });
    assert.ok(rows.length >= 4 && rows.every((r) => r.verdict === 'ok'));
    found.push(...await violations(page, 'cpu lab'));
    const link = await copiedResultsLink(page);

    // The I/O lab after a run of its built-in targets: the waterfall and its table.
    await page.goto(`${url}?lab=io`);
    await built(page);
    await page.click('#io-run');
    await page.waitForSelector('#io-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 120_000 });
    assert.equal(await page.getAttribute('#io-status', 'data-state'), 'done');
    found.push(...await violations(page, 'io lab'));

    // The Python lab after a run on real interpreters: its results, starts and timeline.
    await page.goto(`${url}?lab=python`);
    await built(page);
    await page.click('[data-template="primes"]');
    await page.fill('#py-rounds', '1');
    await page.click('#py-run');
    await page.waitForSelector('#py-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 120_000 });
    assert.equal(await page.getAttribute('#py-status', 'data-state'), 'done');
    found.push(...await violations(page, 'python lab'));

    // The history, now with two entries; the classroom with the sweep's link pasted twice.
    await page.goto(`${url}?history`);
    await built(page);
    await page.waitForSelector('.history-list li[data-history-entry]');
    found.push(...await violations(page, 'history'));
    await page.goto(`${url}?classroom`);
    await built(page);
    await page.fill('#classroom-links', `${link}\n${link}`);
    await page.waitForSelector('.classroom figure[data-chart="classroom"]');
    found.push(...await violations(page, 'classroom'));

    // A link's card, as a teacher's link arrives.
    await page.goto(`${url}${new URL(link).hash}`);
    await built(page);
    await page.waitForSelector('section.shared-link');
    found.push(...await violations(page, 'a results link'));

    // Each lesson at its prediction; GIL and fetch (a CPU and an I/O lesson) run to their verdict,
    // claims table and timeline or waterfall; the others after a prediction reveals claim and code.
    for (const slug of LESSONS) {
      await page.goto(`${url}?lesson=${slug}`);
      await built(page);
      await page.waitForSelector(`article.lesson[data-lesson="${slug}"]`);
      found.push(...await violations(page, `lesson ${slug}, at its prediction`));
      if (slug === 'gil' || slug === 'fetch') {
        await runLesson(page, 1);
        found.push(...await violations(page, `lesson ${slug}, concluded`));
      } else {
        await page.check('input[name="predict"][value="0"]');
        found.push(...await violations(page, `lesson ${slug}, predicted`));
      }
    }

    // An embedded lesson, and the whole page with every section.
    await page.goto(`${url}?lesson=gil&embed`);
    await built(page);
    found.push(...await violations(page, 'embedded lesson'));
    await page.goto(url);
    await built(page);
    found.push(...await violations(page, 'whole page'));

    assert.deepEqual(found, [], `axe found:\n${found.join('\n')}`);
    assert.deepEqual(app.problems(), []);
  });
});

/** Every stretch (ms) the keyboard's focus spent on nothing, from an interval the page runs. */
async function watchFocus(page) {
  await page.evaluate(() => {
    window.__lostFocus = [];
    let since = null;
    setInterval(() => {
      const lost = !document.activeElement || document.activeElement === document.body;
      if (lost && since === null) since = performance.now();
      if (!lost && since !== null) {
        window.__lostFocus.push(performance.now() - since);
        since = null;
      }
    }, 20);
  });
  return () => page.evaluate(() => window.__lostFocus.slice());
}

/** Presses Tab until element `id` has the focus, at most `limit` times; how many it took. */
async function tabTo(page, id, limit = 15) {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((id) => document.activeElement?.id === id, id)) return presses;
  }
  throw new Error(`Tab never reached #${id} in ${limit} presses (at ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80))})`);
}

const focusedId = (page) => page.evaluate(() => document.activeElement?.id ?? '');

test('a lesson from the keyboard alone: predict, run, cancel, run again, read the verdict; focus never lost, always visible', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, `${url}?lesson=gil`);
    const { page } = app;
    await page.waitForFunction(() => document.activeElement?.id === 'lesson-prediction');
    const lost = await watchFocus(page);

    // Tab into the choices; the arrow keys choose (the second option, as a student who knows).
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.name), 'predict');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.$eval('input[name="predict"]:checked', (i) => i.value), '1');

    // Run, then Cancel: each press leaves the focus on the button that can act next.
    await tabTo(page, 'lesson-run');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#lesson-status[data-state="running"]');
    await page.waitForFunction(() => document.activeElement?.id === 'lesson-cancel', null, { timeout: 2_000 });
    await page.keyboard.press('Enter');
    await page.waitForSelector('#lesson-status[data-state="cancelled"]', { timeout: 30_000 });
    await page.waitForFunction(() => document.activeElement?.id === 'lesson-run', null, { timeout: 2_000 });

    // Run again, to the end: the verdict has the focus, in view, and says what was measured.
    await page.keyboard.press('Enter');
    await page.waitForSelector('#lesson-status:not([data-state="running"]):not([data-state="idle"])', { timeout: 240_000 });
    assert.equal(await page.getAttribute('#lesson-status', 'data-state'), 'done');
    await page.waitForFunction(() => document.activeElement?.id === 'lesson-verdict', null, { timeout: 2_000 });
    assert.match(await page.textContent('#lesson-verdict'), /Measured: 2 GIL threads/);
    assert.ok(await page.$eval('#lesson-verdict', (v) => v.getBoundingClientRect().top < innerHeight));
    const stretches = await lost();
    assert.ok(stretches.every((ms) => ms < 250), `focus on nothing for ${stretches.map(Math.round).join(', ')} ms`);

    // Everything Tab reaches after the run shows where the focus is.
    const unseen = [];
    let reached = 0;
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const seen = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        return {
          what: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')}`,
          outlined: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
        };
      });
      if (!seen) continue;
      reached++;
      if (!seen.outlined) unseen.push(seen.what);
    }
    console.log(`# keyboard: ${reached} focus stops after the verdict, ${unseen.length} without a visible outline`);
    assert.ok(reached > 20, `only ${reached} focus stops`);
    assert.deepEqual(unseen, []);
    assert.deepEqual(app.problems(), []);
  });
});

/** The accessible name and description Chromium gives the first image whose name starts `prefix`. */
async function accessible(page, prefix) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const node = nodes.find((n) => n.role?.value === 'image' && String(n.name?.value ?? '').startsWith(prefix));
  await cdp.detach();
  return node && { name: node.name.value, description: node.description?.value ?? '' };
}

test('charts and runs for a screen reader: each chart named and described from its data, progress announced by quarters', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, `${url}?lab=cpu`);
    const { page } = app;
    // Every text the announcer and the visible status line take, in order.
    await page.evaluate(() => {
      window.__said = [];
      window.__shown = 0;
      const announce = document.querySelector('#announce');
      new MutationObserver(() => window.__said.push(announce.textContent.trim())).observe(announce, { childList: true, subtree: true, characterData: true });
      new MutationObserver(() => window.__shown++).observe(document.querySelector('#status'), { childList: true, subtree: true, characterData: true });
    });
    assert.equal(await page.getAttribute('#announce', 'aria-live'), 'polite');
    assert.equal(await page.getAttribute('#status', 'aria-live'), null, 'the ticking line is not read out');
    await page.fill('#threads', '1,2');
    await runExperiment(page, { kernel: 'count', size: '100_000_000', repeats: 3, models: ['gil-threads', 'free-threads'] });
    const said = (await page.evaluate(() => window.__said)).filter((t, i, all) => t && t !== all[i - 1]);
    const shown = await page.evaluate(() => window.__shown);
    console.log(`# announced: ${said.join(' | ')} (the visible line changed ${shown} times)`);
    const QUARTERS = ['The sweep has started.', 'The sweep is 25 % done.', 'The sweep is 50 % done.', 'The sweep is 75 % done.', 'The sweep is done.'];
    assert.equal(said.at(-1), 'The sweep is done.');
    assert.ok(said.every((t, i) => QUARTERS.indexOf(t) > (i === 0 ? -1 : QUARTERS.indexOf(said[i - 1]))), said.join(' | '));
    assert.ok(shown > said.length, `the line changed ${shown} times, the announcer ${said.length}`);

    // Every chart: a name (its title) and a description (its desc), both said.
    const charts = await page.$$eval('figure.chart svg[role="img"]', (svgs) => svgs.map((svg) => {
      const text = (ids) => (ids ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
      return { chart: svg.closest('figure').dataset.chart, name: text(svg.getAttribute('aria-labelledby')), description: text(svg.getAttribute('aria-describedby')) };
    }));
    const kinds = new Set(charts.map((c) => c.chart));
    assert.ok(kinds.has('speedup') && kinds.has('wall') && kinds.has('timeline'), [...kinds].join(', '));
    for (const c of charts) assert.ok(c.name.length > 20 && c.description.length > 20, JSON.stringify(c));

    // The speedup chart's description gives the figures its points are drawn at.
    // (Each point's own label, "GIL threads k = 2: 0.97× (range …)", rounds as the description
    // does; data-speedup's three decimals rounded again could differ by 0.01.)
    const points = await page.$$eval('figure[data-chart="speedup"] g.series', (gs) => gs.map((g) =>
      [g.dataset.model, [...g.querySelectorAll('g.point')].at(-1).getAttribute('aria-label').match(/k = 2: (\d+\.\d\d)×/)[1]]));
    const spoken = await accessible(page, 'Speedup against workers');
    console.log(`# screen reader, speedup chart: "${spoken.name}" — "${spoken.description}"`);
    for (const [model, speedup] of points) {
      const label = model === 'free-threads' ? 'Free threads \\(rayon\\)' : 'GIL threads';
      assert.match(spoken.description, new RegExp(`${label} reach ${speedup}× at k = 2 \\(ideal 2×\\)`));
    }
    assert.deepEqual(app.problems(), []);
  });
});

test('no motion for who asks for none; each place names itself in the title; links preview as the site', async () => {
  await withServer({ isolated: true }, async (url) => {
    // The verdict's arrival moves where motion is welcome, and not where it is not.
    for (const [reducedMotion, moves] of [['no-preference', 1], ['reduce', 0]]) {
      const context = await browser.newContext({ reducedMotion });
      const page = await context.newPage();
      await page.goto(`${url}?lesson=gil`);
      await built(page);
      const animations = await page.evaluate(() => {
        const verdict = Object.assign(document.createElement('div'), { className: 'conclusion' });
        document.querySelector('article.lesson').append(verdict);
        return verdict.getAnimations().length + document.getAnimations().filter((a) => a.effect?.target !== verdict).length;
      });
      assert.equal(animations, moves, reducedMotion);
      await context.close();
    }

    // Each place's title names it; a lesson's, by the heading the page shows.
    const app = await openApp(browser, url);
    const { page } = app;
    assert.match(await page.title(), /^Overlap: Python's concurrency/);
    for (const [query, title] of [['?lab=cpu', 'CPU lab — Overlap'], ['?lab=io', 'I/O lab — Overlap'], ['?lab=python', 'Python lab — Overlap'], ['?classroom', 'Classroom — Overlap'], ['?history', 'History — Overlap']]) {
      await page.goto(url + query);
      await built(page);
      await page.waitForFunction((t) => document.title === t, title);
    }
    for (const slug of LESSONS) {
      await page.goto(`${url}?lesson=${slug}`);
      await built(page);
      const heading = await page.textContent('#lesson-title');
      await page.waitForFunction((t) => document.title === `${t} — Overlap`, heading);
    }
    // Choosing another lesson from its tab renames the page too.
    await page.goto(`${url}?lesson=gil`);
    await built(page);
    await page.click('button.lesson-tab[data-lesson="lock"]');
    await page.waitForFunction((n) => document.title.startsWith(`Lesson ${n}: `), LESSONS.indexOf('lock') + 1);

    // What a chat or an LMS reads from the page, without running it: title, description, a
    // 1200 × 630 PNG that is served; and a robots.txt.
    const meta = await page.$$eval('meta[property^="og:"], meta[name^="twitter:"], meta[name="description"]', (ms) =>
      Object.fromEntries(ms.map((m) => [m.getAttribute('property') ?? m.getAttribute('name'), m.content])));
    for (const key of ['description', 'og:title', 'og:description', 'og:image', 'og:image:alt', 'twitter:card']) assert.ok(meta[key]?.length > 0, key);
    const image = await page.request.get(new URL(meta['og:image'], url).href);
    assert.equal(image.status(), 200);
    const png = await image.body();
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [Number(meta['og:image:width']), Number(meta['og:image:height'])]);
    const robots = await page.request.get(new URL('robots.txt', url).href);
    assert.equal(robots.status(), 200);
    assert.match(await robots.text(), /^User-agent: \*$/m);
    assert.deepEqual(app.problems(), []);
  });
});
