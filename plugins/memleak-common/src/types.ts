/**
 * Types of the memleak HTTP API (`/api/memleak`) and of `memleak-trace --json`.
 * Sizes are bytes, rates bytes per second, times ISO-8601 strings unless the
 * field name says otherwise.
 */

/**
 * What the kernel's view of the heap says.
 * - `stable`: no sustained growth of memory any call stack keeps.
 * - `growing`: a stack's kept memory is growing; not (yet) enough evidence for a leak.
 * - `leak`: sustained growth of memory one call stack keeps: never freed, freed only
 *   while young (a partial leak), or one block grown by realloc.
 * - `inconclusive`: too little data, lost events, or the tracer could not attach.
 * @public
 */
export type Verdict = 'stable' | 'growing' | 'leak' | 'inconclusive';

/** @public */
export const VERDICTS: readonly Verdict[] = [
  'stable',
  'growing',
  'leak',
  'inconclusive',
];

/**
 * - `running`: probes attached, snapshots arriving.
 * - `completed`: ran for its whole duration.
 * - `stopped`: stopped by a user before its duration.
 * - `failed`: could not attach, or the source failed; see notices.
 * - `interrupted`: the backend stopped while the trace ran.
 * - `target_exited`: the traced process went away; data up to then is kept.
 * @public
 */
export type TraceStatus =
  | 'running'
  | 'completed'
  | 'stopped'
  | 'failed'
  | 'interrupted'
  | 'target_exited';

/** @public */
export type NoticeCode =
  | 'ebpf_unavailable'
  | 'attach_failed'
  | 'unsupported_target'
  | 'target_not_found'
  | 'target_exited'
  | 'lost_events'
  | 'ledger_overflow'
  | 'interrupted'
  | 'source_error'
  | 'cluster_unreachable'
  | 'gadget_missing'
  | 'gadget_not_allowed'
  | 'gadget_version_skew'
  | 'rbac_denied'
  | 'stacks_lost'
  | 'metrics_unavailable';

/** Something the user should know about a trace or report. @public */
export interface Notice {
  level: 'info' | 'warning' | 'error';
  code: NoticeCode;
  message: string;
  at: string;
}

/** One frame of a symbolized user stack. @public */
export interface StackFrame {
  /** Absolute address, hex (`0x…`). */
  address: string;
  /** Function name, when the module has symbols. */
  symbol?: string;
  /** Offset from the symbol's start. */
  offset?: number;
  /** Basename of the mapped file (`leaker`, `libc.so.6`). */
  module?: string;
}

/**
 * A call stack that keeps memory. `frames[0]` is the function that called the
 * allocator (the first frame outside libc); later frames are its callers.
 * @public
 */
export interface StackSummary {
  /** Stable within a trace. */
  id: string;
  frames: StackFrame[];
  /** Allocations from this stack still live at the last snapshot. */
  outstandingBytes: number;
  outstandingCount: number;
  /** Of those, the ones older than the minimum age. */
  agedBytes: number;
  agedCount: number;
  /** Allocations and frees from this stack since the trace started. */
  allocs: number;
  frees: number;
  /**
   * Robust slope, over the verdict window, of the bytes its verdict is about:
   * aged bytes, or live bytes for a stack that keeps all it allocates or
   * grows a block in place.
   */
  growthBytesPerSec: number;
  verdict: Verdict;
  reason: string;
}

/** One point of a trace's time series, taken every snapshot interval. @public */
export interface HeapSnapshot {
  /** Seconds since the trace started. */
  t: number;
  at: string;
  /** Live heap allocations (malloc family) made since the trace started. */
  outstandingBytes: number;
  outstandingCount: number;
  /** Of those, the ones older than the minimum age. */
  agedBytes: number;
  /** Live anonymous mmap'd bytes seen through mmap/munmap, kept apart from the heap. */
  mmapBytes: number;
  /** Cumulative counts since trace start. */
  allocs: number;
  frees: number;
  lostEvents: number;
  /** Resident memory of the traced process or container, when known. */
  rssBytes?: number;
  /** The service's own memory metric at the same time, when it reports one. */
  reportedBytes?: number;
}

/** Where a trace runs. @public */
export interface TraceTarget {
  kind: 'local' | 'kubernetes';
  /** Human label: `pid 4242 (leaker)` or `memleak-demo/leaker-7d9c…/leaker`. */
  label: string;
  pid?: number;
  cluster?: string;
  namespace?: string;
  pod?: string;
  container?: string;
}

/** @public */
export interface TraceSummary {
  id: string;
  entityRef: string;
  target: TraceTarget;
  status: TraceStatus;
  startedAt: string;
  endedAt?: string;
  /** Requested duration. */
  durationSec: number;
  elapsedSec: number;
  verdict: Verdict;
  reason: string;
  growthBytesPerSec: number;
  outstandingBytes: number;
  /** `frames[0].symbol` of the top stack, for one-line displays. */
  topFrame?: string;
  createdBy?: string;
  /** Shared by the traces one request started, e.g. one per pod of a Kubernetes entity. */
  groupId?: string;
}

/** @public */
export interface TraceDetail extends TraceSummary {
  snapshots: HeapSnapshot[];
  /** Top stacks by aged bytes, worst verdict first. */
  stacks: StackSummary[];
  notices: Notice[];
}

