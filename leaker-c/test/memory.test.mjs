// What the kernel sees: RSS from /proc/PID/status in each LEAK_MODE.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Leaker, sleep } from './lib/leaker.mjs';

const MiB = 1024; // in KiB, the unit of VmRSS

/** RSS samples every stepMs for durationMs, while fn() (if any) runs load. */
async function sampleRss(leaker, durationMs, stepMs = 100) {
  const samples = [];
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    samples.push(leaker.rssKiB());
    await sleep(stepMs);
  }
  return samples;
}

/** Keeps /work busy in the background until the returned stop() is called. */
function workLoad(leaker) {
  let running = true;
  const loop = (async () => {
    while (running) await leaker.get('/work?n=8');
  })();
  return async () => {
    running = false;
    await loop;
  };
}

test('leak: RSS grows by chunks x LEAK_CHUNK_KB (within 5 %)', async t => {
  const leaker = await Leaker.start({
    env: {
      LEAK_START_DELAY_S: '0',
      LEAK_INTERVAL_MS: '100',
      LEAK_CHUNK_KB: '1024',
      LEAK_MAX_MB: '512',
    },
  });
  t.after(() => leaker.stop());
  const first = await leaker.waitForChunk(5);
  const last = await leaker.waitForChunk(35);
  const growth = last - first;
  const expected = 30 * 1024;
  t.diagnostic(
    `30 chunks of 1 MiB: RSS +${growth} KiB (${(growth / 30).toFixed(
      0,
    )} KiB per chunk)`,
  );
  assert.ok(
    Math.abs(growth - expected) <= expected * 0.05,
    `RSS grew ${growth} KiB, expected ${expected} KiB`,
  );
});

test('leak: growth stops at LEAK_MAX_MB', async t => {
  const leaker = await Leaker.start({
    env: {
      LEAK_START_DELAY_S: '1',
      LEAK_INTERVAL_MS: '20',
      LEAK_CHUNK_KB: '2048',
      LEAK_MAX_MB: '24',
    },
  });
  t.after(() => leaker.stop());
  const baseline = leaker.rssKiB();
  await leaker.waitForLine(/^leak: LEAK_MAX_MB reached after 12 chunks$/, 5000);
  const atLimit = leaker.rssKiB();
  await sleep(1000); // 50 more intervals
  const later = leaker.rssKiB();
  t.diagnostic(
    `baseline ${baseline} KiB, at limit ${atLimit} KiB, 1 s later ${later} KiB`,
  );
  assert.equal(leaker.chunks, 12);
  assert.ok(
    Math.abs(atLimit - baseline - 24 * MiB) <= 24 * MiB * 0.05,
    `grew ${atLimit - baseline} KiB`,
  );
  assert.ok(
    Math.abs(later - atLimit) < MiB,
    `still moving: ${later - atLimit} KiB`,
  );
});

for (const [mode, what] of [
  ['realloc', 'one buffer grown by realloc'],
  ['partial', 'the one chunk in 8 it keeps'],
]) {
  test(`${mode}: RSS grows by ${what}, chunks x LEAK_CHUNK_KB (within 5 %)`, async t => {
    const leaker = await Leaker.start({
      env: {
        LEAK_MODE: mode,
        LEAK_START_DELAY_S: '0',
        LEAK_INTERVAL_MS: '100',
        LEAK_CHUNK_KB: '1024',
        LEAK_MAX_MB: '512',
      },
    });
    t.after(() => leaker.stop());
    const first = await leaker.waitForChunk(5);
    const last = await leaker.waitForChunk(35);
    const growth = last - first;
    const expected = 30 * 1024;
    t.diagnostic(`30 chunks of 1 MiB: RSS +${growth} KiB`);
    assert.ok(
      Math.abs(growth - expected) <= expected * 0.05,
      `RSS grew ${growth} KiB, expected ${expected} KiB`,
    );
    if (mode === 'partial') {
      const opened = /opened=(\d+)/.exec(leaker.lines.at(-1))[1];
      assert.ok(Number(opened) >= 8 * 35, `only ${opened} sessions opened`);
    }
  });
}

