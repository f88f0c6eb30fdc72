import {
  Disagreement,
  ReportedTarget,
  TraceDetail,
  formatBytes,
  formatDuration,
} from '@internal/plugin-memleak-common';

/**
 * The one sentence the product exists for: the service says it is fine while
 * the kernel watches its heap grow. Only said when both halves are true.
 */
export function findDisagreement(
  reported: ReportedTarget[],
  trace: TraceDetail | undefined,
): Disagreement | undefined {
  if (!trace || (trace.verdict !== 'growing' && trace.verdict !== 'leak')) {
    return undefined;
  }
  const healthy = reported.filter(r => r.health.state === 'healthy');
  if (healthy.length === 0) return undefined;
  const first = trace.snapshots[0];
  const last = trace.snapshots[trace.snapshots.length - 1];
  if (!first || !last) return undefined;
  const grew = last.outstandingBytes - first.outstandingBytes;
  const where = trace.topFrame ? ` in ${trace.topFrame}` : '';
  const claim =
    healthy[0].memory.bytes !== undefined
      ? ` and ${formatBytes(healthy[0].memory.bytes)} of memory`
      : '';
  return {
    message:
      `Reports healthy${claim} — heap grew ${formatBytes(grew)} in ` +
      `${formatDuration(last.t - first.t)}${where} (${trace.verdict}).`,
  };
}
