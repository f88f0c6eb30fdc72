import type { StackFrame } from './types';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1536` → `1.5 KiB`. @public */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  const sign = bytes < 0 ? '-' : '';
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = u === 0 || v >= 100 ? 0 : 1;
  return `${sign}${v.toFixed(digits)} ${UNITS[u]}`;
}

/** Bytes per second as MiB/min, the unit people read leaks in. @public */
export function formatRate(bytesPerSec: number): string {
  const perMin = (bytesPerSec * 60) / (1024 * 1024);
  const sign = perMin > 0 ? '+' : '';
  return `${sign}${perMin.toFixed(Math.abs(perMin) >= 10 ? 0 : 1)} MiB/min`;
}

/** `leak_memory_chunk+0x1a (leaker)` or the address when unsymbolized. @public */
export function formatFrame(frame: StackFrame): string {
  const name = frame.symbol
    ? `${frame.symbol}${frame.offset ? `+0x${frame.offset.toString(16)}` : ''}`
    : frame.address;
  return frame.module ? `${name} (${frame.module})` : name;
}

/** Seconds as `45 s`, `3 min`, `1 h 5 min`. @public */
export function formatDuration(sec: number): string {
  const s = Math.round(sec);
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
