// Prometheus: promtool accepts both configs (the cluster's and compose's); a
// real Prometheus with compose's config scrapes a real leaker-c, and every
// query of the service's rows returns data (the kernel row is checked on the
// test bed and needs cAdvisor, which this machine has not).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { ROOT, read, sh, tool } from '../lib/env.mjs';
import { expand, loadDashboard, panels } from '../lib/dashboard.mjs';
import { startLeaker, waitFor } from '../lib/leaker.mjs';
import { startPrometheus } from '../lib/prometheus.mjs';

const CLUSTER = 'manifests/base/prometheus/prometheus.yml';
const COMPOSE = 'compose/prometheus.yml';

// promtool checks that credential files exist; the cluster's config names the
// ServiceAccount token every pod has mounted, which this machine has not, so
// that one path is pointed at a stand-in file. Nothing else is changed.
const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
function promtoolCheck(text) {
  const dir = mkdtempSync(join(tmpdir(), 'memleak-promtool-'));
  try {
    writeFileSync(join(dir, 'token'), 'stand-in');
    writeFileSync(join(dir, 'prometheus.yml'), text.replaceAll(IN_CLUSTER_TOKEN, join(dir, 'token')));
    return sh(tool('promtool'), ['check', 'config', join(dir, 'prometheus.yml')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const file of [CLUSTER, COMPOSE]) {
  test(`promtool check config ${file}`, () => {
    const r = promtoolCheck(read(file));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });
}

test('promtool is a real check: a mistyped relabel action, or an unknown discovery role, is refused', () => {
  const kept = promtoolCheck(read(CLUSTER).replace('action: keep', 'action: kept'));
  assert.notEqual(kept.status, 0);
  assert.match(kept.stdout + kept.stderr, /kept/);
  const role = promtoolCheck(read(CLUSTER).replace('- role: node', '- role: nodes'));
  assert.notEqual(role.status, 0);
  assert.match(role.stdout + role.stderr, /nodes/);
});

test("compose's config is the cluster's: same job for leaker-c, same intervals", () => {
  const cluster = parse(read(CLUSTER));
  const compose = parse(read(COMPOSE));
  assert.deepEqual(compose.global, cluster.global);
  const job = c => c.scrape_configs.find(j => j.job_name === 'leaker-c');
  assert.ok(job(cluster) && job(compose));
  assert.equal(job(compose).metrics_path, job(cluster).metrics_path);
  assert.deepEqual(job(compose).static_configs[0].targets, ['leaker-c:9090']);
});

let leaker;
let prom;
before(async () => {
  leaker = await startLeaker({ LEAK_START_DELAY_S: '0', LEAK_INTERVAL_MS: '500', LEAK_CHUNK_KB: '64' });
  // compose/prometheus.yml as it is, pointed at this leaker and scraping each second.
  const config = parse(read(COMPOSE));
  config.global.scrape_interval = '1s';
  config.scrape_configs[0].static_configs[0].targets = [leaker.metricsAddr];
  prom = await startPrometheus(config);
});
after(async () => {
  await prom?.stop();
  await leaker?.stop();
});

test('a real Prometheus with that config scrapes leaker-c, and every query of the service rows returns data', async () => {
  // Prometheus applies discovered targets a few seconds after it starts: wait
  // for the first scrape, then traffic of every kind the panels show, spread
  // over several scrapes.
  await waitFor('the first scrape of leaker-c', async () => (await prom.query('up{job="leaker-c"} == 1')).length > 0, 30000);
  for (let i = 0; i < 6; i++) {
    await Promise.all([fetch(`${leaker.base}/work?n=2`), fetch(`${leaker.base}/health`), fetch(`${leaker.base}/ready`)]);
    await new Promise(r => setTimeout(r, 700));
  }
  const dash = loadDashboard();
  const service = panels(dash).filter(p => p.row?.title !== 'What the kernel sees');
  for (const { panel } of service) {
    for (const t of panel.targets) {
      const expr = expand(t.expr);
      const result = await waitFor(`data for ${panel.title}: ${expr}`, async () => {
        const r = await prom.query(expr);
        // Paths without requests in the window are NaN (no rate): some series must be a number.
        return r.some(s => Number.isFinite(Number(s.value[1]))) ? r : undefined;
      }, 30000);
      assert.ok(result.length > 0);
    }
  }
  // And they tell the lie: healthy, a flat 4 MiB heap.
  assert.equal((await prom.query('min(memory_usage_percent{job="leaker-c"} < bool 90)'))[0].value[1], '1');
  assert.equal((await prom.query('memory_heap_used_bytes{job="leaker-c"}'))[0].value[1], '4194304');
});

test("the kernel row's queries are valid PromQL (empty here: no cAdvisor on this machine)", async () => {
  const dash = loadDashboard();
  const kernel = panels(dash).filter(p => p.row?.title === 'What the kernel sees');
  assert.ok(kernel.length >= 2);
  for (const { panel } of kernel) {
    for (const t of panel.targets) assert.ok(Array.isArray(await prom.query(expand(t.expr))), t.expr);
  }
  await assert.rejects(prom.query('sum by (pod (container_memory_rss)'), /parse error/);
});
