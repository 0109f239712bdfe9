// Overlap's service worker. Three jobs, all so the app works on any static host with no server of
// ours:
//
// 1. Built-in I/O targets. Requests under `<scope>__overlap/io/[<engine>/]page` are answered here
//    with a generated HTML page after a chosen latency, so the I/O lab can time sequential,
//    concurrent and pooled requests offline and in tests (`<engine>`: see `answering` below).
//    Query parameters (all optional, clamped):
//      i        request index (0..1e6): picks the page, its jitter and whether it fails
//      seed     (0..2^32): the same seed and i always give the same page, delay and outcome
//      bytes    page size (0..4 MiB, default 16 KiB)
//      latency  ms before the response (0..60 000, default 200)
//      jitter   ms: the delay is latency ± jitter, uniformly (never below 0)
//      fail     failure rate 0..1: that share of requests get HTTP 503 (after the same delay)
//    Responses are never cached and carry CORP, so they keep a cross-origin isolated page isolated.
//
// 2. Cross-origin isolation where the host cannot send the headers (GitHub Pages and the like):
//    same-origin responses that lack COOP/COEP get them added here. The page reloads once to come
//    under this worker's control; index.html guards that reload so it cannot loop. The technique
//    is coi-serviceworker's: https://github.com/gzuidhof/coi-serviceworker
//
// 3. Offline use, one release per page. scripts/release.mjs stamps RELEASE and SHELL below with
//    the build's files; installing caches all of them under `overlap-shell-<release>`. A new
//    build is a new worker: it caches its own files beside the old, then waits (the first worker
//    of a visit takes over at once). The page sees it waiting, says a newer version is ready,
//    and on the reader's word posts `skip-waiting`; the new worker takes over every tab and the
//    page reloads onto it. Unstamped (a dev build), nothing is cached and everything comes from
//    the network.
//
//    Other tabs may still run the old release: a class leaves them open all week. Each of
//    their files keeps coming from the release that page was served from, so a tab never mixes
//    two builds and its next worker never imports a glue file that is gone (the host serves only
//    the new build; offline, nothing else has it). So this worker records which release each
//    page and each worker runs (`windows`), serves their files from that release's cache, and
//    deletes a release's cache only once no open page runs it (`tidy`, when a release takes
//    over and when a page loads).
//
// 4. The Python lab's interpreter (`<scope>pyodide/<version>/…`, scripts/pyodide.mjs): cached
//    the first time the lab loads it, not at install (14 MB most visitors never need), in a
//    cache of its own that no release deletes; the address names the version, so a new
//    version is new addresses, and the old version's files are dropped when it arrives.

const RELEASE = 'dev';
// The isolation headers added to a same-origin response that lacks them (job 2). The build
// stamps this line from the table scripts/security-headers.mjs also writes dist/_headers from,
// so both header paths send one policy: CORP `cross-origin`, which an isolated page of another
// origin needs to embed Overlap. (It was `same-origin` here while `_headers` said `cross-origin`,
// so on a host without headers the documented embedding failed.)
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'cross-origin' };
const SHELL = [];
const CACHE = `overlap-shell-${RELEASE}`;
// When a release's cache was filled, kept in it: a worker deletes only older releases' caches.
const INSTALLED = new Request(new URL('__overlap/installed', self.registration.scope));

self.addEventListener('install', (event) => event.waitUntil((async () => {
  if (SHELL.length > 0) {
    const cache = await caches.open(CACHE);
    try {
      // Straight from the server: an HTTP cache could hand back a file of another build.
      await cache.addAll(SHELL.map((file) => new Request(file, { cache: 'reload' })));
      await cache.put(INSTALLED, new Response(String(Date.now())));
    } catch (e) {
      // A host that lost a file of the build: no offline copy (a partial one could mix builds),
      // but the targets and the isolation still work.
      console.warn(`Overlap works online only: caching release ${RELEASE} failed: ${e}`);
      await caches.delete(CACHE);
    }
  }
  // The first worker of a visit takes over at once; a new release waits for the page's word.
  if (!self.registration.active) await self.skipWaiting();
})()));

