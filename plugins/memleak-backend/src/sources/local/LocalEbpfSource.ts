import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import type {
  Notice,
  StackFrame,
  TraceTarget,
} from '@internal/plugin-memleak-common';
import {
  AllocationSource,
  LedgerSnapshot,
  SourceError,
  StackSample,
} from '../types';
import { TracerMessage, TracerProcess } from './TracerProcess';

type SourceNotice = Omit<Notice, 'at'>;

export interface LocalEbpfSourceOptions {
  pid: number;
  /** Defaults to `pid N`. */
  target?: TraceTarget;
  /** The memleak-tracer binary; default: this package's `tracer/build/memleak-tracer`. */
  tracerPath?: string;
  /** Live allocations the kernel keeps; beyond that they are counted as lost. */
  maxAllocations?: number;
  /** Stacks per snapshot (largest aged bytes first); totals always cover all. */
  topStacks?: number;
}

/** What the tracer reported when its probes were attached. */
export interface TracerReady {
  pid: number;
  libc: string;
  /** Where free() is probed, from its start: >0 skips its NULL check to land on an emulated push. */
  freeOffset: number;
  freeProbe: string;
  probes: Array<{
    function: string;
    offset: number;
    return: boolean;
    how: string;
  }>;
}

const BUILD_HINT = 'run `make -C plugins/memleak-backend/tracer`';

export function defaultTracerPath(): string {
  return resolvePackagePath(
    '@internal/plugin-memleak-backend',
    'tracer/build/memleak-tracer',
  );
}

/**
 * Watches one local process with the project's eBPF tracer
 * (`tracer/`, a libbpf program that pairs allocations and frees in the
 * kernel). Speaks its JSON-lines protocol: `ready`/`error` once, then a
 * `snapshot` per request; `exited` when the target goes away.
 */
export class LocalEbpfSource implements AllocationSource {
  readonly target: TraceTarget;
  readonly ended: Promise<SourceNotice>;
  /** Set once started. */
  ready?: TracerReady;
  private readonly tracerPath: string;
  private proc?: TracerProcess;
  private starting?: Promise<void>;
  private requests: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private resolveEnded!: (notice: SourceNotice) => void;

  constructor(private readonly options: LocalEbpfSourceOptions) {
    this.target = options.target ?? {
      kind: 'local',
      label: `pid ${options.pid}`,
      pid: options.pid,
    };
    this.tracerPath = path.resolve(options.tracerPath ?? defaultTracerPath());
    this.ended = new Promise(resolve => {
      this.resolveEnded = resolve;
    });
  }

  start(): Promise<void> {
    this.starting ??= this.attach();
    return this.starting;
  }

  snapshot(minAgeMs: number): Promise<LedgerSnapshot> {
    // one request at a time: replies carry no id, they come back in order
    const reply = this.requests.then(() => this.request(minAgeMs));
    this.requests = reply.catch(() => undefined);
    return reply;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.proc?.close();
  }

  private async attach(): Promise<void> {
    const { pid } = this.options;
    if (!Number.isInteger(pid) || pid <= 0) {
      throw fatal('target_not_found', `no process to trace (pid ${pid})`);
    }
    try {
      await access(this.tracerPath, constants.X_OK);
    } catch {
      throw fatal(
        'ebpf_unavailable',
        `the local eBPF tracer is not built (no executable at ${this.tracerPath}): ${BUILD_HINT}`,
      );
    }
    const args = ['--pid', String(pid)];
    if (this.options.maxAllocations) {
      args.push(
        '--max-allocs',
        String(Math.floor(this.options.maxAllocations)),
      );
    }
    if (this.options.topStacks) {
      args.push('--top', String(Math.floor(this.options.topStacks)));
    }
    const proc = new TracerProcess(this.tracerPath, args);
    this.proc = proc;
    let first: TracerMessage;
    try {
      first = await proc.next();
    } catch (error) {
      throw fatal(
        'source_error',
        `the eBPF tracer did not start: ${(error as Error).message}`,
      );
    }
    if (first.type !== 'ready') {
      await proc.close();
      throw errorFrom(first);
    }
    this.ready = first as unknown as TracerReady;
    // the tracer says "exited" before it spends seconds detaching
    proc.whenSeen('exited').then(() => {
      if (!this.stopping) this.resolveEnded(targetExited(pid));
    });
    proc.exited.then(exit => {
      if (this.stopping || proc.hasSeen('exited')) return;
      const how = exit.signal
        ? `was killed by ${exit.signal}`
        : `exited with code ${exit.code}`;
      this.resolveEnded({
        level: 'error',
        code: 'source_error',
        message: `the eBPF tracer ${how}${
          exit.stderrTail ? `: ${exit.stderrTail}` : ''
        }`,
      });
    });
  }

  private async request(minAgeMs: number): Promise<LedgerSnapshot> {
    await this.start();
    const proc = this.proc!;
    if (proc.hasSeen('exited'))
      throw new SourceError(targetExited(this.options.pid));
    if (!proc.running)
      throw fatal('source_error', 'the eBPF tracer is not running');
    proc.send(`snapshot ${Math.max(0, Math.round(minAgeMs))}`);
    let reply: TracerMessage;
    try {
      reply = await proc.next();
    } catch (error) {
      throw fatal('source_error', (error as Error).message);
    }
    if (reply.type === 'exited')
      throw new SourceError(targetExited(this.options.pid));
    if (reply.type !== 'snapshot') throw errorFrom(reply);
    return toLedgerSnapshot(reply);
  }
}

function fatal(code: SourceNotice['code'], message: string): SourceError {
  return new SourceError({ level: 'error', code, message });
}

function targetExited(pid: number): SourceNotice {
  return {
    level: 'warning',
    code: 'target_exited',
    message: `pid ${pid} exited; data up to then is kept`,
  };
}

const NOTICE_CODES = new Set([
  'ebpf_unavailable',
  'attach_failed',
  'unsupported_target',
  'target_not_found',
  'source_error',
]);

function errorFrom(message: TracerMessage): SourceError {
  if (message.type === 'error') {
    const code = NOTICE_CODES.has(String(message.code))
      ? (message.code as SourceNotice['code'])
      : 'source_error';
    return fatal(code, String(message.message));
  }
  return fatal(
    'source_error',
    `unexpected reply from the eBPF tracer: ${JSON.stringify(message)}`,
  );
}

interface WireStack extends Omit<StackSample, 'frames'> {
  frames: StackFrame[];
}

function toLedgerSnapshot(m: TracerMessage): LedgerSnapshot {
  const n = (field: string) => Number(m[field] ?? 0);
  return {
    timestampMs: n('timestampMs'),
    outstandingBytes: n('outstandingBytes'),
    outstandingCount: n('outstandingCount'),
    agedBytes: n('agedBytes'),
    agedCount: n('agedCount'),
    mmapBytes: n('mmapBytes'),
    allocs: n('allocs'),
    frees: n('frees'),
    lostEvents: n('lostEvents'),
    stacks: ((m.stacks as WireStack[] | undefined) ?? []).map(s => ({
      key: s.key,
      frames: s.frames,
      outstandingBytes: s.outstandingBytes,
      outstandingCount: s.outstandingCount,
      agedBytes: s.agedBytes,
      agedCount: s.agedCount,
      allocs: s.allocs,
      frees: s.frees,
    })),
  };
}
