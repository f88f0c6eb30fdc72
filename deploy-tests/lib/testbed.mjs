// The test bed (testbed/README.md): its admin kubeconfig and kubectl. Checks
// against it fail, saying so, when it is not up; they are never skipped.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TESTBED, sh } from './env.mjs';

export const KUBECONFIG = join(TESTBED, 'kubeconfig');
export const KUBECTL = join(TESTBED, 'bin', 'kubectl');

export function requireTestbed() {
  const hint = 'run `sudo yarn testbed up` (testbed/README.md), then the deploy suite again';
  if (!existsSync(KUBECTL) || !existsSync(KUBECONFIG)) throw new Error(`the test bed is not built or not up: ${hint}`);
  const r = sh(KUBECTL, ['--kubeconfig', KUBECONFIG, 'get', '--raw', '/readyz', '--request-timeout=5s']);
  if (r.status !== 0) throw new Error(`the test bed's API server does not answer (${r.stderr.trim()}): ${hint}`);
}

// kubectl against the test bed: { status, stdout, stderr }.
export const k = (args, input) =>
  sh(KUBECTL, ['--kubeconfig', KUBECONFIG, ...args], input === undefined ? {} : { input });

// What a Prometheus outside the cluster needs to reach its API server.
export function apiServer() {
  const cfg = parse(readFileSync(KUBECONFIG, 'utf8'));
  const cluster = cfg.clusters[0].cluster;
  const ca = cluster['certificate-authority-data']
    ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString()
    : readFileSync(cluster['certificate-authority'], 'utf8');
  return { server: cluster.server, ca };
}