self.addEventListener('activate', (event) => event.waitUntil((async () => {
  await self.clients.claim();
  await tidy();
})()));

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
  if (event.data?.type === 'tidy') event.waitUntil(tidy());
  if (event.data?.type === 'release') event.source?.postMessage({ type: 'release', release: RELEASE });
  if (event.data?.type === 'drop' && typeof event.data.engine === 'string') {
    drop(`engine ${event.data.engine}`);
  }
});

const TARGETS = new URL('__overlap/io/', self.registration.scope);
const PAGE = new URL('./', self.registration.scope);

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  const method = event.request.method;
  if (url.pathname.startsWith(TARGETS.pathname)) {
    // `GET <targets>[<engine>/]page` and `POST <targets>[<engine>/]drop`: the requests of an
    // engine that names itself are answered and dropped as its own, whoever asks (see
    // `answering`). Dropping changes state, so it takes a POST; a GET of it (a prefetch, a
    // crawler, a pasted link) is refused and drops nothing.
    const path = url.pathname.slice(TARGETS.pathname.length).split('/');
    const asker = path.length > 1 ? `engine ${path[0]}` : event.clientId;
    const dropping = path[path.length - 1] === 'drop';
    const allowed = dropping ? 'POST' : 'GET';
    if (method !== allowed) {
      event.respondWith(new Response(null, { status: 405, headers: { Allow: allowed, 'Cross-Origin-Resource-Policy': 'same-origin' } }));
      return;
    }
    event.respondWith(dropping ? drop(asker) : target(url, abandoned(asker, event.request.signal)));
  } else if (method !== 'GET') {
    return;
  } else if (url.pathname.startsWith(PYODIDE.pathname)) {
    event.respondWith(interpreter(event));
  } else if (!event.request.url.startsWith(self.registration.scope + '__overlap/')) {
    event.respondWith(shell(event, url));
  }
});

const PYODIDE = new URL('pyodide/', self.registration.scope);

// A file of the Python lab's interpreter (job 4): from its cache, else the network's, kept.
async function interpreter(event) {
  const { request } = event;
  if (SHELL.length === 0) return isolate(await fetch(request));
  const cache = await caches.open('overlap-pyodide');
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return isolate(cached);
  const response = await fetch(request);
  if (response.status === 200) {
    const copy = response.clone();
    const version = (path) => path.slice(PYODIDE.pathname.length).split('/')[0];
    const mine = version(new URL(request.url).pathname);
    // Kept while the page reads its copy, so the page's progress bar moves as bytes arrive.
    event.waitUntil((async () => {
      for (const old of await cache.keys()) {
        if (version(new URL(old.url).pathname) !== mine) await cache.delete(old);
      }
      await cache.put(request, copy);
    })());
  }
  return isolate(response);
}

// A file of the app from the cache of the release its asker runs (the page itself, for any
// address of it whatever its query, from this release's), else the network's; isolated either
// way.
async function shell(event, url) {
  const { request } = event;
  if (SHELL.length > 0) {
    const page = request.mode === 'navigate'
      && (url.pathname === PAGE.pathname || url.pathname === `${PAGE.pathname}index.html`);
    if (page) {
      // A page loads this release, or the network's: never an older release's page.
      const cached = await caches.has(CACHE)
        && await (await caches.open(CACHE)).match(PAGE.href, { ignoreSearch: true });
      if (cached) {
        if (event.resultingClientId) event.waitUntil(served(event.resultingClientId));
        return isolate(cached);
      }
      return isolate(await fetch(request));
    }
    for (const name of await releasesFor(event)) {
      const cached = await (await caches.open(name)).match(request);
      if (cached) return isolate(cached);
    }
  }
  return isolate(await fetch(request));
}

// The release caches to look in for `event`'s file, in order: the one its asker runs; this
// release's; any other, newest first. A page's release is known from when this worker served it.
// A worker's (a page's engine, its processes) is learnt from its first file that only one
// release has: its glue, whose name is a hash of its contents. Its later files, the snippets the
// glue imports, keep their names from build to build, so they must come from that release.
// (The page sends no referrer, so the importing file cannot say which one it is.)
async function releasesFor(event) {
  const names = (await caches.keys()).filter((n) => n.startsWith('overlap-shell-')).reverse();
  const map = await windows();
  let asker = map.get(event.clientId);
  if (!asker && event.clientId) {
    const holders = [];
    for (const name of names) {
      if (await (await caches.open(name)).match(event.request)) holders.push(name);
    }
    if (holders.length === 1) {
      asker = holders[0].slice('overlap-shell-'.length);
      map.set(event.clientId, asker);
      event.waitUntil(remember(map));
    }
  }
  const order = asker ? [`overlap-shell-${asker}`, CACHE, ...names] : [CACHE, ...names];
  return [...new Set(order)].filter((n) => names.includes(n));
}

