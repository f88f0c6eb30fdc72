// Starting, talking to and stopping the leaker binary from tests.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../..',
);
export const LEAKER_BIN = path.join(ROOT, 'build/leaker');
export const LEAKER_ASAN_BIN = path.join(ROOT, 'build/leaker-asan');

/** A line that says how many chunks the workload holds: leak, realloc, partial. */
const HELD_LINE = /^(?:leak: chunk|realloc: append|partial: kept) (\d+) /;

const running = new Set();
// Never leave a leaking process behind, whatever happened in the test.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Environment for the binary: nothing inherited but PATH (a stray PORT in
 * the caller's environment must not change what is tested). */
function leakerEnv(bin, env) {
  const base = { PATH: process.env.PATH };
  if (bin.endsWith('-asan')) {
    // The leak is the product, so LeakSanitizer stays off.
    base.ASAN_OPTIONS = 'detect_leaks=0';
    base.UBSAN_OPTIONS = 'print_stacktrace=1';
  }
  return { ...base, ...env };
}

/** Runs the binary to completion (for configurations it must reject). */
export function runToExit(env, { bin = LEAKER_BIN, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], { env: leakerEnv(bin, env) });
    running.add(child);
    let stderr = '';
    child.stderr.on('data', d => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stderr });
    });
  });
}

export class Leaker {
  static async start({
    bin = LEAKER_BIN,
    env = {},
    readyTimeoutMs = 10000,
  } = {}) {
    const port = await freePort();
    let metricsPort = await freePort();
    while (metricsPort === port) metricsPort = await freePort();
    const leaker = new Leaker(bin, {
      BIND_ADDR: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      LEAK_LOG: '1',
      ...env,
    });
    await leaker.waitForLine(/^leaker: .* ready/, readyTimeoutMs);
    return leaker;
  }

  constructor(bin, env) {
    this.env = env;
    this.port = Number(env.PORT);
    this.metricsPort = Number(env.METRICS_PORT);
    this.stderr = '';
    this.lines = [];
    this.waiters = [];
    this.chunks = 0; // chunks held, from the workload's log lines
    this.child = spawn(bin, [], { env: leakerEnv(bin, env) });
    this.pid = this.child.pid;
    running.add(this.child);
    this.exited = new Promise(resolve => {
      this.child.on('close', (code, signal) => {
        running.delete(this.child);
        this.exitedAt = performance.now();
        resolve({ code, signal });
      });
    });
    let partial = '';
    this.child.stderr.on('data', data => {
      this.stderr += data;
      partial += data;
      const parts = partial.split('\n');
      partial = parts.pop();
      for (const line of parts) this.onLine(line);
    });
  }

  onLine(line) {
    const chunk = HELD_LINE.exec(line);
    if (chunk) {
      this.chunks = Number(chunk[1]);
      // Read RSS right away: the next chunk is an interval away.
      this.rssAtChunk = { chunks: this.chunks, rssKiB: this.rssKiB() };
    }
    this.lines.push(line);
    for (const w of [...this.waiters]) {
      if (w.pattern.test(line)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve({ line, rssKiB: this.rssAtChunk?.rssKiB });
      }
    }
  }

  /** Resolves with the first stderr line (already seen or future) matching. */
  waitForLine(pattern, timeoutMs = 10000) {
    const seen = this.lines.find(l => pattern.test(l));
    if (seen) return Promise.resolve({ line: seen });
    return new Promise((resolve, reject) => {
      const w = { pattern, resolve };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(
          new Error(
            `no stderr line matching ${pattern} within ${timeoutMs} ms; stderr:\n${this.stderr.slice(
              -2000,
            )}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(w);
      this.exited.then(({ code, signal }) => {
        if (this.waiters.includes(w)) {
          clearTimeout(w.timer);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(
            new Error(
              `leaker exited (${
                code ?? signal
              }) before ${pattern}; stderr:\n${this.stderr.slice(-2000)}`,
            ),
          );
        }
      });
    });
  }

  /** Waits for "leak: chunk N" and returns the RSS read when it appeared. */
  async waitForChunk(n, timeoutMs = 20000) {
    const { rssKiB } = await this.waitForLine(
      new RegExp(HELD_LINE.source.replace('(\\d+)', String(n))),
      timeoutMs,
    );
    return rssKiB;
  }

  rssKiB() {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]);
    } catch {
      return undefined; // process already gone
    }
  }

  get(pathname, options = {}) {
    return request(this.port, pathname, options);
  }

  metrics() {
    return request(this.metricsPort, '/metrics');
  }

  /** SIGTERM, then the exit status and how long the exit took. */
  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null)
      return this.exited;
    const sentAt = performance.now();
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const result = await this.exited;
    clearTimeout(killer);
    return { ...result, ms: this.exitedAt - sentAt };
  }
}

/** One HTTP request on a fresh connection; resolves with status, headers, body. */
export function request(
  port,
  pathname,
  { method = 'GET', headers = {}, body } = {},
) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        method,
        headers,
        agent: false,
      },
      res => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', d => (data += d));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: data }),
        );
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Sends raw bytes and resolves with the status code of the reply (0 if the
 * server closed, or stayed silent for timeoutMs, without answering). */
export function rawRequest(port, bytes, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let data = '';
    let done = false;
    const finish = status => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(status);
    };
    socket.setEncoding('latin1');
    socket.setTimeout(timeoutMs, () => finish(0));
    socket.on('data', d => {
      data += d;
      const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(data);
      if (m) finish(Number(m[1]));
    });
    socket.on('error', err => (done ? undefined : reject(err)));
    socket.on('close', () => finish(0));
  });
}

export const sleep = ms => new Promise(r => setTimeout(r, ms));

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
