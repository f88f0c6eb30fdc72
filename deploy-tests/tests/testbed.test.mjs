// Against the test bed's real API server (testbed/README.md): server-side
// validation and Pod Security admission of the manifests, deploy.sh and
// cleanup.sh for real, the RBAC as the API server decides it, and the
// cluster's own prometheus.yml discovering and scraping the leaker pods.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { ROOT, read, sh } from '../lib/env.mjs';
import { expand, loadDashboard, panels } from '../lib/dashboard.mjs';
import { waitFor } from '../lib/leaker.mjs';
import { find, render } from '../lib/manifests.mjs';
import { startPrometheus } from '../lib/prometheus.mjs';
import { KUBECONFIG, KUBECTL, apiServer, k, requireTestbed } from '../lib/testbed.mjs';

before(() => requireTestbed());

const ok = r => assert.equal(r.status, 0, r.stdout + r.stderr);
const script = (name, args) =>
  sh('bash', [join(ROOT, 'scripts', `${name}.sh`), ...args], {
    env: { ...process.env, KUBECTL, KUBECONFIG },
  });
const leakerPods = () =>
  k(['-n', 'memleak-demo', 'get', 'pods', '-l', 'app.kubernetes.io/name=leaker-c', '-o', 'json']);
const runningLeakers = () =>
  JSON.parse(leakerPods().stdout).items.filter(p => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);

for (const dir of ['manifests', 'manifests/overlays/local', 'manifests/overlays/registry']) {
  test(`the API server accepts ${dir} (server-side dry run, strict field validation)`, () => {
    ok(k(['apply', '--dry-run=server', '--validate=strict', '-k', join(ROOT, dir)]));
  });
}

test('strict validation is real: an unknown field is refused', () => {
  const d = find(render('manifests/base'), 'Deployment', 'leaker-c');
  d.spec.template.spec.containers[0].livenesProbe = {};
  const r = k(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], JSON.stringify(d));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown field.*livenesProbe/);
});

test('deploy.sh deploys for real: rollouts done, the leaker pods listed, Running', () => {
  const r = script('deploy', ['--timeout', '120s']);
  ok(r);
  assert.match(r.stdout, /deployment "leaker-c" successfully rolled out/);
  assert.match(r.stdout, /deployment "prometheus" successfully rolled out/);
  assert.match(r.stdout, /deployment "grafana" successfully rolled out/);
  assert.equal((r.stdout.match(/^leaker-c-\S+\s+1\/1\s+Running/gm) ?? []).length, 2, r.stdout);
});

