// manifests/: kustomize builds every entry point offline, every object
// validates against the Kubernetes schemas (kubernetes-models), and the
// contract others rely on holds (names, labels, image, RBAC, pinning).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ROOT, read } from '../lib/env.mjs';
import { find, podSpecs, render } from '../lib/manifests.mjs';

const ENTRY_POINTS = [
  'manifests',
  'manifests/base',
  'manifests/backstage-rbac',
  'manifests/overlays/local',
  'manifests/overlays/registry',
];
const IG_VERSION = read('testbed/IG_VERSION').trim();

async function validate(obj) {
  const [group, version] = obj.apiVersion.includes('/')
    ? obj.apiVersion.split('/')
    : [undefined, obj.apiVersion];
  const mod = await import(
    `kubernetes-models/${group ? `${group}/` : ''}${version}/${obj.kind}`
  );
  new mod[obj.kind](obj).validate();
}

for (const dir of ENTRY_POINTS) {
  test(`kubectl kustomize ${dir} builds, and every object validates against the Kubernetes schemas`, async () => {
    const objs = render(dir);
    assert.ok(objs.length > 0, 'no objects');
    for (const o of objs) {
      await assert.doesNotReject(validate(o), `${o.kind}/${o.metadata.name}`);
    }
  });
}

test('the schema validation is real: a wrong type and a missing required field are refused', async () => {
  const d = find(render('manifests/base'), 'Deployment', 'leaker-c');
  d.spec.template.spec.containers[0].ports[0].containerPort = '8080';
  await assert.rejects(validate(d), /containerPort must be integer/);
  const s = find(render('manifests/base'), 'Service', 'leaker-c');
  delete s.spec.ports[0].port;
  await assert.rejects(validate(s), /port/);
});

test("leaker-c: the names, labels and image the test bed and catalog-info.yaml rely on", () => {
  const objs = render('manifests/base');
  const catalog = read('catalog-info.yaml').split(/^---$/m).map(d => parse(d));
  const entity = catalog.find(e => e.metadata.name === 'leaker-c');
  const id = entity.metadata.annotations['backstage.io/kubernetes-id'];
  const ns = entity.metadata.annotations['backstage.io/kubernetes-namespace'];
  const d = find(objs, 'Deployment', 'leaker-c', ns);
  assert.ok(d, `Deployment leaker-c in ${ns}`);
  assert.equal(d.spec.replicas, 2);
  const labels = d.spec.template.metadata.labels;
  assert.equal(labels['backstage.io/kubernetes-id'], id);
  assert.equal(labels['app.kubernetes.io/name'], 'leaker-c');
  const c = d.spec.template.spec.containers[0];
  assert.match(c.image, /(^|\/)leaker-c(:|@|$)/);
  assert.ok(c.env.some(e => e.name === 'LEAK_MODE'), 'LEAK_MODE in env');
  const ports = Object.fromEntries(c.ports.map(p => [p.name, p.containerPort]));
  assert.equal(String(ports.http), entity.metadata.annotations['memleak.dev/health-port']);
  assert.equal(String(ports.metrics), entity.metadata.annotations['memleak.dev/metrics-port']);
  const svc = find(objs, 'Service', 'leaker-c', ns);
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(labels[k], v);
});

test('leaker-c: probes that always pass, requests and limits, non-root, read-only, no escalation, RuntimeDefault seccomp', () => {
  const d = find(render('manifests/base'), 'Deployment', 'leaker-c');
  const pod = d.spec.template.spec;
  const c = pod.containers[0];
  assert.equal(c.livenessProbe.httpGet.path, '/health');
  assert.equal(c.readinessProbe.httpGet.path, '/ready');
  assert.ok(c.resources.requests.memory && c.resources.requests.cpu);
  assert.ok(c.resources.limits.memory, 'a memory limit: the leak ends in an OOM kill');
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
});

