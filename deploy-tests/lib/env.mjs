// Where things are: the repository, the tools the checks run, the test bed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TOOLS = join(ROOT, '.memleak', 'deploy-tests', 'bin');
export const TESTBED = join(ROOT, '.memleak', 'testbed');

export const read = rel => readFileSync(join(ROOT, rel), 'utf8');

function onPath(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

// kubectl: $KUBECTL, else the test bed's build, else one on PATH.
export function kubectlPath() {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  const built = join(TESTBED, 'bin', 'kubectl');
  if (existsSync(built)) return built;
  const found = onPath('kubectl');
  if (found) return found;
  throw new Error(
    'kubectl not found: build it with `bash testbed/build.sh kube`, or set KUBECTL',
  );
}

// A tool from deploy-tests/build-tools.sh (upstream Prometheus, compose-check).
export function tool(name) {
  const p = join(TOOLS, name);
  if (!existsSync(p)) {
    throw new Error(`${p} missing: run \`bash deploy-tests/build-tools.sh\``);
  }
  return p;
}

export function kubectl(args, opts = {}) {
  return execFileSync(kubectlPath(), args, {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
    ...opts,
  });
}

// Runs a command, never throws: { status, stdout, stderr }.
export function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) return { status: -1, stdout: '', stderr: String(r.error) };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
