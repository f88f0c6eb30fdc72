import {
  CliTraceReport,
  formatBytes,
  formatFrame,
  formatRate,
} from '@internal/plugin-memleak-common';
import type { SessionUpdate } from '../trace/TraceSession';

/** One progress line per snapshot, for stderr. */
export function progressLine(u: SessionUpdate, durationSec: number): string {
  const s = u.snapshot;
  const lost = s.lostEvents ? `  (${s.lostEvents} lost)` : '';
  return [
    `[${u.elapsedSec.toFixed(0).padStart(4)}s/${durationSec}s]`,
    `outstanding ${formatBytes(s.outstandingBytes).padStart(9)}`,
    `aged ${formatBytes(s.agedBytes).padStart(9)}`,
    `${formatRate(u.growthBytesPerSec).padStart(13)}  ${u.verdict}${lost}`,
  ].join('  ');
}

/** The human report printed at the end. */
export function renderReport(r: CliTraceReport): string {
  const lines = [
    `${subject(r)}: ${r.verdict.toUpperCase()} — ${r.reason}`,
    `status ${r.status}, ${r.snapshots.length} snapshots every ${r.intervalSec} s`,
    `outstanding heap ${formatBytes(r.outstandingBytes)}, growth ${formatRate(
      r.growthBytesPerSec,
    )}`,
  ];
  for (const n of r.notices) lines.push(`${n.level}: ${n.message}`);
  r.stacks.forEach((s, i) => {
    lines.push(
      '',
      `#${i + 1} ${s.verdict} ${formatBytes(s.agedBytes)} aged in ${
        s.agedCount
      } allocations, ` +
        `${formatRate(s.growthBytesPerSec)}, ${s.allocs} allocs / ${
          s.frees
        } frees`,
      `   ${s.reason}`,
      ...s.frames.map(f => `     ${formatFrame(f)}`),
    );
  });
  return lines.join('\n');
}

function subject(r: CliTraceReport): string {
  if (!r.pod) return `pid ${r.pid}`;
  const { cluster, namespace, name, container } = r.pod;
  return `pod ${cluster}/${namespace}/${name} (${container})`;
}
