// End-to-end: a page a teacher can point at. Every place has an address (opened directly, moved
// between with the navigation bar, Back and Forward, kept by a reload); a page visited once runs
// its lessons and built-in targets with the network off; a new release replaces the old one whole
// once the page says so, and a tab left on the old one keeps working; a lesson embeds in another page, with threads where that page is
// isolated and a reason where it is not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { withServer, serveDist, launchChromium, openApp, DIST, built, runExperiment } from './support.mjs';

const run = promisify(execFile);

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => browser?.close());

/** Which sections are on show, by their place. */
const shown = (page) => page.$$eval('main > .place', (places) =>
  places.filter((p) => !p.hidden).map((p) => p.firstElementChild?.className.split(' ')[1]));

const SECTIONS = { lessons: 'lessons', cpu: 'experiment', io: 'io-lab', python: 'python-lab', classroom: 'classroom', history: 'history' };

test('every place has an address: opened directly, moved between, Back and Forward, reload', async () => {
  await withServer({ isolated: true }, async (url) => {
    // A lesson's address opens that lesson at its prediction, alone.
    const app = await openApp(browser, `${url}?lesson=lock`);
    const { page } = app;
    await page.waitForSelector('article.lesson[data-lesson="lock"]');
    assert.deepEqual(await shown(page), ['lessons']);
    await page.waitForFunction(() => document.activeElement?.id === 'lesson-prediction');
    assert.ok(await page.isVisible('#lesson-prediction'));
    assert.equal(await page.getAttribute('.site-nav a[aria-current="page"]', 'data-place'), 'lessons');

    // The navigation bar, by keyboard: Tab to "CPU lab" and press Enter.
    await page.focus('.site-nav a[data-place="lessons"]');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.search === '?lab=cpu');
    assert.deepEqual(await shown(page), ['experiment']);
    await page.click('.site-nav a[data-place="history"]');
    await page.waitForFunction(() => location.search === '?history');
    assert.deepEqual(await shown(page), ['history']);
    // A tab chosen in the lessons' place moves the address with it.
    await page.click('.site-nav a[data-place="lessons"]');
    await page.waitForFunction(() => location.search === '?lesson=lock');
    await page.click('button.lesson-tab[data-lesson="fetch"]');
    await page.waitForFunction(() => location.search === '?lesson=fetch');

    // Back and Forward move between the places, and a reload keeps the place.
    await page.goBack();
    await page.waitForSelector('article.lesson[data-lesson="lock"]');
    await page.goBack();
    await page.waitForFunction(() => location.search === '?history');
    assert.deepEqual(await shown(page), ['history']);
    await page.goBack();
    await page.waitForFunction(() => location.search === '?lab=cpu');
    assert.deepEqual(await shown(page), ['experiment']);
    await page.goForward();
    await page.waitForFunction(() => location.search === '?history');
    await page.reload();
    await built(page);
    assert.deepEqual(await shown(page), ['history']);

    // Every address opened directly; no query is the whole page, as before.
    for (const [query, section] of [['?lab=io', 'io'], ['?lab=python', 'python'], ['?classroom', 'classroom'], ['?history', 'history'], ['?lesson=gil', 'lessons'], ['', null]]) {
      await page.goto(url + query);
      await built(page);
      const expected = section ? [SECTIONS[section]] : Object.values(SECTIONS);
      assert.deepEqual(await shown(page), expected, query);
    }
    // An address this page cannot read shows the whole page and says why.
    await page.goto(`${url}?lesson=nope`);
    await page.waitForSelector('[data-route-problem]');
    assert.match(await page.textContent('[data-route-problem]'), /"nope"/);
    assert.equal((await shown(page)).length, Object.keys(SECTIONS).length);
    // A share link keeps its fragment beside a place: the CPU lab with the link's card.
    const golden = (await fs.readFile(new URL('../links/v1/cpu-count-16-cores-with-results.link', import.meta.url), 'utf8')).trim();
    await page.goto(`${url}?lab=cpu${golden}`);
    await page.waitForSelector('.shared-link');
    assert.deepEqual(await shown(page), ['experiment']);
    // A lab keeps what it holds while another place is on show (it is hidden, not rebuilt).
    await page.fill('#size', '123_456');
    await page.click('.site-nav a[data-place="history"]');
    await page.waitForFunction(() => location.search === '?history');
    await page.click('.site-nav a[data-place="cpu"]');
    await page.waitForFunction(() => location.search === '?lab=cpu');
    assert.equal(await page.inputValue('#size'), '123_456');
    // At 360 px the bar wraps and nothing scrolls sideways.
    await page.setViewportSize({ width: 360, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    assert.ok(overflow <= 0, `${overflow} px too wide`);
    assert.deepEqual(app.problems(), []);
  });
});

/** Waits until this page's service worker controls it and has cached its release. */
async function cachedRelease(page) {
  await page.waitForFunction(async () => {
    if (!navigator.serviceWorker.controller) return false;
    const names = await caches.keys();
    return names.some((n) => n.startsWith('overlap-shell-'));
  }, null, { timeout: 30_000 });
  return page.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith('overlap-shell-')));
}

