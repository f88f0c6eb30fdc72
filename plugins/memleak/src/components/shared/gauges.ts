import { formatBytes } from '@internal/plugin-memleak-common';

/** Shows a gauge in its own unit, guessed from the Prometheus naming convention. */
export function formatGauge(name: string, value: number): string {
  if (name.endsWith('_bytes')) return formatBytes(value);
  if (name.endsWith('_percent')) return `${value} %`;
  if (name.endsWith('_ratio')) return `${Math.round(value * 1000) / 10} %`;
  return String(value);
}