test("every pod of memleak-demo is admitted under the namespace's restricted Pod Security level", () => {
  for (const name of ['leaker-c', 'prometheus', 'grafana']) {
    const d = find(render('manifests/base'), 'Deployment', name);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pss-${name}`, namespace: 'memleak-demo', labels: { check: 'pss' } }, spec: d.spec.template.spec };
    const r = k(['create', '--dry-run=server', '-f', '-'], JSON.stringify(pod));
    ok(r);
    assert.doesNotMatch(r.stderr, /PodSecurity/);
  }
});

test('the admission check is real: a privileged, root-allowed leaker pod is refused', () => {
  const d = find(render('manifests/base'), 'Deployment', 'leaker-c');
  const spec = d.spec.template.spec;
  delete spec.securityContext.runAsNonRoot;
  spec.containers[0].securityContext.privileged = true;
  spec.containers[0].securityContext.allowPrivilegeEscalation = true;
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pss-bad', namespace: 'memleak-demo' }, spec };
  const r = k(['create', '--dry-run=server', '-f', '-'], JSON.stringify(pod));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /violates PodSecurity "restricted:latest": .*privileged/);
});

const can = (sa, args) => k(['auth', 'can-i', `--as=system:serviceaccount:${sa}`, ...args]).stdout.trim();

test("RBAC as the API server decides it: Prometheus's ServiceAccount", () => {
  const sa = 'memleak-demo:prometheus';
  assert.equal(can(sa, ['list', 'pods', '-n', 'memleak-demo']), 'yes');
  assert.equal(can(sa, ['watch', 'nodes']), 'yes');
  assert.equal(can(sa, ['get', 'nodes', '--subresource=metrics']), 'yes');
  assert.equal(can(sa, ['get', 'nodes', '--subresource=proxy']), 'no');
  assert.equal(can(sa, ['list', 'pods', '-n', 'default']), 'no');
  assert.equal(can(sa, ['get', 'secrets', '-n', 'memleak-demo']), 'no');
});

test("RBAC as the API server decides it: the Backstage backend's ServiceAccount", () => {
  const sa = 'backstage:backstage';
  assert.equal(can(sa, ['list', 'pods', '-n', 'memleak-demo']), 'yes');
  assert.equal(can(sa, ['get', 'pods', '--subresource=proxy', '-n', 'memleak-demo']), 'yes');
  assert.equal(can(sa, ['create', 'pods', '--subresource=portforward', '-n', 'gadget']), 'yes');
  assert.equal(can(sa, ['create', 'pods', '--subresource=portforward', '-n', 'memleak-demo']), 'no');
  assert.equal(can(sa, ['create', 'pods', '--subresource=exec', '-n', 'memleak-demo']), 'no');
  assert.equal(can(sa, ['get', 'secrets', '-n', 'memleak-demo']), 'no');
  assert.equal(can(sa, ['delete', 'pods', '-n', 'memleak-demo']), 'no');
});

test("the cluster's prometheus.yml, with Prometheus's ServiceAccount token, finds both leaker pods and every service query returns data", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'memleak-prom-tb-'));
  let prom;
  try {
    const token = k(['-n', 'memleak-demo', 'create', 'token', 'prometheus', '--duration=10m']);
    ok(token);
    const { server, ca } = apiServer();
    writeFileSync(join(dir, 'token'), token.stdout.trim());
    writeFileSync(join(dir, 'ca.crt'), ca);
    // The config as committed; only what in-cluster discovery would find by
    // itself is added: where the API server is and the ServiceAccount's credentials.
    const config = parse(read('manifests/base/prometheus/prometheus.yml'));
    config.global.scrape_interval = '1s';
    for (const job of config.scrape_configs) {
      for (const sd of job.kubernetes_sd_configs) {
        sd.api_server = server;
        sd.authorization = { credentials_file: join(dir, 'token') };
        sd.tls_config = { ca_file: join(dir, 'ca.crt') };
      }
      if (job.authorization) job.authorization.credentials_file = join(dir, 'token');
    }
    prom = await startPrometheus(config);
    const pods = runningLeakers().map(p => p.metadata.name).sort();
    assert.equal(pods.length, 2);
    const targets = await waitFor('two healthy leaker-c targets', async () => {
      const t = (await prom.targets()).filter(x => x.labels.job === 'leaker-c');
      return t.length === 2 && t.every(x => x.health === 'up') ? t : undefined;
    }, 60000);
    assert.deepEqual(targets.map(t => t.labels.pod).sort(), pods);
    assert.ok(targets.every(t => t.labels.namespace === 'memleak-demo' && t.scrapeUrl.endsWith(':9090/metrics')));
    // Requests through the API server, so every panel has traffic to show.
    for (let i = 0; i < 4; i++) {
      for (const p of pods) ok(k(['get', '--raw', `/api/v1/namespaces/memleak-demo/pods/${p}:8080/proxy/work?n=1`]));
      await new Promise(r => setTimeout(r, 700));
    }
    for (const { panel, row } of panels(loadDashboard())) {
      if (row?.title === 'What the kernel sees') continue;
      for (const t of panel.targets) {
        await waitFor(`data for ${panel.title}`, async () => (await prom.query(expand(t.expr))).length > 0, 30000);
      }
    }
    const heaps = await prom.query('memory_heap_used_bytes{job="leaker-c"}');
    assert.deepEqual(heaps.map(h => h.metric.pod).sort(), pods);
  } finally {
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cleanup.sh leaves nothing of the demo (Backstage RBAC and the gadget pods stay); deploy.sh brings it back', async () => {
  const r = script('cleanup', ['--timeout', '120s']);
  ok(r);
  assert.match(k(['get', 'namespace', 'memleak-demo']).stderr, /NotFound/);
  assert.match(k(['get', 'clusterrole', 'memleak-demo-prometheus-nodes']).stderr, /NotFound/);
  assert.match(k(['get', 'clusterrolebinding', 'memleak-demo-prometheus-nodes']).stderr, /NotFound/);
  ok(k(['-n', 'backstage', 'get', 'serviceaccount', 'backstage']));
  ok(k(['-n', 'gadget', 'get', 'pods', '-l', 'k8s-app=gadget']));
  // A second cleanup finds nothing to do and says so without failing.
  ok(script('cleanup', ['--timeout', '30s']));

  ok(script('deploy', ['--timeout', '120s']));
  const pods = await waitFor('two Running leaker pods', () => (runningLeakers().length === 2 ? runningLeakers() : undefined), 60000);
  // The test bed runs leaker-c for the new pods: they answer through the API server.
  for (const p of pods) {
    await waitFor(`${p.metadata.name} /health through pods/proxy`, () => {
      const h = k(['get', '--raw', `/api/v1/namespaces/memleak-demo/pods/${p.metadata.name}:8080/proxy/health`]);
      return h.status === 0 && JSON.parse(h.stdout).status === 'healthy';
    }, 60000);
  }
});

after(() => {
  // Leave the demo deployed whatever happened above: others use the test bed.
  try {
    requireTestbed();
    if (k(['get', 'namespace', 'memleak-demo']).status !== 0) script('deploy', ['--timeout', '120s']);
  } catch {
    /* not up: nothing to restore */
  }
});
