// /work gets slower as the leak grows (it walks the leaked memory).
// Compares medians of the same request before and after; no absolute times.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Leaker, median } from './lib/leaker.mjs';

const LEAK_MB = 256;

async function timeRequests(leaker, count) {
  const ms = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const res = await leaker.get('/work');
    ms.push(performance.now() - start);
    assert.equal(res.status, 200);
  }
  return ms;
}

test(`/work median latency rises once ${LEAK_MB} MiB have leaked`, async t => {
  const leaker = await Leaker.start({
    env: {
      LEAK_START_DELAY_S: '3',
      LEAK_INTERVAL_MS: '10',
      LEAK_CHUNK_KB: '1024',
      LEAK_MAX_MB: String(LEAK_MB),
    },
  });
  t.after(() => leaker.stop());

  const before = await timeRequests(leaker, 30);
  assert.equal(
    leaker.chunks,
    0,
    'the leak started before the baseline was taken',
  );
  await leaker.waitForLine(/^leak: LEAK_MAX_MB reached/, 15000);
  const after = await timeRequests(leaker, 30);

  const [b, a] = [median(before), median(after)];
  t.diagnostic(
    `median /work: ${b.toFixed(2)} ms with 0 MiB leaked, ${a.toFixed(
      2,
    )} ms with ${LEAK_MB} MiB leaked`,
  );
  assert.ok(
    a > 3 * b,
    `median went from ${b.toFixed(2)} ms to ${a.toFixed(
      2,
    )} ms; expected more than 3x`,
  );
});
