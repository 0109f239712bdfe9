// Lighthouse (npm `lighthouse` 12.2.3, pinned: later releases need Node 22, and this machine has
// Node 20) on Debian's Chromium, for the end-to-end suite (accessibility, best practices, SEO on
// every place: tests/e2e/lighthouse.test.mjs) and the benchmark (performance: bench.mjs).
import net from 'node:net';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { launchChromium } from './support.mjs';

/** A loopback port nothing listens on now. */
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts a Chromium that Lighthouse can drive and runs `body(audit)`, closing it afterwards.
 * `audit(url, preset, categories)` loads `url` afresh (storage cleared) under the 'desktop' or
 * 'mobile' preset and returns Lighthouse's result (its `lhr`).
 */
export async function withLighthouse(body) {
  const port = await freePort();
  const browser = await launchChromium([`--remote-debugging-port=${port}`]);
  const audit = async (url, preset, categories) => {
    const flags = { port, output: 'json', logLevel: 'error', onlyCategories: categories };
    // A load of an address this browser has just loaded sometimes records no trace
    // (NO_NAVSTART: "Please run Lighthouse again"), as Lighthouse's own message says to: again,
    // up to twice.
    for (let attempt = 1; ; attempt++) {
      const { lhr } = await lighthouse(url, flags, preset === 'desktop' ? desktopConfig : undefined);
      if (!lhr.runtimeError) return lhr;
      if (attempt === 3 || lhr.runtimeError.code !== 'NO_NAVSTART') {
        throw new Error(`Lighthouse on ${url}: ${lhr.runtimeError.message}`);
      }
    }
  };
  try {
    return await body(audit);
  } finally {
    await browser.close();
  }
}

/** Category `id`'s score out of 100, and the weighted audits that did not pass, with why. */
export function scored(lhr, id) {
  const category = lhr.categories[id];
  const failing = category.auditRefs
    .filter((ref) => ref.weight > 0)
    .map((ref) => lhr.audits[ref.id])
    .filter((audit) => audit.score !== null && audit.score < 1)
    .map((audit) => `${audit.id}: ${audit.title}${audit.displayValue ? ` (${audit.displayValue})` : ''}`);
  return { score: Math.round(category.score * 100), failing };
}
