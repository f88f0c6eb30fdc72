/**
 * Live allocations keyed by address, stored column-wise in typed arrays.
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones, so probe lengths stay short under constant malloc/free churn).
 * One slot costs 24 bytes (address, size, age tick, stack id); the table
 * doubles at 3/4 load, so a live allocation costs 32–64 bytes. Nothing here
 * allocates per entry, which keeps the garbage collector out of the hot path.
 */

const EMPTY = 0; // address 0 is never a live allocation
const MAX_LOAD = 0.75;
const TWO_POW_32 = 4294967296;

export class AddressTable {
  /** Slot columns; read directly by the ledger's snapshot loop. */
  keys: Float64Array;
  sizes: Float64Array;
  /** Allocation time in ledger ticks (ms since the ledger's epoch). */
  ticks: Uint32Array;
  stacks: Uint32Array;
  count = 0;
  private mask: number;
  private growAt: number;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
    this.ticks = new Uint32Array(capacity);
    this.stacks = new Uint32Array(capacity);
    this.mask = capacity - 1;
    this.growAt = Math.floor(capacity * MAX_LOAD);
  }

  get capacity(): number {
    return this.keys.length;
  }

  /** Bytes held by the columns. */
  get byteSize(): number {
    return this.capacity * 24;
  }

  /** Slot of `addr`, or -1. */
  find(addr: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = slotOf(addr, mask);
    for (;;) {
      const k = keys[i];
      if (k === addr) return i;
      if (k === EMPTY) return -1;
      i = (i + 1) & mask;
    }
  }

  /**
   * Slot for `addr`: a fresh slot (≥ 0, key set, columns to be filled by the
   * caller) or, when the address is already live, `~slot` (negative).
   */
  claim(addr: number): number {
    if (this.count >= this.growAt) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    let i = slotOf(addr, mask);
    for (;;) {
      const k = keys[i];
      if (k === EMPTY) {
        keys[i] = addr;
        this.count++;
        return i;
      }
      if (k === addr) return ~i;
      i = (i + 1) & mask;
    }
  }

  /** Empties `slot`, shifting later members of its probe run back. */
  remove(slot: number): void {
    const keys = this.keys;
    const mask = this.mask;
    let hole = slot;
    let i = (slot + 1) & mask;
    for (;;) {
      const k = keys[i];
      if (k === EMPTY) break;
      const home = slotOf(k, mask);
      // Move `i` into the hole when its home is not cyclically in (hole, i].
      const distToI = (i - home) & mask;
      const distToHole = (hole - home) & mask;
      if (distToHole < distToI) {
        keys[hole] = k;
        this.sizes[hole] = this.sizes[i];
        this.ticks[hole] = this.ticks[i];
        this.stacks[hole] = this.stacks[i];
        hole = i;
      }
      i = (i + 1) & mask;
    }
    keys[hole] = EMPTY;
    this.count--;
  }

  private grow(): void {
    const { keys, sizes, ticks, stacks } = this;
    const capacity = keys.length * 2;
    this.keys = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
    this.ticks = new Uint32Array(capacity);
    this.stacks = new Uint32Array(capacity);
    this.mask = capacity - 1;
    this.growAt = Math.floor(capacity * MAX_LOAD);
    const mask = this.mask;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j];
      if (k === EMPTY) continue;
      let i = slotOf(k, mask);
      while (this.keys[i] !== EMPTY) i = (i + 1) & mask;
      this.keys[i] = k;
      this.sizes[i] = sizes[j];
      this.ticks[i] = ticks[j];
      this.stacks[i] = stacks[j];
    }
  }
}

/**
 * Home slot of an address. Heap addresses share their high bits and are
 * 16-byte aligned, so both halves go through a murmur3-style finalizer.
 */
function slotOf(addr: number, mask: number): number {
  const lo = addr >>> 0;
  const hi = (addr / TWO_POW_32) >>> 0;
  let h = lo ^ Math.imul(hi, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & mask;
}
