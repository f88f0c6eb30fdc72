// A real leaker-c on free loopback ports, for Prometheus to scrape.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { ROOT } from './env.mjs';

export const LEAKER = join(ROOT, 'leaker-c', 'build', 'leaker');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(what, fn, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

export async function startLeaker(env = {}) {
  if (!existsSync(LEAKER)) throw new Error(`${LEAKER} missing: make -C leaker-c`);
  const port = await freePort();
  const metricsPort = await freePort();
  const child = spawn(LEAKER, [], {
    env: { PATH: process.env.PATH, BIND_ADDR: '127.0.0.1', PORT: String(port), METRICS_PORT: String(metricsPort), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', d => (stderr += d));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`leaker-c on ${port} (${stderr})`, async () => (await fetch(`${base}/health`)).ok);
  return {
    base,
    metrics: `http://127.0.0.1:${metricsPort}/metrics`,
    metricsAddr: `127.0.0.1:${metricsPort}`,
    stop: () => new Promise(r => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))),
  };
}
