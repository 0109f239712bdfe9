// Trunk's post-build hook (Trunk.toml): gives the built page its security headers.
//
// The Content-Security-Policy allows no inline script but the ones index.html has, by their
// sha256: Trunk writes the loader of the module inline, with hashed file names, so its hash
// changes with every build (https://github.com/trunk-rs/trunk/issues/288) and the policy has to be
// made here, after the build. It goes into two places:
// - a <meta http-equiv> at the top of index.html, so `trunk serve` (whose headers are fixed in
//   Trunk.toml) and any host at all enforce it;
// - dist/_headers, the file static hosts (Netlify, Cloudflare Pages) read, with the other headers,
//   which the test server also sends (tests/e2e/support.mjs).
// docs/deploying.md lists the headers for hosts that take them some other way.
//
// Run by hand: `node scripts/security-headers.mjs DIR` rewrites DIR/index.html and DIR/_headers.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('usage: node scripts/security-headers.mjs DIR (or run as a Trunk hook)');
  process.exit(2);
}
const file = path.join(dir, 'index.html');
let html = fs.readFileSync(file, 'utf8');

// A build that is hooked twice keeps one policy.
html = html.replace(/\s*<meta http-equiv="Content-Security-Policy"[^>]*>/, '');

const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
  ([, body]) => `'sha256-${crypto.createHash('sha256').update(body, 'utf8').digest('base64')}'`,
);

const policy = [
  "default-src 'self'",
  // The page's own scripts, the inline ones by hash; WebAssembly compiled without 'unsafe-eval'.
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`,
  // The engine, its processes and its blocking threads start from Blob URLs (src/web/platform/scripts.rs).
  "worker-src 'self' blob:",
  // The I/O lab fetches the visitor's own URLs, anywhere: any http(s) address may be read by
  // the page's fetches (never by a script, an image or a frame: those keep 'self'). It opens no
  // channel for an injection, which script-src and Trusted Types stop before it runs; it does
  // mean a script that did run could send what it read anywhere.
  "connect-src 'self' http: https:",
  // Charts colour their keys with a style attribute; no <style> element is ever added.
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  // PNG exports draw the chart's SVG through a data: image.
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  // Every script URL must pass a Trusted Types policy: the page and the engine worker make one,
  // `default`, which lets only the app's own files and the Blob URLs it made through (index.html,
  // www/engine-worker.js). The page writes no HTML from strings, so HTML sinks stay refused.
  "require-trusted-types-for 'script'",
  'trusted-types default',
  // No frame-ancestors: any page may embed a lesson (slides, an LMS), which is what the embed
  // mode is for. Nothing in the page acts on a click alone (a run needs a prediction and Run), so
  // a page framing it gains nothing by tricking a click.
].join('; ');

html = html.replace(
  /<meta charset="utf-8"\s*\/?>/,
  (charset) => `${charset}\n    <meta http-equiv="Content-Security-Policy" content="${policy}" />`,
);
if (!html.includes('http-equiv="Content-Security-Policy"')) {
  console.error(`${file}: no <meta charset="utf-8"> to put the policy after`);
  process.exit(1);
}
fs.writeFileSync(file, html);

// What makes a page cross-origin isolated, for both paths that send it: a host reading
// dist/_headers, and the service worker adding them where the host sends none (stamped below).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  // Any page may embed Overlap (a lesson in slides): an isolated parent may only embed a frame
  // from another origin whose response allows it.
  'Cross-Origin-Resource-Policy': 'cross-origin',
};
const worker = path.join(dir, 'sw.js');
const source = fs.readFileSync(worker, 'utf8');
const stamped = source.replace(/^const ISOLATION = .*;$/m, `const ISOLATION = ${JSON.stringify(isolation)};`);
if (!/^const ISOLATION = .*;$/m.test(source)) {
  console.error(`${worker}: no "const ISOLATION = …;" line to stamp`);
  process.exit(1);
}
fs.writeFileSync(worker, stamped);

const headers = {
  ...isolation,
  'Content-Security-Policy': policy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};
fs.writeFileSync(
  path.join(dir, '_headers'),
  `/*\n${Object.entries(headers).map(([name, value]) => `  ${name}: ${value}`).join('\n')}\n`,
);
console.log(`security headers: ${hashes.length} inline scripts allowed by hash`);
