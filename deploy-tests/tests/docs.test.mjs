// The docs: the lab's runnable command blocks run (locally as root in a
// network namespace of their own, and against the test bed), INSTALL.md
// covers every config key, notice and permission, links resolve, and the
// TechDocs generator builds the leaker-c entity's site.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ts from 'typescript';
import { parse } from 'yaml';
import { ROOT, read, sh } from '../lib/env.mjs';
import { runSession, runnableBlocks } from '../lib/runnable.mjs';
import { KUBECONFIG, requireTestbed } from '../lib/testbed.mjs';

const GUIDE = read('docs/EBPF_GUIDE.md');
const INSTALL = read('docs/INSTALL.md');
const blocks = runnableBlocks(GUIDE);
const firstLine = b => b.code.split('\n')[0].slice(0, 60);

test('the lab marks its command blocks runnable, locally and on the test bed', () => {
  assert.ok(blocks.filter(b => b.kind === 'local').length >= 8);
  assert.ok(blocks.filter(b => b.kind === 'testbed').length >= 1);
  assert.ok(blocks.every(b => b.checks.some(c => c.how === 'expect')), 'every block says what it must print');
});

function checkBlock(b, result) {
  assert.ok(result, 'the block never finished (the session stopped or timed out before it)');
  assert.equal(result.status, 0, `exit ${result.status}:\n${result.output}`);
  for (const c of b.checks) {
    if (c.how === 'expect') assert.match(result.output, c.re);
    else assert.doesNotMatch(result.output, c.re);
  }
}

describe('the lab, locally (root, its own network namespace)', () => {
  const local = blocks.filter(b => b.kind === 'local');
  let session;
  before(async () => {
    if (process.getuid() !== 0) throw new Error('the lab runs eBPF: run the deploy suite as root');
    session = await runSession(['unshare', '--net', 'bash', '-c', 'ip link set lo up && exec bash "$0"'], local, {
      cwd: ROOT,
      env: process.env,
      timeoutMs: 300000,
    });
  });
  after(() => {
    // Whatever happened, the lab's leaker-c does not outlive the test.
    const pidFile = join(ROOT, '.memleak/lab/leaker.pid');
    if (existsSync(pidFile)) sh('kill', [readFileSync(pidFile, 'utf8').trim()]);
  });
  for (const b of local) {
    test(`local block ${b.index + 1}: ${firstLine(b)}`, () => checkBlock(b, session.results[local.indexOf(b)]));
  }
});

describe('the lab, on the test bed', () => {
  const onTestbed = blocks.filter(b => b.kind === 'testbed');
  let session;
  before(async () => {
    requireTestbed();
    session = await runSession(['bash'], onTestbed, {
      cwd: ROOT,
      env: { ...process.env, KUBECONFIG, PATH: `${join(ROOT, '.memleak/testbed/bin')}:${process.env.PATH}` },
      timeoutMs: 300000, // kubectl memleak traces for a minute
    });
  });
  for (const b of onTestbed) {
    test(`test bed block ${b.index + 1}: ${firstLine(b)}`, () => checkBlock(b, session.results[onTestbed.indexOf(b)]));
  }
});

test('the runner is a real check: a failing command, a missing expectation and an unexpected line fail', async () => {
  const md = [
    '<!-- runnable: local expect=/^one$/m -->', '```sh', 'echo one', '```',
    '<!-- runnable: local expect=/two/ -->', '```sh', 'echo three', '```',
    '<!-- runnable: local expect=/x/ absent=/secret/ -->', '```sh', 'echo x secret', '```',
    '<!-- runnable: local expect=/y/ -->', '```sh', 'echo y; false', '```',
  ].join('\n');
  const bs = runnableBlocks(md);
  const { results } = await runSession(['bash'], bs, { cwd: tmpdir(), env: process.env, timeoutMs: 10000 });
  assert.doesNotThrow(() => checkBlock(bs[0], results[0]));
  for (const i of [1, 2, 3]) assert.throws(() => checkBlock(bs[i], results[i]));
});

// Every key of the backend's config schema, as a dotted path (arrays as []).
function configKeys() {
  const file = join(ROOT, 'plugins/memleak-backend/config.d.ts');
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const keys = [];
  const walk = (members, prefix) => {
    for (const m of members) {
      if (!ts.isPropertySignature(m)) continue;
      const path = prefix ? `${prefix}.${m.name.getText()}` : m.name.getText();
      let t = m.type;
      let p = path;
      if (t && ts.isTypeReferenceNode(t) && t.typeName.getText() === 'Array') {
        t = t.typeArguments[0];
        p = `${path}[]`;
      }
      if (t && ts.isTypeLiteralNode(t)) walk(t.members, p);
      else keys.push(path);
    }
  };
  const config = src.statements.find(s => ts.isInterfaceDeclaration(s) && s.name.text === 'Config');
  walk(config.members, '');
  return keys;
}

