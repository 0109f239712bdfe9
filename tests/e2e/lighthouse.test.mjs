// End-to-end: Lighthouse on the release build served with its headers, at desktop and mobile
// presets, on every kind of place. Accessibility, best practices and SEO must score 100: none of
// them depends on timing (performance does, and is the benchmark's: scripts/bench.sh).
//
// The lessons are one component with different words: Lighthouse takes 8-10 s a load here,
// so it audits the first lesson, and axe checks every lesson's own content at both widths and in
// both themes (accessibility.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withServer } from './support.mjs';
import { withLighthouse, scored } from './lighthouse.mjs';

const PLACES = ['', '?lesson=gil', '?lab=cpu', '?lab=io', '?classroom', '?history', '?lesson=gil&embed'];
const CATEGORIES = ['accessibility', 'best-practices', 'seo'];

test('Lighthouse scores 100 for accessibility, best practices and SEO on every place, desktop and mobile', async () => {
  await withServer({ isolated: true }, async (url) => {
    const below = [];
    await withLighthouse(async (audit) => {
      for (const preset of ['desktop', 'mobile']) {
        for (const place of PLACES) {
          const lhr = await audit(url + place, preset, CATEGORIES);
          const scores = CATEGORIES.map((id) => [id, scored(lhr, id)]);
          console.log(`# lighthouse ${preset} ${place || '/'}: ${scores.map(([id, s]) => `${id} ${s.score}`).join(', ')}`);
          for (const [id, { score, failing }] of scores) {
            if (score < 100) below.push(`${preset} ${place || '/'}: ${id} ${score} (${failing.join('; ')})`);
          }
        }
      }
    });
    assert.deepEqual(below, []);
  });
});
