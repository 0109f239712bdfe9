// Draws the app's install icons (www/icon-192.png, www/icon-512.png) from the same three bars as
// www/favicon.svg: lanes of work overlapping in time. Run by hand when the mark changes:
// `node scripts/icons.mjs`. A 16 % margin keeps the bars inside the safe zone of a maskable icon.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

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

function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function icon(size) {
  const margin = size * 0.16;
  const scale = (size - 2 * margin) / 32;
  const rows = [];
  const SAMPLES = 4;
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let px = 0; px < size; px++) {
      // Four by four samples a pixel: smooth edges without a graphics library.
      let [r, g, b] = [0, 0, 0];
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES - margin) / scale;
          const y = (py + (sy + 0.5) / SAMPLES - margin) / scale;
          const bar = BARS.findLast((bar) => inside(x, y, bar));
          const [cr, cg, cb] = bar ? bar[5] : [255, 255, 255];
          r += cr; g += cg; b += cb;
        }
      }
      const n = SAMPLES * SAMPLES;
      row.set([Math.round(r / n), Math.round(g / n), Math.round(b / n)], 1 + px * 3);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

for (const size of [192, 512]) {
  const file = path.join(WWW, `icon-${size}.png`);
  fs.writeFileSync(file, icon(size));
  console.log(`${file}: ${fs.statSync(file).size} bytes`);
}
