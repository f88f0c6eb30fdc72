import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import type { LocalTarget } from '../config';

/**
 * The demo C service (leaker-c) as a real process for API tests: random
 * loopback ports, a pid file in its own temp dir, and a fast leak so a
 * short trace sees it.
 */

const PACKAGE = '@internal/plugin-memleak-backend';
const LEAKER_DIR = resolvePackagePath(PACKAGE, '../../leaker-c');
const LEAKER_BIN = path.join(LEAKER_DIR, 'build/leaker');
const TRACER_DIR = resolvePackagePath(PACKAGE, 'tracer');

/** Builds leaker-c and the eBPF tracer (make is incremental: cheap when up to date). */
export function buildLeakerAndTracer(): void {
  for (const dir of [LEAKER_DIR, TRACER_DIR]) {
    try {
      execFileSync('make', ['-s', '-C', dir], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
      throw new Error(
        `make -C ${path.basename(dir)} failed:\n${stderr.slice(-2000)}`,
      );
    }
  }
}

/** The eBPF tracer attaches uprobes: without root these tests must fail, not pass vacuously. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'these tests trace real processes with eBPF uprobes and need root (CI runs them as root); ' +
        'run them as root or with CAP_BPF+CAP_PERFMON+CAP_SYS_PTRACE',
    );
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
// A leaking process must never outlive the test run, whatever failed.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export class LeakerProcess {
  readonly exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>;
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly port: number,
    readonly metricsPort: number,
  ) {
    live.add(child);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', d => {
      this.stderr = (this.stderr + d).slice(-8000);
    });
    this.exited = new Promise(resolve =>
      child.on('close', (code, signal) => {
        live.delete(child);
        resolve({ code, signal });
      }),
    );
  }

  /** Starts leaker-c and resolves once its pid file is written (it writes it when ready). */
  static async start(env: Record<string, string> = {}): Promise<LeakerProcess> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memleak-leaker-'));
    const port = await freePort();
    let metricsPort = await freePort();
    while (metricsPort === port) metricsPort = await freePort();
    const child = spawn(LEAKER_BIN, [], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // Nothing inherited but PATH: a stray PORT in the caller's env must not matter.
      env: {
        PATH: process.env.PATH,
        BIND_ADDR: '127.0.0.1',
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        PID_FILE: path.join(dir, 'leaker.pid'),
        LEAK_MODE: 'leak',
        LEAK_START_DELAY_S: '0',
        LEAK_INTERVAL_MS: '250',
        LEAK_CHUNK_KB: '64',
        ...env,
      },
    });
    const leaker = new LeakerProcess(child, dir, port, metricsPort);
    await leaker.waitForPidFile();
    return leaker;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get pidFile(): string {
    return path.join(this.dir, 'leaker.pid');
  }

  /** The `memleak.localTargets` entry that points at this process. */
  localTarget(entityRef: string, name = 'leaker-c'): LocalTarget {
    return {
      entityRef,
      name,
      pidFile: this.pidFile,
      healthUrl: `http://127.0.0.1:${this.port}/health`,
      readyUrl: `http://127.0.0.1:${this.port}/ready`,
      metricsUrl: `http://127.0.0.1:${this.metricsPort}/metrics`,
      memoryMetric: 'memory_heap_used_bytes',
    };
  }

  private async waitForPidFile(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    this.exited.then(() => {
      gone = true;
    });
    while (Date.now() < deadline && !gone) {
      const text = fs.existsSync(this.pidFile)
        ? fs.readFileSync(this.pidFile, 'utf8')
        : '';
      if (Number(text.trim()) === this.pid) return;
      await new Promise(r => setTimeout(r, 20));
    }
    this.child.kill('SIGKILL');
    throw new Error(
      `leaker-c did not write ${this.pidFile} within ${timeoutMs} ms (exited: ${gone}); stderr:\n${this.stderr}`,
    );
  }

  /** SIGKILL: the pid file stays behind, like after a crash. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
