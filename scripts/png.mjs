// A PNG drawn without a graphics library, for the app's icons (scripts/icons.mjs) and its link
// preview (scripts/preview-image.mjs): each pixel is the average of samples × samples points of
// `colourAt(x, y)` (an [r, g, b] in 0-255, x and y in pixels), so edges come out smooth.

import zlib from 'node:zlib';

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

/** An RGB PNG of `width` × `height` pixels, as a Buffer. */
export function drawPng(width, height, colourAt, samples = 4) {
  const rows = [];
  for (let py = 0; py < height; py++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let px = 0; px < width; px++) {
      let [r, g, b] = [0, 0, 0];
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const [cr, cg, cb] = colourAt(px + (sx + 0.5) / samples, py + (sy + 0.5) / samples);
          r += cr; g += cg; b += cb;
        }
      }
      const n = samples * samples;
      row.set([Math.round(r / n), Math.round(g / n), Math.round(b / n)], 1 + px * 3);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