test('realloc and partial: growth stops at LEAK_MAX_MB', async t => {
  for (const mode of ['realloc', 'partial']) {
    const leaker = await Leaker.start({
      env: {
        LEAK_MODE: mode,
        LEAK_START_DELAY_S: '0',
        LEAK_INTERVAL_MS: '20',
        LEAK_CHUNK_KB: '1024',
        LEAK_MAX_MB: '8',
      },
    });
    t.after(() => leaker.stop());
    await leaker.waitForChunk(8);
    const atLimit = leaker.rssKiB();
    await sleep(1000); // 50 more intervals
    const later = leaker.rssKiB();
    t.diagnostic(`${mode}: at limit ${atLimit} KiB, 1 s later ${later} KiB`);
    assert.equal(leaker.chunks, 8, mode);
    assert.ok(
      Math.abs(later - atLimit) < 2 * MiB,
      `${mode} still moving: ${later - atLimit} KiB`,
    );
  }
});

test('steady: RSS stays flat (within 5 MiB) under the same malloc traffic', async t => {
  const leaker = await Leaker.start({
    env: {
      LEAK_MODE: 'steady',
      LEAK_START_DELAY_S: '0',
      LEAK_INTERVAL_MS: '20',
      LEAK_CHUNK_KB: '1024',
    },
  });
  t.after(() => leaker.stop());
  const stopLoad = workLoad(leaker);
  await sleep(1000); // warm-up: arenas and thread stacks settle
  const samples = await sampleRss(leaker, 3000);
  await stopLoad();
  const cycles = leaker.lines.filter(l => l.startsWith('steady: cycle')).length;
  const spread = Math.max(...samples) - Math.min(...samples);
  t.diagnostic(
    `${cycles} alloc+free cycles of 1 MiB; RSS ${Math.min(
      ...samples,
    )}..${Math.max(...samples)} KiB`,
  );
  assert.ok(cycles >= 100, `only ${cycles} cycles ran`);
  assert.ok(spread <= 5 * MiB, `RSS moved by ${spread} KiB`);
});

test('cache: RSS plateaus near CACHE_MAX_MB while entries keep being replaced', async t => {
  const leaker = await Leaker.start({
    env: {
      LEAK_MODE: 'cache',
      CACHE_MAX_MB: '8',
      LEAK_START_DELAY_S: '1',
      LEAK_INTERVAL_MS: '20',
      LEAK_CHUNK_KB: '1024',
    },
  });
  t.after(() => leaker.stop());
  const baseline = leaker.rssKiB();
  await leaker.waitForLine(/^cache: insert \d+ key=\d+ entries=8 /, 5000);
  await sleep(1000); // past the fill phase
  const samples = await sampleRss(leaker, 2000);
  const inserts = leaker.lines.filter(l =>
    l.startsWith('cache: insert'),
  ).length;
  const replaced = leaker.lines.filter(l => / replaced$/.test(l)).length;
  const evicted = leaker.lines.filter(l => / evicted$/.test(l)).length;
  const plateau = Math.max(...samples) - baseline;
  const spread = Math.max(...samples) - Math.min(...samples);
  t.diagnostic(
    `${inserts} inserts (${replaced} replaced, ${evicted} evicted); plateau +${plateau} KiB, spread ${spread} KiB`,
  );
  assert.ok(
    inserts >= 100 && replaced > 0 && evicted > 0,
    'the cache did not churn',
  );
  assert.ok(
    plateau >= 7 * MiB && plateau <= 8 * MiB + 3 * MiB,
    `plateau at +${plateau} KiB, expected ~8 MiB`,
  );
  assert.ok(
    spread <= MiB,
    `RSS still moving by ${spread} KiB after the fill phase`,
  );
});