test('a page visited once installs, and runs a lesson and the built-in targets with the network off', async () => {
  await withServer({ isolated: true }, async (url) => {
    const app = await openApp(browser, url);
    const { page } = app;
    const release = JSON.parse(await fs.readFile(path.join(DIST, 'release.json'), 'utf8')).release;
    assert.deepEqual(await cachedRelease(page), [`overlap-shell-${release}`]);
    // Installable, by Chromium's own criteria (manifest, icons, a worker that serves offline).
    const cdp = await page.context().newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    // Playwright's contexts are incognito windows, where Chromium installs nothing at all.
    assert.deepEqual(installabilityErrors.filter((e) => e.errorId !== 'in-incognito'), []);
    const manifest = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifest.errors, []);
    await page.context().setOffline(true);
    // Another address of the page, offline: served from the cache, still isolated.
    await page.goto(`${url}?lesson=fetch`);
    await page.waitForSelector('article.lesson[data-lesson="fetch"]');
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    await page.check('input[name="predict"][value="0"]');
    await page.click('#lesson-run');
    await page.waitForSelector('#lesson-conclusion', { timeout: 60_000 });
    assert.equal(await page.getAttribute('#lesson-conclusion', 'data-holds'), 'true');
    await page.click('.site-nav a[data-place="io"]');
    await page.fill('#io-requests', '8');
    await page.fill('#io-latency', '50');
    await page.click('#io-run');
    await page.waitForSelector('#io-status[data-state="done"]', { timeout: 60_000 });
    const failed = await page.$$eval('#io-results tbody tr', (rows) => rows.map((r) => Number(r.dataset.failed)));
    assert.ok(failed.length >= 4 && failed.every((n) => n === 0), JSON.stringify(failed));
    await page.context().setOffline(false);
    assert.deepEqual(app.problems(), []);
  });
});

/** Waits until `release`'s files are the only release's this page's worker keeps. */
function onlyRelease(page, release) {
  return page.waitForFunction(async (names) => JSON.stringify((await caches.keys()).filter((n) => n.startsWith('overlap-shell-'))) === names,
    JSON.stringify([`overlap-shell-${release}`]), { timeout: 10_000 });
}

/**
 * A second build: `dist` with its stylesheet changed (and so renamed), restamped by the hooks.
 * With `glue`, its JS glue changes too, as with any change to the Rust: a new name, which the
 * page's loader, and so its policy's hash of that loader, follow.
 */
async function secondBuild({ glue = false } = {}) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'overlap-release-b-'));
  await fs.cp(DIST, dir, { recursive: true });
  const index = path.join(dir, 'index.html');
  const rename = async (pattern, prefix, suffix) => {
    const name = (await fs.readdir(dir)).find((f) => pattern.test(f));
    const before = await fs.readFile(path.join(dir, name), 'utf8');
    const text = `${before}\n/* release B */\n`;
    const renamed = `${prefix}${crypto.createHash('sha256').update(text).digest('hex').slice(0, 16)}${suffix}`;
    await fs.rm(path.join(dir, name));
    await fs.writeFile(path.join(dir, renamed), text);
    // Trunk links the stylesheet with its subresource integrity: B's has B's.
    const sri = (body) => `sha384-${crypto.createHash('sha384').update(body).digest('base64')}`;
    await fs.writeFile(index, (await fs.readFile(index, 'utf8')).replaceAll(name, renamed).replaceAll(sri(before), sri(text)));
    return renamed;
  };
  const css = await rename(/^style-.*\.css$/, 'style-', '.css');
  assert.ok((await fs.readFile(index, 'utf8')).includes(css), 'index.html names the new stylesheet');
  const js = glue ? await rename(/^overlap-[0-9a-f]+\.js$/, 'overlap-', '.js') : null;
  const hook = (script) => run('node', [new URL(`../../scripts/${script}`, import.meta.url).pathname, dir]);
  if (glue) await hook('security-headers.mjs');
  await hook('release.mjs');
  return { dir, css, js, release: JSON.parse(await fs.readFile(path.join(dir, 'release.json'), 'utf8')) };
}

