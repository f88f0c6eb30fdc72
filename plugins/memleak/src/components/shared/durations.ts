import {
  TRACE_DURATION_BOUNDS,
  type TraceCapability,
} from '@internal/plugin-memleak-common';

// Starts at a minute: a trace needs ~30 s to reach any verdict, and a minute
// more for `leak`.
const COMMON_DURATIONS_SEC = [60, 120, 300, 600, 900, 1800, 3600];

/**
 * Durations to offer: common ones up to the backend's maximum, plus its
 * default and maximum themselves, in ascending order — never one shorter
 * than the backend's minimum (it would refuse it: too short for a verdict).
 */
export function durationChoices(capability: TraceCapability): number[] {
  const min = Math.max(capability.minDurationSec, TRACE_DURATION_BOUNDS.minSec);
  const max = Math.min(capability.maxDurationSec, TRACE_DURATION_BOUNDS.maxSec);
  const all = new Set(
    [
      ...COMMON_DURATIONS_SEC,
      capability.defaultDurationSec,
      capability.maxDurationSec,
    ].filter(d => d >= min && d <= max),
  );
  return [...all].sort((a, b) => a - b);
}
