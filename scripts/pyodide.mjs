// Trunk's post-build hook (Trunk.toml), before release.mjs: copies the interpreter the Python
// lab runs (CPython 3.14 as Pyodide, from the npm package pinned in package.json) into
// dist/pyodide/<version>/, so it is served from Overlap's own origin: no CDN, and offline after one visit
// (www/sw.js caches it when the lab first loads it, not at install: most visitors never open
// the lab, and it is 14 MB). Only the five files a standard-library interpreter needs.
//
// Run by hand: `node scripts/pyodide.mjs DIR`.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('usage: node scripts/pyodide.mjs DIR (or run as a Trunk hook)');
  process.exit(2);
}
export const FILES = ['pyodide.mjs', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json'];

const from = path.join(ROOT, 'node_modules/pyodide');
const wanted = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies.pyodide;
const found = JSON.parse(fs.readFileSync(path.join(from, 'package.json'), 'utf8')).version;
if (found !== wanted) {
  console.error(`node_modules has pyodide ${found}, package.json pins ${wanted}: run scripts/setup.sh`);
  process.exit(1);
}
// The version in the address: the service worker keeps these files across releases, and a new
// version must be new addresses (src/web/client/python.rs names the same version).
const to = path.join(dir, 'pyodide', found);
fs.mkdirSync(to, { recursive: true });
let bytes = 0;
for (const file of FILES) {
  fs.copyFileSync(path.join(from, file), path.join(to, file));
  bytes += fs.statSync(path.join(to, file)).size;
}
console.log(`pyodide ${found}: ${FILES.length} files, ${(bytes / 1e6).toFixed(1)} MB in pyodide/${found}/`);
