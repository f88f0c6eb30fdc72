import {
  TRACE_DURATION_BOUNDS,
  type TraceCapability,
} from '@internal/plugin-memleak-common';

// Starts at a minute: shorter traces rarely hold enough data for a verdict.
const COMMON_DURATIONS_SEC = [60, 120, 300, 600, 900, 1800, 3600];

/**
 * Durations to offer: common ones up to the backend's maximum, plus its
 * default and maximum themselves, in ascending order.
 */
export function durationChoices(capability: TraceCapability): number[] {
  const max = Math.min(capability.maxDurationSec, TRACE_DURATION_BOUNDS.maxSec);
  const all = new Set(
    [
      ...COMMON_DURATIONS_SEC,
      capability.defaultDurationSec,
      capability.maxDurationSec,
    ].filter(d => d >= TRACE_DURATION_BOUNDS.minSec && d <= max),
  );
  return [...all].sort((a, b) => a - b);
}
