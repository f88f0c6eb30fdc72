// The demo's scripts: shellcheck-clean (and scripts/, testbed/ with them),
// --help, bad usage, a clear stop when a tool is missing, and what every
// --dry-run prints.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT, kubectlPath, sh } from '../lib/env.mjs';
import { parseYamlStream } from '../lib/manifests.mjs';

const DEMO = ['build', 'import-image', 'deploy', 'ebpf-setup', 'cleanup', 'build-and-deploy'];
const VERSION = /VERSION\s*\?=\s*(\S+)/.exec(sh('cat', [join(ROOT, 'leaker-c/Makefile')]).stdout)[1];
const IG_VERSION = sh('cat', [join(ROOT, 'testbed/IG_VERSION')]).stdout.trim();

// A PATH with only what the scripts need besides the tools under test, plus
// stand-ins in BIN for tools a dry run must find (never run by a dry run).
const BIN = mkdtempSync(join(tmpdir(), 'memleak-scripts-'));
after(() => rmSync(BIN, { recursive: true, force: true }));
function stub(name, stdout = '') {
  const p = join(BIN, name);
  writeFileSync(p, `#!/bin/sh\nprintf '%s\\n' '${stdout}'\n`);
  chmodSync(p, 0o755);
}
// Only the basic tools the scripts use, so that docker, podman, kubectl, kind
// and friends are surely absent, whatever this machine has installed.
const BASIC = mkdtempSync(join(tmpdir(), 'memleak-basic-'));
after(() => rmSync(BASIC, { recursive: true, force: true }));
for (const t of ['bash', 'sh', 'sed', 'awk', 'cat', 'basename', 'dirname', 'grep', 'head', 'rm', 'mkdir', 'printf', 'uname', 'zcat', 'gzip']) {
  const found = sh('sh', ['-c', `command -v ${t}`]).stdout.trim();
  if (found.startsWith('/')) symlinkSync(found, join(BASIC, t));
}
const PATH = BASIC;

function script(name, args, env = {}) {
  return sh('bash', [join(ROOT, 'scripts', `${name}.sh`), ...args], {
    cwd: tmpdir(),
    env: { HOME: process.env.HOME, PATH, KUBECTL: 'kubectl', ...env },
  });
}
// The `+ command` lines of a run.
const commands = r => r.stdout.split('\n').filter(l => l.startsWith('+ ')).map(l => l.slice(2));

const shellFiles = dir =>
  readdirSync(join(ROOT, dir)).filter(f => f.endsWith('.sh')).map(f => join(dir, f));