// The restricted Pod Security level's rules that a pod spec can break
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/);
// the test bed's API server checks the real admission (testbed.test.mjs).
function restrictedViolations(spec) {
  const v = [];
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) v.push('host namespaces');
  for (const vol of spec.volumes ?? []) {
    const allowed = ['configMap', 'secret', 'emptyDir', 'projected', 'downwardAPI', 'persistentVolumeClaim', 'ephemeral', 'csi'];
    if (!Object.keys(vol).every(k => k === 'name' || allowed.includes(k))) v.push(`volume ${vol.name}`);
  }
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${c.name}: drop ALL`);
    if ((sc.capabilities?.add ?? []).some(a => a !== 'NET_BIND_SERVICE')) v.push(`${c.name}: capabilities`);
    if (!(sc.runAsNonRoot ?? spec.securityContext?.runAsNonRoot)) v.push(`${c.name}: runAsNonRoot`);
    if ((sc.runAsUser ?? spec.securityContext?.runAsUser) === 0) v.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? spec.securityContext?.seccompProfile?.type;
    if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) v.push(`${c.name}: seccomp`);
    if ((c.ports ?? []).some(p => p.hostPort)) v.push(`${c.name}: hostPort`);
  }
  return v;
}

test('every pod in memleak-demo (leaker-c, Prometheus, Grafana) meets the restricted level, read-only root included', () => {
  const objs = render('manifests/base');
  const ns = find(objs, 'Namespace', 'memleak-demo');
  assert.equal(ns.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
  const pods = podSpecs(objs);
  assert.deepEqual(pods.map(p => p.owner.metadata.name).sort(), ['grafana', 'leaker-c', 'prometheus']);
  for (const { owner, spec } of pods) {
    assert.deepEqual(restrictedViolations(spec), [], owner.metadata.name);
    for (const c of spec.containers) assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
  }
  // The check itself can fail.
  const bad = structuredClone(pods[0].spec);
  bad.containers[0].securityContext.privileged = true;
  bad.hostPID = true;
  assert.deepEqual(restrictedViolations(bad).sort(), ['host namespaces', `${bad.containers[0].name}: privileged`].sort());
});

test('no floating image tags: every image is pinned to a version', () => {
  for (const dir of ENTRY_POINTS) {
    for (const { owner, spec } of podSpecs(render(dir))) {
      for (const c of spec.containers) {
        assert.match(c.image, /:[^:/]+$|@sha256:/, `${dir} ${owner.metadata.name}: ${c.image}`);
        assert.doesNotMatch(c.image, /:latest$/, `${dir} ${owner.metadata.name}`);
      }
    }
  }
});

test('overlays: local never pulls leaker-c, registry always does; otherwise both equal the default', () => {
  const base = render('manifests');
  const strip = objs => {
    for (const o of objs) if (o.kind === 'Deployment' && o.metadata.name === 'leaker-c') delete o.spec.template.spec.containers[0].imagePullPolicy;
    return objs;
  };
  const local = render('manifests/overlays/local');
  const registry = render('manifests/overlays/registry');
  assert.equal(find(local, 'Deployment', 'leaker-c').spec.template.spec.containers[0].imagePullPolicy, 'Never');
  assert.equal(find(registry, 'Deployment', 'leaker-c').spec.template.spec.containers[0].imagePullPolicy, 'Always');
  assert.deepEqual(strip(local), strip(structuredClone(base)));
  assert.deepEqual(strip(registry), strip(structuredClone(base)));
});

// Every kustomization.yaml under DIR, parsed.
function kustomizations(dir) {
  const out = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...kustomizations(rel));
    else if (name === 'kustomization.yaml') out.push([rel, parse(readFileSync(join(ROOT, rel), 'utf8'))]);
  }
  return out;
}

test('nothing but Inspektor Gadget refers to anything remote, so every other entry point builds offline', () => {
  const all = kustomizations('manifests');
  assert.ok(all.length >= 7);
  for (const [file, k] of all) {
    if (file.startsWith('manifests/inspektor-gadget/')) continue;
    assert.doesNotMatch(JSON.stringify(k), /:\/\//, file);
  }
});

test(`Inspektor Gadget: its own release manifest, pinned to testbed/IG_VERSION (${IG_VERSION})`, () => {
  const k = parse(read('manifests/inspektor-gadget/kustomization.yaml'));
  assert.equal(k.resources.length, 1);
  const url = new URL(k.resources[0]);
  assert.equal(url.protocol, 'https:');
  assert.ok(
    url.pathname.endsWith(`/releases/download/${IG_VERSION}/inspektor-gadget-${IG_VERSION}.yaml`),
    url.pathname,
  );
  assert.doesNotMatch(JSON.stringify(k), /latest/);
  // Its patch names an object the release manifest holds (the gadget namespace).
  const patch = parse(read(`manifests/inspektor-gadget/${k.patches[0].path}`));
  assert.deepEqual([patch.kind, patch.metadata.name], ['Namespace', 'gadget']);
});

// Rules of every Role and ClusterRole, by name.
function rules(objs) {
  return Object.fromEntries(
    objs.filter(o => o.kind === 'Role' || o.kind === 'ClusterRole').map(o => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o.rules]),
  );
}

test('RBAC: no wildcards, no secrets, no exec anywhere; Prometheus reads pods, nodes and nodes/metrics only', () => {
  const all = rules(render('manifests'));
  for (const [name, rs] of Object.entries(all)) {
    for (const r of rs) {
      assert.ok(!r.verbs.includes('*') && !r.resources.includes('*') && !(r.apiGroups ?? []).includes('*'), name);
      assert.ok(!r.resources.includes('secrets'), `${name} reads secrets`);
      assert.ok(!r.resources.includes('pods/exec') && !r.resources.includes('nodes/proxy'), name);
      assert.ok(!r.verbs.some(v => ['create', 'update', 'patch', 'delete', 'escalate', 'bind', 'impersonate'].includes(v)) || r.resources.every(x => x === 'pods/portforward'), `${name} writes`);
    }
  }
  const flat = rs => rs.flatMap(r => r.resources.flatMap(res => r.verbs.map(v => `${v} ${res}`))).sort();
  assert.deepEqual(flat(all['ClusterRole//memleak-demo-prometheus-nodes']), ['get nodes', 'get nodes/metrics', 'list nodes', 'watch nodes']);
  assert.deepEqual(flat(all['Role/memleak-demo/prometheus-discovery']), ['get pods', 'list pods', 'watch pods']);
  // Backstage in Inspektor Gadget's namespace: find the gadget pod, open a
  // port-forward to it (a WebSocket port-forward is a GET, so get and create).
  const gadget = flat(all['Role/gadget/backstage-gadget-client']);
  assert.ok(gadget.includes('list pods') && gadget.includes('create pods/portforward'), gadget.join(', '));
  assert.deepEqual(gadget.filter(g => !['get pods', 'list pods', 'get pods/portforward', 'create pods/portforward'].includes(g)), []);
  // Bound to the ServiceAccounts they are for, and nothing else.
  const bindings = render('manifests').filter(o => o.kind.endsWith('Binding'));
  for (const b of bindings) {
    assert.equal(b.subjects.length, 1, b.metadata.name);
    assert.equal(b.subjects[0].kind, 'ServiceAccount', b.metadata.name);
  }
});

test('Prometheus and Grafana configs are mounted where they are read, from the generated ConfigMaps', () => {
  const objs = render('manifests/base');
  const cms = Object.fromEntries(objs.filter(o => o.kind === 'ConfigMap').map(o => [o.metadata.name, o]));
  const mounts = name => {
    const spec = find(objs, 'Deployment', name).spec.template.spec;
    return spec.containers[0].volumeMounts.map(m => {
      const vol = spec.volumes.find(v => v.name === m.name);
      return [m.mountPath, vol.configMap ? cms[vol.configMap.name] : vol];
    });
  };
  const prom = Object.fromEntries(mounts('prometheus'));
  assert.ok(prom['/etc/prometheus']?.data?.['prometheus.yml'], 'prometheus.yml mounted');
  const args = find(objs, 'Deployment', 'prometheus').spec.template.spec.containers[0].args;
  assert.ok(args.includes('--config.file=/etc/prometheus/prometheus.yml'));
  const graf = Object.fromEntries(mounts('grafana'));
  const providers = parse(graf['/etc/grafana/provisioning/dashboards'].data['dashboards.yaml']);
  const dashDir = providers.providers[0].options.path;
  assert.ok(graf[dashDir]?.data?.['stealth-memory-leak.json'], `dashboard mounted at ${dashDir}`);
  assert.ok(parse(graf['/etc/grafana/provisioning/datasources'].data['datasource.yaml']).datasources[0].uid);
  const env = Object.fromEntries(find(objs, 'Deployment', 'grafana').spec.template.spec.containers[0].env.map(e => [e.name, e.value]));
  assert.equal(env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH, `${dashDir}/stealth-memory-leak.json`);
});
