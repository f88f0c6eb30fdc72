// A real Prometheus server (the upstream build from build-tools.sh) on a temp
// dir, and its query API.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tool } from './env.mjs';
import { freePort, waitFor } from './leaker.mjs';

export async function startPrometheus(config) {
  const dir = mkdtempSync(join(tmpdir(), 'memleak-prom-'));
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const child = spawn(
    tool('prometheus'),
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', d => (log = (log + d).slice(-8000)));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`Prometheus ready (${log})`, async () => (await fetch(`${base}/-/ready`)).ok, 30000);
  return {
    base,
    log: () => log,
    async query(expr) {
      const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = await r.json();
      if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
      return body.data.result;
    },
    async targets() {
      return (await (await fetch(`${base}/api/v1/targets`)).json()).data.activeTargets;
    },
    async stop() {
      if (child.exitCode === null) {
        await new Promise(r => (child.once('exit', r), child.kill('SIGTERM')));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
