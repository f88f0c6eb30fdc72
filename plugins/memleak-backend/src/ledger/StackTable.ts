import type { StackFrame } from '@internal/plugin-memleak-common';
import { framesFromIgUstack } from './igUstack';

/**
 * Call stacks interned to small integers, with their running aggregates.
 *
 * A source names a stack by a string (trace_malloc's `ustack.addresses`); the
 * ledger only ever stores the integer, so a live allocation costs 4 bytes of
 * stack identity whatever the stack's depth.
 */
export class StackTable {
  private readonly ids = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly frames: Array<StackFrame[] | undefined> = [];
  /** Per stack id; grown by doubling. */
  outstandingBytes = new Float64Array(64);
  outstandingCount = new Float64Array(64);
  allocs = new Float64Array(64);
  frees = new Float64Array(64);

  get size(): number {
    return this.keys.length;
  }

  /** Id of `key`, interning it on first sight. */
  intern(key: string): number {
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const id = this.keys.length;
    this.ids.set(key, id);
    this.keys.push(key);
    this.frames.push(undefined);
    if (id >= this.allocs.length) this.grow();
    return id;
  }

  /** Attaches symbolized frames to a stack (first registration wins). */
  register(key: string, frames: StackFrame[]): number {
    const id = this.intern(key);
    if (!this.frames[id]) this.frames[id] = frames;
    return id;
  }

  keyOf(id: number): string {
    return this.keys[id];
  }

  /** Registered frames, else frames parsed from the key itself. */
  framesOf(id: number): StackFrame[] {
    let frames = this.frames[id];
    if (!frames) {
      frames = framesFromIgUstack(this.keys[id], '');
      this.frames[id] = frames;
    }
    return frames;
  }

  private grow(): void {
    const n = this.allocs.length * 2;
    this.outstandingBytes = resized(this.outstandingBytes, n);
    this.outstandingCount = resized(this.outstandingCount, n);
    this.allocs = resized(this.allocs, n);
    this.frees = resized(this.frees, n);
  }
}

function resized(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