// Which release each open page and worker runs, by client id. Kept in a cache of its own, so
// that the worker of the next release, and this one after the browser stopped it, know it too.
const WINDOWS = new Request(new URL('__overlap/windows', self.registration.scope));
let known = null;
let writes = Promise.resolve();

async function windows() {
  if (!known) {
    const stored = await (await caches.open('overlap-windows')).match(WINDOWS);
    known = new Map(stored ? Object.entries(await stored.json()) : []);
  }
  return known;
}

function remember(map) {
  writes = writes.then(async () => {
    const body = JSON.stringify(Object.fromEntries(map));
    await (await caches.open('overlap-windows')).put(WINDOWS, new Response(body));
  });
  return writes;
}

async function served(clientId) {
  const map = await windows();
  map.set(clientId, RELEASE);
  await remember(map);
}

// Deletes the cache of every release no open page runs, and forgets pages that are gone. A page
// this worker did not serve (the first visit's, loaded before any worker) might run any release:
// while one is open, every cache stays. A newer release's cache, installed while this worker
// still runs (it waits for the reader's word), is not this worker's to delete.
async function tidy() {
  if (SHELL.length === 0) return;
  const open = await self.clients.matchAll({ type: 'all', includeUncontrolled: true });
  const map = await windows();
  for (const id of map.keys()) {
    if (!open.some((client) => client.id === id)) map.delete(id);
  }
  await remember(map);
  if (open.some((client) => client.type === 'window' && !map.has(client.id))) return;
  const running = new Set([RELEASE, ...map.values()]);
  const mine = await installedAt(CACHE);
  for (const name of await caches.keys()) {
    if (!name.startsWith('overlap-shell-') || running.has(name.slice('overlap-shell-'.length))) continue;
    // A newer release's (installed while this worker still runs): never this worker's to delete.
    if (await installedAt(name) > mine) continue;
    await caches.delete(name);
  }
}

// When the cache `name` was filled: 0 for one filled before releases said so.
async function installedAt(name) {
  if (!await caches.has(name)) return 0;
  const stamp = await (await caches.open(name)).match(INSTALLED);
  return stamp ? Number(await stamp.text()) : 0;
}

// Adds COOP/COEP to a same-origin response that lacks them; anything else passes untouched.
function isolate(response) {
  if (response.status === 0 || response.type === 'opaque' || response.type === 'opaqueredirect') {
    return response;
  }
  if (response.headers.has('Cross-Origin-Embedder-Policy') && response.headers.has('Cross-Origin-Opener-Policy')) {
    return response;
  }
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function number(params, name, fallback, min, max) {
  const raw = params.get(name);
  const value = raw === null || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

// mulberry32: a tiny seeded generator, so a page, its delay and its outcome depend only on (seed, i).
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['description', 'keywords', 'author', 'robots', 'og:title', 'viewport'];
const WORDS = ['thread', 'process', 'lock', 'queue', 'pool', 'future', 'await', 'gather', 'worker',
  'core', 'speedup', 'latency'];

// The page's text in pieces (head, sentences, end), drawn from `random` in one fixed order, so
// the same (seed, i) gives the same page however it is sent.
function* pieces(index, bytes, random) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const words = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  let html = `<!doctype html><html><head><meta charset="utf-8"><title>Built-in target ${index}</title>`;
  const metas = Math.floor(random() * 6);
  for (let m = 0; m < metas; m++) {
    const name = pick(NAMES);
    const content = words(1 + Math.floor(random() * 4));
    html += random() < 0.5
      ? `<meta name="${name}" content="${content}">`
      : `<meta content="${content}" name="${name}">`;
  }
  html += '</head><body>';
  const end = '</body></html>';
  yield html;
  let length = html.length + end.length;
  while (length < bytes) {
    const sentence = `<p>${words(8 + Math.floor(random() * 8))}; see <a href="/meta">meta</a>.</p>`;
    yield sentence;
    length += sentence.length;
  }
  yield end;
}

// Pages up to this size are made whole; larger ones are made a piece at a time as the reader
// takes them, so a request that was aborted (Cancel, a timeout) stops costing work at once
// instead of having megabytes generated for nobody, which slowed the next run.
const STREAM_PIECE = 64 * 1024;

function body(index, bytes, random, { signal, done }) {
  const parts = pieces(index, bytes, random);
  if (bytes <= STREAM_PIECE) {
    done();
    return Array.from(parts).join('');
  }
  const encoder = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      if (signal.aborted) {
        done();
        controller.error(new DOMException('dropped', 'AbortError'));
        return;
      }
      // next(), not for…of: breaking out of a for…of would close the generator for good.
      let chunk = '';
      while (chunk.length < STREAM_PIECE) {
        const { value, done } = parts.next();
        if (done) break;
        chunk += value;
      }
      if (chunk) {
        controller.enqueue(encoder.encode(chunk));
      } else {
        done();
        controller.close();
      }
    },
    cancel: done,
  }, { highWaterMark: 0 });
}

