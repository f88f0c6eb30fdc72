import type { Duplex } from 'node:stream';
import type { Notice, TraceTarget } from '@internal/plugin-memleak-common';
import { HeapLedger } from '../../ledger';
import { AllocationSource, LedgerSnapshot, SourceError } from '../types';
import { GadgetClient, GadgetRun } from './GadgetClient';
import { GrpcError } from './grpc';
import { GadgetEventReader } from './GadgetEventReader';
import { InfoResponse } from './protocol';

type SourceNotice = Omit<Notice, 'at'>;

/** logrus' warning level: "lost N samples" is a warning. */
const LOG_LEVEL_WARN = 3;

export interface InspektorGadgetSourceOptions {
  target: TraceTarget;
  /** Opens a byte stream to the gadget service (a port-forward to the node's gadget pod). */
  connect: () => Promise<Duplex>;
  /** Gadget image, e.g. `trace_malloc:v0.55.0`. */
  image: string;
  /** KubeManager selection, collect-ustack, and the cluster's extra params. */
  params: Record<string, string>;
  /** Ends the gadget server-side after this long even if we vanish. */
  timeoutSec: number;
  /** Inspektor Gadget version the image was built for (`v0.55.0`): other versions get a notice. */
  expectedVersion?: string;
  maxLiveAllocations?: number;
  topStacks?: number;
  /** Seconds to wait for the gadget to start (GadgetInfo). */
  startTimeoutSec?: number;
}

/**
 * Heap growth of one pod from Inspektor Gadget's `trace_malloc`: runs the
 * gadget over gRPC, decodes each event by the field layout its GadgetInfo
 * announced, and pairs allocations and frees in a HeapLedger. Losses are
 * never silent: sequence gaps and "lost N samples" logs count as lost events.
 */
export class InspektorGadgetSource implements AllocationSource {
  readonly target: TraceTarget;
  readonly ended: Promise<SourceNotice>;
  /** What the gadget service said of itself, once started. */
  info?: InfoResponse;
  private notices: SourceNotice[] = [];
  private readonly ledger: HeapLedger;
  private readonly reader: GadgetEventReader;
  private stream?: Duplex;
  private client?: GadgetClient;
  private run?: GadgetRun;
  private stopping = false;
  private resolveEnded!: (notice: SourceNotice) => void;
  /** Resolves when the consume loop finishes, however it finishes. */
  private consumed: Promise<void> = Promise.resolve();

  constructor(private readonly options: InspektorGadgetSourceOptions) {
    this.target = options.target;
    this.ledger = new HeapLedger({
      maxLiveAllocations: options.maxLiveAllocations,
    });
    this.reader = new GadgetEventReader(this.ledger, options.image);
    this.ended = new Promise(resolve => (this.resolveEnded = resolve));
  }

  /**
   * Connects, asks the service what it is, runs the gadget and waits for its
   * GadgetInfo — all of it within startTimeoutSec: a port-forward can open
   * onto a service that never answers.
   */
  async start(): Promise<void> {
    const timeoutSec = this.options.startTimeoutSec ?? 60;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            this.attachError(
              new Error(`no answer from the gadget within ${timeoutSec} s`),
            ),
          ),
        timeoutSec * 1000,
      );
    });
    try {
      await Promise.race([this.attach(), timeout]);
    } catch (error) {
      await this.stop();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async attach(): Promise<void> {
    const { options } = this;
    let stream: Duplex;
    try {
      stream = await options.connect();
    } catch (error) {
      throw error instanceof SourceError
        ? error
        : new SourceError({
            level: 'error',
            code: 'attach_failed',
            message: `Could not reach Inspektor Gadget for ${
              this.target.label
            }: ${(error as Error).message}`,
          });
    }
    if (this.stopping) {
      stream.destroy(); // stopped (or timed out) while connecting
      return;
    }
    this.stream = stream;
    this.client = await GadgetClient.connect(stream).catch(error => {
      stream.destroy();
      throw this.attachError(error);
    });
    this.info = await this.client.getInfo().catch(error => {
      this.client?.close();
      throw this.attachError(error);
    });
    this.checkVersion(this.info);

    this.run = this.client.run({
      imageName: options.image,
      paramValues: options.params,
      logLevel: LOG_LEVEL_WARN,
      timeoutNs: options.timeoutSec * 1e9,
    });
    const started = new Promise<void>((resolve, reject) => {
      this.consumed = this.consume(resolve).then(
        () => {
          reject(
            this.attachError(new Error('the gadget ended before it started')),
          );
          this.finish();
        },
        error => {
          reject(this.attachError(error));
          this.finish(error);
        },
      );
    });
    await started;
  }

  async snapshot(minAgeMs: number): Promise<LedgerSnapshot> {
    // trace_malloc's timestamps are wall-clock nanoseconds.
    return this.ledger.snapshot(Date.now(), minAgeMs, {
      top: this.options.topStacks,
    });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.run?.stop();
    // The server answers a stop by ending the stream; don't wait forever.
    const bounded = new Promise<void>(resolve =>
      setTimeout(resolve, 5000).unref(),
    );
    await Promise.race([this.consumed.catch(() => undefined), bounded]);
    this.run?.cancel();
    this.client?.close();
    this.stream?.destroy();
  }

  drainNotices(): SourceNotice[] {
    const out = this.notices;
    this.notices = [];
    return out;
  }

  /** Counts of what was decoded, for tests and benchmarks. */
  get stats() {
    return { ...this.reader.stats, ...this.ledger.stats };
  }

  private async consume(onStarted: () => void): Promise<void> {
    for await (const event of this.run!.events()) {
      if (this.reader.accept(event) === 'info') onStarted();
      this.notices.push(...this.reader.drainNotices());
    }
  }

  private checkVersion(info: InfoResponse): void {
    const expected = this.options.expectedVersion;
    const actual = info.serverVersion || info.version;
    if (expected && actual && normalize(actual) !== normalize(expected)) {
      this.notices.push({
        level: 'warning',
        code: 'gadget_version_skew',
        message: `Inspektor Gadget on the node is ${actual}; the gadget image ${this.options.image} is built for ${expected}. Install ${expected} or set memleak.kubernetes.gadget.image to a matching trace_malloc tag.`,
      });
    }
  }

  private attachError(error: unknown): SourceError {
    if (error instanceof SourceError) return error;
    const message = (error as Error).message ?? String(error);
    const notAllowed = /not allowed|allowed-gadgets|disallow/i.test(message);
    return new SourceError({
      level: 'error',
      code: notAllowed ? 'gadget_not_allowed' : 'attach_failed',
      message: notAllowed
        ? `Inspektor Gadget refused ${this.options.image}: ${message}. Allow it in the gadget daemon's configuration (operator.oci.allowed-gadgets) or install Inspektor Gadget with its defaults.`
        : `Inspektor Gadget could not trace ${this.target.label}: ${message}`,
    });
  }

  /** The stream ended: fine when we stopped it, an interruption otherwise. */
  private finish(error?: unknown): void {
    if (this.stopping) return;
    const why =
      error instanceof GrpcError || error instanceof Error
        ? error.message
        : 'the gadget stream ended';
    this.resolveEnded({
      level: 'error',
      code: 'interrupted',
      message: `The trace of ${this.target.label} was cut off: ${why}. Data up to then is kept.`,
    });
  }
}

function normalize(v: string): string {
  return v.trim().replace(/^v/, '');
}