test("INSTALL.md documents every key of the backend's config schema (config.d.ts)", () => {
  const keys = configKeys();
  assert.ok(keys.length >= 15, keys.join(' '));
  const missing = keys.filter(k => !INSTALL.includes(`\`${k}\``));
  assert.deepEqual(missing, []);
});

test('INSTALL.md explains every notice the product shows, and both permissions', () => {
  const types = read('plugins/memleak-common/src/types.ts');
  const union = /export type NoticeCode =([^;]+);/.exec(types)[1];
  const codes = [...union.matchAll(/'([a-z_]+)'/g)].map(m => m[1]);
  assert.ok(codes.length >= 10);
  assert.deepEqual(codes.filter(c => !INSTALL.includes(`\`${c}\``)), []);
  const perms = [...read('plugins/memleak-common/src/permissions.ts').matchAll(/name: '([a-z.]+)'/g)].map(m => m[1]);
  assert.equal(perms.length, 2);
  for (const p of perms) assert.ok(INSTALL.includes(`\`${p}\``), p);
});

test('relative links in the docs resolve', () => {
  for (const f of ['docs/INSTALL.md', 'docs/EBPF_GUIDE.md', 'docs/index.md']) {
    for (const [, target] of read(f).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
      const path = target.split('#')[0];
      assert.ok(existsSync(join(ROOT, dirname(f), path)), `${f}: ${target}`);
    }
  }
});

test("leaker-c's TechDocs: the annotation, and mkdocs.yml's pages exist", () => {
  const entity = read('catalog-info.yaml').split(/^---$/m).map(d => parse(d)).find(e => e.metadata.name === 'leaker-c');
  assert.equal(entity.metadata.annotations['backstage.io/techdocs-ref'], 'dir:.');
  const mk = parse(read('mkdocs.yml'));
  assert.ok(mk.plugins.includes('techdocs-core'));
  const pages = mk.nav.map(n => Object.values(n)[0]);
  assert.ok(pages.includes('EBPF_GUIDE.md') && pages.includes('index.md'));
  for (const p of pages) assert.ok(existsSync(join(ROOT, mk.docs_dir, p)), p);
});

// techdocs-cli generate, as the TechDocs backend builds a `dir:` entity
// locally (mkdocs with techdocs-core from the venv, no Docker).
function generate(sourceDir) {
  const cli = join(ROOT, '.memleak/techdocs/cli/node_modules/.bin/techdocs-cli');
  const venv = join(ROOT, '.memleak/techdocs/venv/bin');
  assert.ok(existsSync(cli) && existsSync(join(venv, 'mkdocs')), 'run `bash deploy-tests/setup.sh techdocs`');
  const out = mkdtempSync(join(tmpdir(), 'memleak-techdocs-'));
  const r = sh(cli, ['generate', '--no-docker', '--source-dir', sourceDir, '--output-dir', out], {
    env: { ...process.env, PATH: `${venv}:${process.env.PATH}` },
    cwd: sourceDir,
  });
  return { ...r, out };
}

test('techdocs-cli generate builds the site from mkdocs.yml and docs/, with the lab in it', () => {
  // Only what the site is built from, so that nothing else in the work tree matters here.
  const src = mkdtempSync(join(tmpdir(), 'memleak-techdocs-src-'));
  let out;
  try {
    cpSync(join(ROOT, 'mkdocs.yml'), join(src, 'mkdocs.yml'));
    cpSync(join(ROOT, 'docs'), join(src, 'docs'), { recursive: true });
    const r = generate(src);
    out = r.out;
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const lab = readFileSync(join(out, 'EBPF_GUIDE', 'index.html'), 'utf8');
    assert.match(lab, /The lab: a leak that every dashboard misses/);
    assert.match(lab, /leak_memory_chunk/);
    assert.match(readFileSync(join(out, 'index.html'), 'utf8'), /href="EBPF_GUIDE\/"/);
    const meta = JSON.parse(readFileSync(join(out, 'techdocs_metadata.json'), 'utf8'));
    assert.equal(meta.site_name, 'leaker-c');
    assert.ok(readdirSync(join(out, 'INSTALL')).includes('index.html'));
  } finally {
    rmSync(src, { recursive: true, force: true });
    if (out) rmSync(out, { recursive: true, force: true });
  }
});

test('the repository itself builds as TechDocs sees it for `dir:.` (no symlink in the work tree may lead outside it)', () => {
  const r = generate(ROOT);
  rmSync(r.out, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