// The built-in targets still being answered, per asker, so a cancelled run can drop them all at
// once. The request's own signal should do this, but browsers do not all abort a service worker's
// copy of a request whose fetch was aborted, and pages went on being made for nobody, which
// slowed the next run several times over.
//
// An asker is an engine that names itself in its requests' path (src/web/client/engine_targets.rs), else
// the client that asked. An engine drops its own after a Cancel (`<targets><engine>/drop`,
// src/web/worker/host.rs); the page drops them for an engine it terminates (a message `drop`), as one
// that did not say it heard Cancel in time: a terminated worker asks nothing more, and WebKit
// went on reading its pages from here, and still listed it among the clients 0.9 to 1.9 s later
// (the next engine's gather of 16 pages took 2.2 to 4.2 s instead of 0.22; tests/io.rs).
const answering = new Map();

// An AbortSignal that aborts when `signal` does or when `asker` drops its requests, and
// `done()`, to call once the answer is complete.
function abandoned(asker, signal) {
  const controller = new AbortController();
  signal?.addEventListener('abort', () => controller.abort(), { once: true });
  if (!answering.has(asker)) answering.set(asker, new Set());
  const mine = answering.get(asker);
  mine.add(controller);
  const done = () => {
    mine.delete(controller);
    if (mine.size === 0 && answering.get(asker) === mine) answering.delete(asker);
  };
  return { signal: controller.signal, done };
}

function drop(asker) {
  for (const controller of answering.get(asker) ?? []) controller.abort();
  answering.delete(asker);
  return new Response(null, { status: 204, headers: { 'Cross-Origin-Resource-Policy': 'same-origin' } });
}

// Resolves after `ms`, or as soon as `signal` aborts (the page gave up on the request).
const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

async function target(url, answer) {
  const { signal, done } = answer;
  const params = url.searchParams;
  const index = Math.floor(number(params, 'i', 0, 0, 1e6));
  const seed = Math.floor(number(params, 'seed', 1, 0, 2 ** 32 - 1));
  const bytes = Math.floor(number(params, 'bytes', 16384, 0, 4 * 1024 * 1024));
  const latency = number(params, 'latency', 200, 0, 60000);
  const jitter = number(params, 'jitter', 0, 0, 60000);
  const failRate = number(params, 'fail', 0, 0, 1);
  const random = generator(seed ^ Math.imul(index + 1, 0x9e3779b1));
  const delay = Math.max(0, latency + (2 * random() - 1) * jitter);
  const fails = random() < failRate;
  await sleep(delay, signal);
  if (signal.aborted) {
    done();
    return Response.error();
  }
  const headers = {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Overlap-Delay-Ms': delay.toFixed(1),
  };
  if (fails) {
    done();
    return new Response(`target ${index} failed on purpose (failure rate ${failRate})`, {
      status: 503,
      statusText: 'Service Unavailable',
      headers,
    });
  }
  return new Response(body(index, bytes, random, answer), { status: 200, headers });
}
