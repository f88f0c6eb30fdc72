import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';

/** The tracer's source directory and what `make … test-targets` builds in it. */
export const TRACER_DIR = resolvePackagePath(
  '@internal/plugin-memleak-backend',
  'tracer',
);
export const TRACER_BIN = path.join(TRACER_DIR, 'build/memleak-tracer');
export const HEAP_TARGET = path.join(TRACER_DIR, 'build/heap-target');
export const HEAP_TARGET_STATIC = path.join(
  TRACER_DIR,
  'build/heap-target-static',
);

/**
 * Runs make in the tracer directory, one at a time across jest workers
 * (flock): two makes writing the same objects would corrupt them.
 */
export function makeTracer(...targets: string[]): string {
  const lock = path.join(os.tmpdir(), 'memleak-tracer-make.lock');
  return execFileSync(
    'flock',
    [lock, 'make', '-s', '-C', TRACER_DIR, ...targets],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** Builds the tracer and the programs it is tested on (make is incremental). */
export function buildTracerAndTargets(): void {
  makeTracer('all', 'test-targets');
}

/**
 * These tests attach real uprobes: without the privilege they must fail,
 * not pass vacuously.
 */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'kernel tests need root (eBPF uprobes): run them as root, as CI does, or with CAP_BPF+CAP_PERFMON via sudo',
    );
  }
}