/** A probe-like HTTP check of the service's own endpoint. @public */
export interface EndpointCheck {
  url: string;
  /** `healthy` = 2xx; `unhealthy` = answered otherwise; `unreachable` = no answer. */
  state: 'healthy' | 'unhealthy' | 'unreachable';
  httpStatus?: number;
  /** `status` field of a JSON body, when present. */
  reportedStatus?: string;
  latencyMs?: number;
  error?: string;
}

/** The service's self-reported memory metric. @public */
export interface ReportedMemory {
  url: string;
  metric: string;
  /** Value in bytes; absent when the metric is missing or unreachable. */
  bytes?: number;
  /** Other memory-looking gauges the service exposes (`memory_usage_percent`…). */
  otherGauges: Array<{ name: string; value: number }>;
  error?: string;
}

/** What one target (process or pod) says about itself. @public */
export interface ReportedTarget {
  name: string;
  health: EndpointCheck;
  /**
   * The readiness endpoint, as memleak called it: local processes only. On
   * Kubernetes the kubelet probes readiness; its result is `PodTarget.ready`.
   */
  ready?: EndpointCheck;
  memory: ReportedMemory;
}

/** What the kernel says about one target's memory, right now. @public */
export interface KernelTarget {
  name: string;
  source: 'proc' | 'metrics.k8s.io';
  pid?: number;
  /** Resident set (process) or working set (container). */
  rssBytes?: number;
  /** Size of the `[heap]` mapping plus anonymous mappings, when read from /proc. */
  heapBytes?: number;
  error?: string;
}

/** A pod an entity runs as (Kubernetes entities), as its cluster describes it. @public */
export interface PodTarget {
  name: string;
  cluster: string;
  namespace: string;
  node?: string;
  /** `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`. */
  phase?: string;
  containers: string[];
  /** The container a trace watches (`memleak.dev/container`, else the first). */
  container: string;
  /** Restarts of all its containers. */
  restarts: number;
  /** The pod's `Ready` condition: its readiness probes as the kubelet last saw them. */
  ready?: boolean;
  /** The most recent container termination, e.g. `OOMKilled`. */
  lastTermination?: { reason: string; exitCode?: number; at?: string };
  /** Of the traced container. */
  memoryRequestBytes?: number;
  memoryLimitBytes?: number;
  startedAt?: string;
}

/** Whether traces can be started for this entity, and why not. @public */
export interface TraceCapability {
  available: boolean;
  /** Why not, and what to do about it. */
  reason?: string;
  /** Backend-wide default and maximum durations. */
  defaultDurationSec: number;
  maxDurationSec: number;
  /** Shortest trace this backend accepts: the least that can reach a verdict. */
  minDurationSec: number;
}

/** Where the reported and observed views disagree. @public */
export interface Disagreement {
  message: string;
}

/** Everything the entity card shows. @public */
export interface MemleakReport {
  entityRef: string;
  generatedAt: string;
  /** `local` for the local portal's processes, `kubernetes` for pods. */
  mode: 'local' | 'kubernetes';
  reported: ReportedTarget[];
  kernel: KernelTarget[];
  /** Kubernetes entities: the pods it selects, in every cluster that answered. */
  pods?: PodTarget[];
  capability: TraceCapability;
  latestTrace?: TraceDetail;
  /**
   * The traces started together with the latest one (one per pod when a
   * Kubernetes entity is traced across its pods), latest trace included.
   */
  latestGroup?: TraceSummary[];
  disagreement?: Disagreement;
  notices: Notice[];
}

/** Body of `POST /traces`. @public */
export interface StartTraceRequest {
  entityRef: string;
  durationSec?: number;
  /** Target name from the report; default: the first target. */
  target?: string;
}

/** Output of `memleak-trace --json` (version 1). @public */
export interface CliTraceReport {
  version: 1;
  /** `--pid`: the process traced. */
  pid?: number;
  /** `--pod`: the pod traced (through its cluster's Inspektor Gadget). */
  pod?: { cluster: string; namespace: string; name: string; container: string };
  durationSec: number;
  intervalSec: number;
  status: TraceStatus;
  verdict: Verdict;
  reason: string;
  growthBytesPerSec: number;
  outstandingBytes: number;
  snapshots: HeapSnapshot[];
  stacks: StackSummary[];
  notices: Notice[];
}

/** A pod's time to OOM, as the fleet page lists it. @public */
export interface FleetOom {
  /** The pod that hits its limit first. */
  pod: string;
  limitBytes: number;
  sec: number;
  soonestSec: number;
  latestSec: number;
}

/** One traceable entity on the fleet page (`GET /fleet`). @public */
export interface FleetEntity {
  entityRef: string;
  /** `metadata.title`, else the name. */
  title: string;
  /** Ref of the owner (`group:default/team-a`), as the catalog relates it. */
  ownerRef?: string;
  mode: 'local' | 'kubernetes';
  /** The latest trace, or its group (one trace per pod) summed up. */
  latest?: {
    traceId: string;
    startedAt: string;
    status: TraceStatus;
    verdict: Verdict;
    growthBytesPerSec: number;
    traced: number;
    growing: number;
  };
  /** Where memory grows toward a limit; the soonest pod. */
  oom?: FleetOom;
}

/** Body of `GET /fleet`: every entity the backend can trace that the caller may read. @public */
export interface FleetResponse {
  items: FleetEntity[];
}
