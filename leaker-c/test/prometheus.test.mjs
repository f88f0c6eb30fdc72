// The self-reported metrics: valid exposition format, and what a real
// Prometheus server stores from them while the process really leaks.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { Leaker, freePort, request, sleep } from './lib/leaker.mjs';

test('/metrics passes promtool check metrics after mixed traffic', async t => {
  const leaker = await Leaker.start({
    env: { LEAK_START_DELAY_S: '0', LEAK_INTERVAL_MS: '50' },
  });
  t.after(() => leaker.stop());
  for (const p of ['/', '/health', '/ready', '/work', '/work?n=bad', '/nope'])
    await leaker.get(p);
  await leaker.get('/work', { method: 'POST' });
  const { body } = await leaker.metrics();
  const res = spawnSync('promtool', ['check', 'metrics'], {
    input: body,
    encoding: 'utf8',
  });
  assert.equal(
    res.error,
    undefined,
    'promtool is missing (Debian package prometheus)',
  );
  assert.equal(res.status, 0, `promtool: ${res.stdout}${res.stderr}`);
  for (const code of ['200', '400', '404', '405'])
    assert.match(body, new RegExp(`code="${code}"`));
});

/** A Prometheus server on loopback that scrapes the leaker every second. */
async function startPrometheus(t, metricsPort) {
  const dir = mkdtempSync(path.join(tmpdir(), 'leaker-prom-'));
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: leaker',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${metricsPort}']`,
      '',
    ].join('\n'),
  );
  const child = spawn(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', d => (log += d));
  const exited = new Promise(resolve => child.on('close', resolve));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 100; i++) {
    const ready = await request(port, '/-/ready').catch(() => undefined);
    if (ready?.status === 200) return { port, log: () => log };
    await sleep(100);
  }
  throw new Error(`prometheus did not become ready:\n${log}`);
}

async function query(promPort, expr) {
  const res = await request(
    promPort,
    `/api/v1/query?query=${encodeURIComponent(expr)}`,
  );
  const body = JSON.parse(res.body);
  assert.equal(body.status, 'success', res.body);
  return body.data.result.map(r => Number(r.value[1]));
}

/** Polls an instant query until it returns a value, then returns it. */
async function queryValue(promPort, expr, timeoutMs = 15000) {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    const values = await query(promPort, expr);
    if (values.length === 1) return values[0];
    await sleep(250);
  }
  throw new Error(`no value for ${expr}`);
}

test('a real Prometheus scrapes a flat self-reported memory while RSS really grows', async t => {
  const leaker = await Leaker.start({
    env: {
      LEAK_START_DELAY_S: '0',
      LEAK_INTERVAL_MS: '100',
      LEAK_CHUNK_KB: '1024',
      LEAK_MAX_MB: '512',
    },
  });
  t.after(() => leaker.stop());
  const prom = await startPrometheus(t, leaker.metricsPort);

  assert.equal(await queryValue(prom.port, 'up{job="leaker"}'), 1);
  // RSS as read the moment each "leak: chunk N" line appeared.
  const first = { ...leaker.rssAtChunk };
  for (let i = 0; i < 5; i++)
    assert.equal((await leaker.get('/work')).status, 200);
  await sleep(4000);
  const last = { ...leaker.rssAtChunk };

  // The leak is real: RSS follows the chunk count within 5 %.
  const expected = (last.chunks - first.chunks) * 1024;
  const grown = last.rssKiB - first.rssKiB;
  t.diagnostic(
    `${
      last.chunks - first.chunks
    } chunks: RSS +${grown} KiB (expected ${expected} KiB)`,
  );
  assert.ok(
    expected >= 20 * 1024,
    `only ${last.chunks - first.chunks} chunks leaked`,
  );
  assert.ok(
    Math.abs(grown - expected) <= expected * 0.05,
    `RSS grew ${grown} KiB, expected ${expected} KiB`,
  );

  // What Prometheus stored for the whole time: the lie, never moving.
  const window = '[10s]';
  assert.equal(
    await queryValue(prom.port, 'memory_heap_used_bytes{job="leaker"}'),
    4194304,
  );
  assert.equal(
    await queryValue(
      prom.port,
      `max_over_time(memory_heap_used_bytes{job="leaker"}${window})`,
    ),
    4194304,
  );
  assert.equal(
    await queryValue(
      prom.port,
      `min_over_time(memory_heap_used_bytes{job="leaker"}${window})`,
    ),
    4194304,
  );
  assert.equal(
    await queryValue(
      prom.port,
      `max_over_time(memory_usage_percent{job="leaker"}${window})`,
    ),
    1,
  );
  assert.equal(
    await queryValue(prom.port, 'leaker_build_info{job="leaker",mode="leak"}'),
    1,
  );
  // The request counters are honest.
  const served = await queryValue(
    prom.port,
    'http_requests_total{job="leaker",path="/work",code="200"}',
  );
  assert.ok(served >= 5, `Prometheus saw ${served} /work requests`);
});
