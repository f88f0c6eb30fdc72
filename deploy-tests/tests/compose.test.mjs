// docker-compose.yml: loaded by compose-go (Docker Compose's own loader, with
// its schema), and the same setup as the cluster's: images, Grafana files,
// Prometheus job, the leaker's limits.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, read, sh, tool } from '../lib/env.mjs';
import { find, render } from '../lib/manifests.mjs';

function load(file) {
  const r = sh(tool('compose-check'), [file]);
  return { ...r, project: r.status === 0 ? JSON.parse(r.stdout) : undefined };
}

test("compose-go loads docker-compose.yml (Docker Compose's loader and schema)", () => {
  const r = load(join(ROOT, 'docker-compose.yml'));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(Object.keys(r.project.services).sort(), ['grafana', 'leaker-c', 'prometheus']);
});

test('the loader is a real check: an unknown service key is refused', () => {
  // Next to the real file, so relative paths resolve the same.
  const dir = mkdtempSync(join(ROOT, '.compose-check-'));
  try {
    const bad = read('docker-compose.yml').replace('    read_only: true\n', '    read_onyl: true\n');
    writeFileSync(join(dir, 'docker-compose.yml'), bad);
    const r = load(join(dir, 'docker-compose.yml'));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /read_onyl/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("same images as the cluster's Prometheus and Grafana, and leaker-c built from leaker-c/", () => {
  const { services } = load(join(ROOT, 'docker-compose.yml')).project;
  const objs = render('manifests/base');
  const image = name => find(objs, 'Deployment', name).spec.template.spec.containers[0].image;
  assert.equal(services.prometheus.image, image('prometheus'));
  assert.equal(services.grafana.image, image('grafana'));
  assert.equal(services['leaker-c'].build.context, join(ROOT, 'leaker-c'));
  assert.equal(services['leaker-c'].image, image('leaker-c'));
});

test("every mounted file exists, and Grafana gets the cluster's provisioning files and dashboard", () => {
  const { services } = load(join(ROOT, 'docker-compose.yml')).project;
  const mounts = Object.values(services).flatMap(s => s.volumes ?? []);
  assert.ok(mounts.length >= 4);
  for (const m of mounts) {
    assert.equal(m.type, 'bind');
    assert.ok(existsSync(m.source), m.source);
    assert.equal(m.read_only, true, m.target);
  }
  const grafana = Object.fromEntries(services.grafana.volumes.map(v => [v.target, v.source]));
  const g = join(ROOT, 'manifests/base/grafana');
  assert.equal(grafana['/etc/grafana/provisioning/datasources/datasource.yaml'], join(g, 'datasource.yaml'));
  assert.equal(grafana['/etc/grafana/provisioning/dashboards/dashboards.yaml'], join(g, 'dashboards.yaml'));
  assert.equal(grafana['/etc/grafana/dashboards'], join(g, 'dashboards'));
  const objs = render('manifests/base');
  const env = c => Object.fromEntries(c.env.map(e => [e.name, e.value]));
  assert.deepEqual(services.grafana.environment, env(find(objs, 'Deployment', 'grafana').spec.template.spec.containers[0]));
});

test("leaker-c as in the cluster: its memory limit, non-root, read-only, no capabilities", () => {
  const { services } = load(join(ROOT, 'docker-compose.yml')).project;
  const l = services['leaker-c'];
  const c = find(render('manifests/base'), 'Deployment', 'leaker-c').spec.template.spec.containers[0];
  assert.equal(String(l.mem_limit), String(256 * 1024 * 1024));
  assert.equal(c.resources.limits.memory, '256Mi');
  assert.equal(l.user, '10001:10001');
  assert.equal(l.read_only, true);
  assert.deepEqual(l.cap_drop, ['ALL']);
  assert.equal(l.environment.LEAK_MODE, c.env.find(e => e.name === 'LEAK_MODE').value);
});
