import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One JSON line from memleak-tracer; `type` says which. */
export type TracerMessage = { type: string; [field: string]: unknown };

/** How the tracer process ended. */
export interface TracerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines it wrote to stderr (libbpf's complaints, crashes). */
  stderrTail: string;
}

const STDERR_TAIL_BYTES = 4096;

/**
 * The memleak-tracer child process as a queue of JSON lines: `next()` yields
 * them in order, whether they arrived before or after the call. Knows the
 * line protocol's framing only, not its meaning.
 */
export class TracerProcess {
  readonly exited: Promise<TracerExit>;
  private readonly child: ChildProcess;
  private readonly lines: TracerMessage[] = [];
  private readonly waiters: Array<{
    resolve: (m: TracerMessage) => void;
    reject: (e: Error) => void;
  }> = [];
  private readonly seen = new Set<string>();
  private readonly watchers = new Map<
    string,
    Array<(m: TracerMessage) => void>
  >();
  private stderrTail = '';
  private exit?: TracerExit;

  constructor(binary: string, args: string[]) {
    this.child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin!.on('error', () => {}); // EPIPE after exit shows up on `exited`
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(
        -STDERR_TAIL_BYTES,
      );
    });
    createInterface({ input: this.child.stdout! }).on('line', line =>
      this.onLine(line),
    );
    this.exited = new Promise(resolve => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exit) return;
        this.exit = { code, signal, stderrTail: this.stderrTail.trim() };
        // stdout may still hold lines: let readline drain before failing waiters
        setImmediate(() => {
          for (const w of this.waiters.splice(0)) w.reject(this.exitError());
          resolve(this.exit!);
        });
      };
      this.child.once('close', done);
      this.child.once('error', error => {
        this.stderrTail += String(error.message);
        done(null, null);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether a line of this type ever arrived, read or not. */
  hasSeen(type: string): boolean {
    return this.seen.has(type);
  }

  /** Resolves when a line of this type arrives, even if nobody reads it yet. */
  whenSeen(type: string): Promise<TracerMessage> {
    return new Promise(resolve => {
      this.watchers.set(type, [...(this.watchers.get(type) ?? []), resolve]);
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** The next line, in order; rejects when the process ends first. */
  next(): Promise<TracerMessage> {
    const line = this.lines.shift();
    if (line) return Promise.resolve(line);
    if (this.exit) return Promise.reject(this.exitError());
    return new Promise((resolve, reject) =>
      this.waiters.push({ resolve, reject }),
    );
  }

  send(command: string): void {
    if (this.running) this.child.stdin!.write(`${command}\n`);
  }

  /** Asks politely (`quit`), then insists. */
  async close(graceMs = 10_000): Promise<TracerExit> {
    if (this.running) this.child.stdin!.end('quit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private onLine(line: string) {
    if (!line.trim()) return;
    let message: TracerMessage;
    try {
      message = JSON.parse(line);
    } catch {
      message = { type: 'garbled', line };
    }
    this.seen.add(message.type);
    for (const watcher of this.watchers.get(message.type) ?? [])
      watcher(message);
    this.watchers.delete(message.type);
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(message);
    else this.lines.push(message);
  }

  private exitError(): Error {
    const e = this.exit!;
    const how = e.signal
      ? `was killed by ${e.signal}`
      : `exited with code ${e.code}`;
    return new Error(
      `memleak-tracer ${how}${e.stderrTail ? `: ${e.stderrTail}` : ''}`,
    );
  }
}