/** Every file of the app the page loaded, by name. */
const loaded = (page) => page.evaluate(() => [
  ...performance.getEntriesByType('navigation'),
  ...performance.getEntriesByType('resource'),
].map((e) => new URL(e.name)).filter((u) => u.origin === location.origin && !u.pathname.startsWith('/__'))
  .map((u) => (u.pathname === '/' ? './' : `.${u.pathname}`)));

test('a new release waits until the page says so, then replaces the old one whole', async () => {
  const a = JSON.parse(await fs.readFile(path.join(DIST, 'release.json'), 'utf8'));
  const b = await secondBuild();
  assert.notEqual(b.release.release, a.release);
  const server = await serveDist({ isolated: true });
  try {
    const app = await openApp(browser, server.url);
    const { page } = app;
    await cachedRelease(page);
    // The host deploys release B; the page, reloaded, still runs A until the reader agrees.
    await server.setRoot(b.dir);
    await page.reload();
    await page.waitForSelector('[data-update="ready"]', { timeout: 30_000 });
    for (const file of await loaded(page)) assert.ok(a.files.includes(file), `${file} is not release A's`);
    await page.click('#update-reload');
    await page.waitForFunction((css) => [...document.styleSheets].some((s) => s.href?.endsWith(css)), b.css, { timeout: 30_000 });
    await built(page);
    for (const file of await loaded(page)) assert.ok(b.release.files.includes(file), `${file} is not release B's`);
    // Once no page runs A, its files go (the reloaded page tells the worker it is up).
    await onlyRelease(page, b.release.release);
    assert.equal(await page.$('[data-update="ready"]'), null);
    assert.deepEqual(app.problems(), []);
  } finally {
    await server.close();
    await fs.rm(b.dir, { recursive: true, force: true });
  }
});

test('a tab left on the old release keeps working, offline too, after a new release takes over in another tab', async () => {
  const a = JSON.parse(await fs.readFile(path.join(DIST, 'release.json'), 'utf8'));
  const b = await secondBuild({ glue: true });
  assert.ok(!b.release.files.includes(`./${path.basename(a.files.find((f) => /overlap-[0-9a-f]+\.js$/.test(f)))}`), 'B has a glue of its own');
  const server = await serveDist({ isolated: true });
  try {
    const app = await openApp(browser, server.url);
    const old = app.page;
    await cachedRelease(old);
    // Served by the worker from now on, as every visit after the first.
    await old.reload();
    await built(old);
    // The host deploys B; a second tab opens (on A, from the cache), and lets B take over.
    await server.setRoot(b.dir);
    const fresh = await old.context().newPage();
    await fresh.goto(server.url);
    await fresh.waitForSelector('[data-update="ready"]', { timeout: 30_000 });
    await fresh.click('#update-reload');
    await fresh.waitForFunction((css) => [...document.styleSheets].some((s) => s.href?.endsWith(css)), b.css, { timeout: 30_000 });
    await built(fresh);
    // The old tab is told, and goes on running A: its engine and processes start only now, from
    // A's files, with the network off (the host no longer has them anyway).
    await old.waitForSelector('[data-update="ready"]', { timeout: 10_000 });
    const shells = () => old.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith('overlap-shell-')).sort());
    assert.deepEqual(await shells(), [`overlap-shell-${a.release}`, `overlap-shell-${b.release.release}`].sort());
    await old.context().setOffline(true);
    const rows = await runExperiment(old, { kernel: 'count', size: '20_000_000', repeats: 3, models: ['processes'] });
    assert.equal(await old.getAttribute('#status', 'data-state'), 'done', await old.textContent('#status'));
    assert.ok(rows.length >= 2 && rows.every((r) => r.checksum === rows[0].checksum), JSON.stringify(rows));
    await old.context().setOffline(false);
    // Reloaded, it runs B, and A's files go: no page runs A any more.
    await old.click('#update-reload');
    await old.waitForFunction((css) => [...document.styleSheets].some((s) => s.href?.endsWith(css)), b.css, { timeout: 30_000 });
    await built(old);
    await onlyRelease(old, b.release.release);
    assert.deepEqual(app.problems(), []);
  } finally {
    await server.close();
    await fs.rm(b.dir, { recursive: true, force: true });
  }
});