for (const file of [...shellFiles('scripts'), ...shellFiles('scripts/lib'), ...shellFiles('testbed')]) {
  test(`shellcheck ${file}`, () => {
    const r = sh('shellcheck', ['-x', file], { cwd: ROOT });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
}

for (const name of DEMO) {
  test(`${name}.sh: --help says how to use it; an unknown argument exits 2`, () => {
    const help = script(name, ['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`^Usage: scripts/${name}\\.sh`, 'm'));
    assert.match(help.stdout, /--dry-run/);
    const bad = script(name, ['--no-such-flag']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, new RegExp(`${name}\\.sh: unknown argument --no-such-flag`));
  });
}

test('a missing tool stops with exit 3 and says what to install', () => {
  const b = script('build', []);
  assert.equal(b.status, 3);
  assert.match(b.stderr, /build\.sh: docker is needed \(to build the image\) but is not on PATH: install Docker/);
  for (const name of ['deploy', 'cleanup', 'ebpf-setup']) {
    const r = script(name, [], { KUBECTL: 'kubectl-not-here' });
    assert.equal(r.status, 3, name);
    assert.match(r.stderr, new RegExp(`${name}\\.sh: kubectl-not-here is needed \\(to talk to the cluster\\)`));
  }
  const k = script('import-image', ['--target', 'kind']);
  assert.equal(k.status, 3);
  assert.match(k.stderr, /kind is needed .* https:\/\/kind\.sigs\.k8s\.io/);
});

test('build.sh --dry-run: the build (and push) it would run, nothing else', () => {
  assert.deepEqual(commands(script('build', ['--dry-run', '--engine', 'podman'])), [
    `podman build -t leaker-c:${VERSION} ${ROOT}/leaker-c`,
  ]);
  const r = script('build', ['--dry-run', '--engine', 'docker', '--image-name', 'registry.example/team/leaker-c', '--push']);
  assert.equal(r.status, 0);
  assert.deepEqual(commands(r), [
    `docker build -t registry.example/team/leaker-c:${VERSION} ${ROOT}/leaker-c`,
    `docker push registry.example/team/leaker-c:${VERSION}`,
  ]);
  assert.match(r.stdout, /docker is not on PATH .* a real run would stop here/);
  assert.match(r.stdout, /dry run: nothing was run/);
});

test('import-image.sh --dry-run: kind, minikube, containerd, and the target from the context', () => {
  assert.deepEqual(commands(script('import-image', ['--dry-run', '--target', 'kind', '--cluster', 'demo'])), [
    `kind load docker-image leaker-c:${VERSION} --name demo`,
  ]);
  assert.deepEqual(commands(script('import-image', ['--dry-run', '--target', 'minikube'])), [
    `minikube image load leaker-c:${VERSION} -p minikube`,
  ]);
  assert.deepEqual(commands(script('import-image', ['--dry-run', '--target', 'containerd', '--engine', 'docker'], { TMPDIR: '/tmp' })), [
    `docker save -o /tmp/leaker-c-image.tar leaker-c:${VERSION}`,
    'ctr -n k8s.io images import /tmp/leaker-c-image.tar',
    'rm -f /tmp/leaker-c-image.tar',
  ]);
  // kubectl's current context decides when no --target is given.
  stub('kubectl', 'kind-memleak');
  const r = script('import-image', ['--dry-run'], { PATH: `${BIN}:${PATH}` });
  assert.match(r.stdout, /target kind \(from kubectl's context 'kind-memleak'\)/);
  assert.deepEqual(commands(r), [`kind load docker-image leaker-c:${VERSION} --name memleak`]);
  rmSync(join(BIN, 'kubectl'));
  const none = script('import-image', ['--dry-run']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /pass --target kind\|minikube\|containerd/);
});

test('deploy.sh --dry-run: apply, then wait for the three rollouts', () => {
  const rollouts = ['leaker-c', 'prometheus', 'grafana'].map(
    d => `kubectl --context=demo -n memleak-demo rollout status deployment/${d} --timeout=90s`,
  );
  const r = script('deploy', ['--dry-run', '--context', 'demo', '--timeout', '90s']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(commands(r), [
    `kubectl --context=demo apply -k ${ROOT}/manifests`,
    ...rollouts,
    'kubectl --context=demo -n memleak-demo get pods -l app.kubernetes.io/name=leaker-c -o wide',
  ]);
  assert.equal(commands(script('deploy', ['--dry-run', '--overlay', 'local']))[0], `kubectl apply -k ${ROOT}/manifests/overlays/local`);
  const bad = script('deploy', ['--dry-run', '--overlay', 'registry']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--overlay registry needs --image-name/);
});

test('deploy.sh --image-name: the kustomization it writes sets the image, and kustomize renders it so', () => {
  const r = script('deploy', ['--dry-run', '--image-name', 'alice/leaker-c:1.2.3']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(commands(r).slice(0, 2), [
    `write ${ROOT}/.memleak/deploy/registry/kustomization.yaml:`,
    `kubectl apply -k ${ROOT}/.memleak/deploy/registry`,
  ]);
  // The printed kustomization, written where deploy.sh would write it, renders.
  const text = r.stdout.split('\n').filter(l => l.startsWith('#   ')).map(l => l.slice(4)).join('\n');
  const dir = join(ROOT, '.memleak/deploy/registry');
  sh('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'kustomization.yaml'), text);
  const out = sh(kubectlPath(), ['kustomize', dir]);
  assert.equal(out.status, 0, out.stderr);
  const d = parseYamlStream(out.stdout).find(o => o.kind === 'Deployment' && o.metadata.name === 'leaker-c');
  assert.equal(d.spec.template.spec.containers[0].image, 'alice/leaker-c:1.2.3');
  assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'Always');
});

test('ebpf-setup.sh --dry-run: the pinned manifests, or kubectl gadget deploy at the pinned version only', () => {
  const manifests = `kubectl apply -k ${ROOT}/manifests/inspektor-gadget`;
  const r = script('ebpf-setup', ['--dry-run', '--skip-kernel-check']);
  assert.deepEqual(commands(r), [manifests, 'kubectl -n gadget rollout status daemonset/gadget --timeout=180s']);
  stub('kubectl-gadget', `Client version: ${IG_VERSION}`);
  assert.equal(commands(script('ebpf-setup', ['--dry-run', '--skip-kernel-check'], { PATH: `${BIN}:${PATH}` }))[0], 'kubectl gadget deploy');
  stub('kubectl-gadget', 'Client version: v0.40.0');
  const old = script('ebpf-setup', ['--dry-run', '--skip-kernel-check'], { PATH: `${BIN}:${PATH}` });
  assert.equal(commands(old)[0], manifests);
  assert.match(old.stdout, new RegExp(`kubectl-gadget is v0.40.0, not the pinned ${IG_VERSION}`));
  rmSync(join(BIN, 'kubectl-gadget'));
  const check = commands(script('ebpf-setup', ['--dry-run', '--check-only']));
  assert.equal(check[0], 'kubectl get nodes -o name');
  assert.match(check[2], /^kubectl debug node\/NODE --image=busybox:1\.36\.1 --profile=general -- sh -c '.*\/host\/sys\/kernel\/btf\/vmlinux.*CONFIG_UPROBE_EVENTS=y/);
});

test("ebpf-setup.sh's node check, run here: it reads this kernel's config and says what it finds", () => {
  const r = script('ebpf-setup', ['--dry-run', '--check-only']);
  const cmd = commands(r)[2];
  const inner = /sh -c '(.*)'$/.exec(cmd)[1];
  const out = sh('sh', ['-c', inner]);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^kernel \S+\nbtf (yes|no)\nuprobes (yes|no|unknown)\n$/);
});

test('cleanup.sh --dry-run: the demo by default; Backstage RBAC and Inspektor Gadget only when asked', () => {
  assert.deepEqual(commands(script('cleanup', ['--dry-run'])), [
    `kubectl delete -k ${ROOT}/manifests/base --ignore-not-found --wait=false`,
    'kubectl wait --for=delete namespace/memleak-demo --timeout=180s',
  ]);
  const all = commands(script('cleanup', ['--dry-run', '--all']));
  assert.ok(all.includes('kubectl -n gadget delete rolebinding/backstage-gadget-client role/backstage-gadget-client --ignore-not-found'));
  assert.ok(all.includes('kubectl delete namespace backstage --ignore-not-found --wait=false'));
  assert.ok(all.includes(`kubectl delete -k ${ROOT}/manifests/inspektor-gadget --ignore-not-found --wait=false`));
  assert.ok(!all.some(c => c.includes('delete -k') && c.includes('backstage-rbac')), 'never delete -k backstage-rbac: it holds namespace gadget');
});

test('build-and-deploy.sh --dry-run: local build, import, deploy; or build, push, deploy for Docker Hub', () => {
  const local = script('build-and-deploy', ['--dry-run', '--target', 'kind', '--engine', 'docker']);
  assert.equal(local.status, 0, local.stderr);
  const lc = commands(local);
  assert.equal(lc[0], `docker build -t leaker-c:${VERSION} ${ROOT}/leaker-c`);
  assert.equal(lc[1], `kind load docker-image leaker-c:${VERSION} --name kind`);
  assert.equal(lc[2], `kubectl apply -k ${ROOT}/manifests/overlays/local`);
  const hub = script('build-and-deploy', ['--dry-run', '--docker-hub', 'alice', '--engine', 'docker', '--ebpf']);
  const hc = commands(hub);
  assert.deepEqual(hc.slice(0, 2), [
    `docker build -t alice/leaker-c:${VERSION} ${ROOT}/leaker-c`,
    `docker push alice/leaker-c:${VERSION}`,
  ]);
  assert.ok(hc.includes(`kubectl apply -k ${ROOT}/.memleak/deploy/registry`));
  assert.ok(hc.includes(`kubectl apply -k ${ROOT}/manifests/inspektor-gadget`));
  assert.match(hub.stdout, /newName: alice\/leaker-c/);
  const both = script('build-and-deploy', ['--docker-hub', 'alice', '--image-name', 'x/y']);
  assert.equal(both.status, 2);
});
