// Draws the link preview (dist/preview.png, 1200 × 630, as Open Graph and Twitter cards want it):
// lesson 1's finding as CPython measured it on this project's machine, from the committed figures
// (src/engine/lessons/python/measured/gil.k*.json). Processes' speedup against k, GIL threads'
// flat at 1×, under the ideal k× (dashed). No text: the card's title and description say it
// beside the picture, in the reader's own font. Run by Trunk after each build (Trunk.toml), so
// the picture follows the figures; `node scripts/preview-image.mjs DIR` by hand.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawPng } from './png.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MEASURED = path.join(ROOT, 'src/engine/lessons/python/measured');
const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('usage: node scripts/preview-image.mjs DIR (or run as a Trunk hook)');
  process.exit(2);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Speedup of the step labelled `<k> <what>` against the sequential one: the median round. */
function speedups(what) {
  const points = [[1, 1]];
  for (const k of [2, 4, 8]) {
    const file = path.join(MEASURED, `gil.k${k}.json`);
    const { steps } = JSON.parse(fs.readFileSync(file, 'utf8'));
    const base = steps.find((s) => s.label === 'Sequential');
    const step = steps.find((s) => s.label === `${k} ${what}`);
    if (!base || !step) throw new Error(`${file}: no "Sequential" or "${k} ${what}" step`);
    points.push([k, median(base.rounds_ms.map((ms, i) => ms / step.rounds_ms[i]))]);
  }
  return points;
}

const [W, H] = [1200, 630];
const PLOT = { left: 110, right: 1120, top: 70, bottom: 560 };
const Y_MAX = 4;
const at = ([k, s]) => [
  PLOT.left + (Math.log2(k) / 3) * (PLOT.right - PLOT.left),
  PLOT.bottom - (Math.min(s, Y_MAX) / Y_MAX) * (PLOT.bottom - PLOT.top),
];

/** How far (x, y) is from segment a–b, and how far along it (0 to 1) its nearest point is. */
function toSegment(x, y, [ax, ay], [bx, by]) {
  const [dx, dy] = [bx - ax, by - ay];
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return [Math.hypot(x - (ax + t * dx), y - (ay + t * dy)), t, Math.hypot(dx, dy)];
}

/** A polyline of `width` px; `dash` px on and off when set. */
function line(points, width, colour, dash) {
  const pixels = points.map(at);
  const segments = pixels.slice(1).map((b, i) => [pixels[i], b]);
  const box = around(pixels, width);
  return (x, y) => inBox(x, y, box) && segments.some(([a, b]) => {
    const [d, t, length] = toSegment(x, y, a, b);
    return d <= width / 2 && (!dash || Math.floor((t * length) / dash) % 2 === 0);
  }) && colour;
}

function dots(points, radius, colour) {
  const pixels = points.map(at);
  const box = around(pixels, 2 * radius);
  return (x, y) => inBox(x, y, box)
    && pixels.some(([px, py]) => Math.hypot(x - px, y - py) <= radius) && colour;
}

/** The box around `pixels`, `width` wider: most of the picture is outside most shapes' boxes. */
function around(pixels, width) {
  const xs = pixels.map((p) => p[0]);
  const ys = pixels.map((p) => p[1]);
  return [Math.min(...xs) - width, Math.max(...xs) + width, Math.min(...ys) - width, Math.max(...ys) + width];
}

const inBox = (x, y, [x0, x1, y0, y1]) => x >= x0 && x <= x1 && y >= y0 && y <= y1;

const PROCESSES = [0x00, 0x9e, 0x73];
const GIL = [0xd5, 0x5e, 0x00];
const INK = [0x5c, 0x61, 0x66];
const processes = speedups('processes');
const threads = speedups('GIL threads');
// Drawn last first: the first shape that covers a point gives its colour.
const shapes = [
  dots(processes, 11, PROCESSES),
  dots(threads, 11, GIL),
  line(processes, 8, PROCESSES),
  line(threads, 8, GIL),
  // The ideal k×, up to the top of the picture (4× at k = 4).
  line([[1, 1], [2, 2], [4, 4]], 4, [0x9a, 0xa0, 0xa6], 18),
  ...[1, 2, 3].map((s) => line([[1, s], [8, s]], 1.5, [0xd9, 0xda, 0xd6])),
  line([[1, 0], [8, 0]], 3, INK),
  (x, y) => Math.abs(x - PLOT.left) <= 1.5 && y >= PLOT.top && y <= PLOT.bottom && INK,
];
const png = drawPng(W, H, (x, y) => {
  for (const shape of shapes) {
    const colour = shape(x, y);
    if (colour) return colour;
  }
  return [0xf7, 0xf7, 0xf4];
}, 2);
fs.writeFileSync(path.join(dir, 'preview.png'), png);
// Open Graph wants the picture's full address, which only the deployer knows: with
// OVERLAP_PUBLIC_URL (the site's address, ending in /) set at build time the page names it whole;
// without, it stays relative, which chats and LMSs that resolve it against the page still show.
const site = process.env.OVERLAP_PUBLIC_URL;
if (site) {
  const page = path.join(dir, 'index.html');
  const html = fs.readFileSync(page, 'utf8');
  const full = new URL('preview.png', site).href;
  fs.writeFileSync(page, html.replace('<meta property="og:image" content="preview.png" />', `<meta property="og:image" content="${full}" />`));
}
const said = (ps) => ps.map(([k, s]) => `${k}:${s.toFixed(2)}`).join(' ');
console.log(`preview.png (${png.length} bytes): CPython processes ${said(processes)}; GIL threads ${said(threads)}`);
