// Trunk's post-build hook (Trunk.toml), after security-headers.mjs: stamps the service worker with
// this build's release, so a page visited once works offline and a new build replaces the old one
// whole.
//
// It lists every file of the build but the service worker and the host's _headers, names the
// release by a hash of their names and contents, and writes both into dist/sw.js in place of its
// `const RELEASE = 'dev'` and `const SHELL = []` lines. The worker caches exactly those files
// under `overlap-shell-<release>` and serves them from there; any byte of the build that changes
// changes the release, so the browser sees a new worker, which caches the new files beside the
// old and takes over only when the page says so (www/sw.js). dist/release.json holds the same,
// for tests and for anyone checking what a host serves.
//
// Run by hand: `node scripts/release.mjs DIR`.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('usage: node scripts/release.mjs DIR (or run as a Trunk hook)');
  process.exit(2);
}

// What crawlers read (robots.txt, the link preview) is not needed offline.
const LEFT_OUT = new Set(['sw.js', '_headers', 'release.json', 'robots.txt', 'preview.png']);
// The Python lab's interpreter (scripts/pyodide.mjs) is pinned by version, not by release, and
// 14 MB: the service worker caches it when the lab first loads it, in a cache of its own that
// outlives releases.
const LEFT_OUT_DIRS = new Set(['pyodide']);
const files = [];
(function walk(at) {
  for (const entry of fs.readdirSync(path.join(dir, at), { withFileTypes: true })) {
    const name = at ? `${at}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!LEFT_OUT_DIRS.has(name)) walk(name);
    }
    else if (!LEFT_OUT.has(name)) files.push(name);
  }
})('');
files.sort();

const hash = crypto.createHash('sha256');
for (const name of files) {
  hash.update(name).update('\0').update(fs.readFileSync(path.join(dir, name))).update('\0');
}
const release = hash.digest('hex').slice(0, 16);
// The page itself is cached under its directory's address, which is what a visitor opens.
const shell = ['./', ...files.filter((f) => f !== 'index.html').map((f) => `./${f}`)];

const worker = path.join(dir, 'sw.js');
let source = fs.readFileSync(worker, 'utf8');
const stamped = source
  .replace(/^const RELEASE = .*;$/m, `const RELEASE = ${JSON.stringify(release)};`)
  .replace(/^const SHELL = .*;$/m, `const SHELL = ${JSON.stringify(shell)};`);
if (stamped === source && !source.includes(`const RELEASE = ${JSON.stringify(release)};`)) {
  console.error(`${worker}: no "const RELEASE = …;" and "const SHELL = …;" lines to stamp`);
  process.exit(1);
}
fs.writeFileSync(worker, stamped);
fs.writeFileSync(path.join(dir, 'release.json'), `${JSON.stringify({ release, files: shell }, null, 2)}\n`);
console.log(`release ${release}: ${shell.length} files for offline use`);