/** Serves one page that embeds `src` in an iframe, isolated or not. */
async function serveParent(src, isolated) {
  const html = `<!doctype html><title>Slides</title><h1>Week 3</h1>
<iframe src="${src}" allow="cross-origin-isolated" width="900" height="700"></iframe>`;
  const headers = { 'Content-Type': 'text/html; charset=utf-8' };
  if (isolated) {
    headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
  }
  const server = http.createServer((req, res) => res.writeHead(200, headers).end(html));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }),
  };
}

test('on a host that sends no headers, an isolated page of another origin embeds a lesson through the service worker, with threads', async () => {
  // GitHub Pages and the like: the service worker adds the isolation headers. It must add the
  // same Cross-Origin-Resource-Policy as dist/_headers (cross-origin), or the parent may not embed
  // the frame: with `same-origin` it was blocked.
  await withServer({ headers: false }, async (url) => {
    const context = await browser.newContext();
    const parent = await serveParent(`${url}?lesson=gil&embed`, true);
    try {
      // A visit of Overlap's own registers its service worker (and reloads once onto it).
      const own = await context.newPage();
      await own.goto(`${url}?lesson=gil`);
      await own.waitForFunction(() => crossOriginIsolated, null, { timeout: 30_000 });
      await built(own);
      const response = await own.request.get(url).catch(() => null);
      assert.equal(response?.headers()['cross-origin-resource-policy'], undefined, 'the server sends no headers');
      await own.close();

      const page = await context.newPage();
      await page.goto(parent.url);
      const frame = page.frameLocator('iframe');
      await frame.locator('article.lesson[data-lesson="gil"]').waitFor({ timeout: 30_000 });
      const inside = page.frames().find((f) => f !== page.mainFrame());
      assert.equal(await inside.evaluate(() => crossOriginIsolated), true);
      assert.equal(await frame.locator('[data-embed-threads="false"]').count(), 0);
      // With threads, a prediction is all the GIL lesson waits for.
      await frame.locator('input[name="predict"][value="1"]').check();
      assert.equal(await frame.locator('#lesson-run').isDisabled(), false);
    } finally {
      await context.close();
      await parent.close();
    }
  });
});

test('an embedded lesson has threads in an isolated page, and says why not in any other', async () => {
  await withServer({ isolated: true }, async (url) => {
    for (const isolated of [true, false]) {
      const parent = await serveParent(`${url}?lesson=fetch&embed`, isolated);
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(parent.url);
        const frame = page.frameLocator('iframe');
        await frame.locator('article.lesson[data-lesson="fetch"]').waitFor({ timeout: 30_000 });
        const inside = page.frames().find((f) => f !== page.mainFrame());
        if (!isolated) {
          // Not isolated, the frame reloads once onto its service worker (index.html), maybe
          // after it has mounted: check the page that stays. waitForFunction keeps waiting
          // through the frame's reload.
          await inside.waitForFunction(() => performance.getEntriesByType('navigation')[0]?.type === 'reload',
            null, { timeout: 30_000 })
            .catch((err) => assert.fail(`the frame did not reload onto its service worker: ${err.message}`));
          await frame.locator('article.lesson[data-lesson="fetch"]').waitFor({ timeout: 30_000 });
        }
        assert.equal(await inside.evaluate(() => crossOriginIsolated), isolated);
        // No page around the lesson: no masthead, no navigation, no other section.
        assert.equal(await frame.locator('.masthead, .site-nav, .capabilities').count(), 0);
        assert.equal(await frame.locator('main > .place:not([hidden])').count(), 1);
        const open = frame.locator('[data-embed-open]');
        assert.equal(await open.getAttribute('target'), '_blank');
        assert.match(await open.getAttribute('href'), /\?lesson=fetch$/);
        const why = frame.locator('[data-embed-threads="false"]');
        if (isolated) {
          assert.equal(await why.count(), 0);
        } else {
          assert.match(await why.textContent(), /page around it to be cross-origin isolated/);
        }
        // The fetch lesson needs no threads: it runs either way.
        await frame.locator('input[name="predict"][value="0"]').check();
        await frame.locator('#lesson-run').click();
        await frame.locator('#lesson-conclusion').waitFor({ timeout: 60_000 });
        assert.equal(await frame.locator('#lesson-conclusion').getAttribute('data-holds'), 'true');
      } finally {
        await context.close();
        await parent.close();
      }
    }
  });
});
