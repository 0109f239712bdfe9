// Draws the app's install icons (www/icon-192.png, www/icon-512.png) from the same three bars as
// www/favicon.svg: lanes of work overlapping in time. Run by hand when the mark changes:
// `node scripts/icons.mjs`. A 16 % margin keeps the bars inside the safe zone of a maskable icon.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawPng } from './png.mjs';

const WWW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../www');
// favicon.svg's bars on its 32-unit grid: x, y, width, height, radius, colour.
const BARS = [
  [3, 6, 18, 6, 2, [0x0b, 0x6b, 0xcb]],
  [11, 13, 18, 6, 2, [0xe6, 0x9f, 0x00]],
  [6, 20, 18, 6, 2, [0x00, 0x9e, 0x73]],
];

function inside(x, y, [bx, by, w, h, r]) {
  if (x < bx || x > bx + w || y < by || y > by + h) return false;
  const cx = Math.min(Math.max(x, bx + r), bx + w - r);
  const cy = Math.min(Math.max(y, by + r), by + h - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function icon(size) {
  const margin = size * 0.16;
  const scale = (size - 2 * margin) / 32;
  return drawPng(size, size, (px, py) => {
    const bar = BARS.findLast((bar) => inside((px - margin) / scale, (py - margin) / scale, bar));
    return bar ? bar[5] : [255, 255, 255];
  });
}

for (const size of [192, 512]) {
  const file = path.join(WWW, `icon-${size}.png`);
  fs.writeFileSync(file, icon(size));
  console.log(`${file}: ${fs.statSync(file).size} bytes`);
}
