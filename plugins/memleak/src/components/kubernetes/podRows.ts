import {
  formatBytes,
  formatDuration,
  podOomOutlook,
  type KernelTarget,
  type MemleakReport,
  type OomOutlook,
  type PodTarget,
  type ReportedTarget,
  type TraceDetail,
  type TraceSummary,
  type TraceTarget,
} from '@internal/plugin-memleak-common';

/** One pod: what it says, what the kernel sees, its trace and where its memory heads. */
export interface PodRow {
  pod: PodTarget;
  reported?: ReportedTarget;
  kernel?: KernelTarget;
  /** Its trace in the latest group, with details when they have arrived. */
  trace?: TraceSummary | TraceDetail;
  outlook: OomOutlook;
}

/** Whether a trace target is this pod (names repeat across clusters). */
export const tracesPod = (target: TraceTarget, pod: PodTarget) =>
  target.pod === pod.name &&
  target.namespace === pod.namespace &&
  target.cluster === pod.cluster;

const hasDetails = (t: TraceSummary | TraceDetail): t is TraceDetail =>
  'snapshots' in t;

/** The latest request's traces: its group (one per pod), or the latest trace alone. */
export const latestStreams = (report: MemleakReport): TraceSummary[] =>
  report.latestGroup ?? (report.latestTrace ? [report.latestTrace] : []);

/** The report's pods joined with their side of everything else. */
export function podRows(
  report: MemleakReport,
  details: TraceDetail[],
): PodRow[] {
  const group = latestStreams(report);
  return (report.pods ?? []).map(pod => {
    const summary = group.find(t => tracesPod(t.target, pod));
    const trace = details.find(d => d.id === summary?.id) ?? summary;
    const kernel = report.kernel.find(k => k.name === pod.name);
    return {
      pod,
      reported: report.reported.find(r => r.name === pod.name),
      kernel,
      trace,
      outlook: podOomOutlook(
        pod,
        trace && hasDetails(trace) ? trace : undefined,
        kernel,
      ),
    };
  });
}

/** `~23 min (22 min–24 min)`: the time at this rate, and the range the data allows. */
export function formatTimeToLimit(outlook: {
  sec: number;
  soonestSec: number;
  latestSec: number;
}): string {
  if (outlook.sec === 0) return 'now';
  const range = [outlook.soonestSec, outlook.latestSec].map(formatDuration);
  const spread = range[0] === range[1] ? '' : ` (${range.join('–')})`;
  return `~${formatDuration(outlook.sec)}${spread}`;
}

/** The outlook in a few words, for a table cell. */
export function describeOutlook(outlook: OomOutlook): string {
  switch (outlook.kind) {
    case 'hits-limit':
      return `${formatTimeToLimit(outlook)} to the ${formatBytes(
        outlook.limitBytes,
      )} limit`;
    case 'not-growing':
      return 'not growing';
    case 'unknown-usage':
      return 'growing; working set unknown';
    case 'no-data':
      return 'not traced yet';
    default:
      return 'no memory limit';
  }
}
