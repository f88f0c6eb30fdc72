import fc from 'fast-check';
import { AllocEvent, MemOp } from '../sources/types';
import { HeapLedger } from './HeapLedger';

const A = 0x55d0c0a00000;
const ev = (
  op: MemOp,
  addr: number,
  size: number,
  ms: number,
  stackKey = '0x401000; ',
  seq?: number,
): AllocEvent => ({ op, addr, size, timestampNs: ms * 1e6, stackKey, seq });

const ALLOC_OPS = [
  MemOp.malloc,
  MemOp.calloc,
  MemOp.realloc,
  MemOp.posix_memalign,
  MemOp.aligned_alloc,
  MemOp.valloc,
  MemOp.memalign,
  MemOp.pvalloc,
];

describe('HeapLedger', () => {
  it('agrees with a plain model on every total and every stack', () => {
    const step = fc.record({
      kind: fc.constantFrom('alloc', 'free', 'realloc', 'mmap', 'munmap'),
      op: fc.constantFrom(...ALLOC_OPS),
      slot: fc.integer({ min: 0, max: 40 }),
      size: fc.integer({ min: 1, max: 1 << 20 }),
      stack: fc.integer({ min: 0, max: 4 }),
      dt: fc.integer({ min: 0, max: 3000 }),
    });
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 400, size: 'max' }),
        fc.integer({ min: 0, max: 20_000 }),
        (steps, minAgeMs) => {
          const ledger = new HeapLedger({ initialCapacity: 16 });
          const live = new Map<
            number,
            { size: number; stack: string; ms: number }
          >();
          const maps = new Map<number, number>();
          let ms = 1_000_000;
          let allocs = 0;
          let frees = 0;
          let unknown = 0;
          const alloc = (
            op: MemOp,
            addr: number,
            size: number,
            stack: string,
          ) => {
            ledger.add(ev(op, addr, size, ms, stack));
            live.set(addr, { size, stack, ms });
            allocs++;
          };
          const free = (op: MemOp, addr: number) => {
            ledger.add(ev(op, addr, 0, ms, 'ignored'));
            if (live.delete(addr)) frees++;
            else unknown++;
          };
          for (const s of steps) {
            ms += s.dt;
            const addr = A + s.slot * 64;
            const stack = `0x40${s.stack}000; `;
            if (s.kind === 'alloc') alloc(s.op, addr, s.size, stack);
            else if (s.kind === 'free') free(MemOp.free, addr);
            else if (s.kind === 'realloc') {
              // realloc emits the old pointer at entry and the new one at return.
              free(MemOp.realloc_free, addr);
              alloc(
                MemOp.realloc,
                A + ((s.slot * 7 + 3) % 41) * 64,
                s.size,
                stack,
              );
            } else if (s.kind === 'mmap') {
              ledger.add(ev(MemOp.mmap, addr + 0x10000000, s.size, ms));
              maps.set(addr, s.size);
            } else {
              ledger.add(ev(MemOp.munmap, addr + 0x10000000, 0, ms));
              maps.delete(addr);
            }
          }

          const snap = ledger.snapshot(ms, minAgeMs);
          const sum = (xs: Iterable<number>) =>
            [...xs].reduce((a, b) => a + b, 0);
          const vals = [...live.values()];
          const aged = vals.filter(v => v.ms <= ms - minAgeMs);
          expect(snap.outstandingBytes).toBe(sum(vals.map(v => v.size)));
          expect(snap.outstandingCount).toBe(live.size);
          expect(snap.agedBytes).toBe(sum(aged.map(v => v.size)));
          expect(snap.agedCount).toBe(aged.length);
          expect(snap.mmapBytes).toBe(sum(maps.values()));
          expect(snap.allocs).toBe(allocs);
          expect(snap.lostEvents).toBe(0);
          expect(snap.frees).toBe(frees);
          // Every allocation is live, freed, or replaced at its address.
          expect(ledger.stats.reusedAddresses).toBe(allocs - frees - live.size);
          expect(ledger.stats.unknownFrees).toBe(unknown);

          const stacks = new Set(vals.map(v => v.stack));
          expect(snap.stacks.map(s => s.key).sort()).toEqual(
            [...stacks].sort(),
          );
          for (const s of snap.stacks) {
            const mine = vals.filter(v => v.stack === s.key);
            const mineAged = aged.filter(v => v.stack === s.key);
            expect(s.outstandingBytes).toBe(sum(mine.map(v => v.size)));
            expect(s.outstandingCount).toBe(mine.length);
            expect(s.agedBytes).toBe(sum(mineAged.map(v => v.size)));
            expect(s.agedCount).toBe(mineAged.length);
          }
          for (let i = 1; i < snap.stacks.length; i++) {
            expect(snap.stacks[i - 1].agedBytes).toBeGreaterThanOrEqual(
              snap.stacks[i].agedBytes,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ignores frees of addresses it never saw, but counts them', () => {
    const ledger = new HeapLedger();
    ledger.add(ev(MemOp.malloc, A, 100, 0));
    ledger.add(ev(MemOp.free, A + 4096, 0, 1));
    ledger.add(ev(MemOp.free, 0, 0, 2)); // free(NULL) is no event of interest
    const snap = ledger.snapshot(3, 0);
    expect(snap.outstandingBytes).toBe(100);
    expect(snap.frees).toBe(0);
    expect(ledger.stats.unknownFrees).toBe(1);
  });

  it('moves a block on realloc and skips failed allocations', () => {
    const ledger = new HeapLedger();
    ledger.add(ev(MemOp.malloc, A, 100, 0, 'a'));
    ledger.add(ev(MemOp.realloc_free, A, 0, 1));
    ledger.add(ev(MemOp.realloc, A + 512, 300, 1, 'b'));
    ledger.add(ev(MemOp.malloc, 0, 1 << 30, 2, 'c'));
    const snap = ledger.snapshot(2, 0);
    expect(snap.outstandingBytes).toBe(300);
    expect(snap.stacks.map(s => [s.key, s.outstandingBytes, s.frees])).toEqual([
      ['b', 300, 0],
    ]);
    expect(snap.allocs).toBe(2);
    expect(snap.frees).toBe(1);
  });

  it('keeps mmap apart from the heap', () => {
    const ledger = new HeapLedger();
    // glibc: a 1 MiB malloc is served by mmap, and both probes fire.
    ledger.add(ev(MemOp.mmap, 0x7f0000000000, (1 << 20) + 4096, 0));
    ledger.add(ev(MemOp.malloc, 0x7f0000000010, 1 << 20, 0));
    ledger.add(ev(MemOp.munmap, 0x7e0000000000, 0, 1)); // mapped before the trace
    let snap = ledger.snapshot(1, 0);
    expect(snap.outstandingBytes).toBe(1 << 20);
    expect(snap.mmapBytes).toBe((1 << 20) + 4096);
    ledger.add(ev(MemOp.free, 0x7f0000000010, 0, 2));
    ledger.add(ev(MemOp.munmap, 0x7f0000000000, 0, 2));
    snap = ledger.snapshot(2, 0);
    expect([snap.outstandingBytes, snap.mmapBytes]).toEqual([0, 0]);
  });

  it('drops allocations past its cap and counts them as lost', () => {
    const ledger = new HeapLedger({ maxLiveAllocations: 3 });
    for (let i = 0; i < 5; i++) ledger.add(ev(MemOp.malloc, A + i * 64, 10, i));
    expect(ledger.overflowed).toBe(true);
    expect(ledger.lostEvents).toBe(2);
    // Reusing a live address needs no room; a free makes room.
    ledger.add(ev(MemOp.malloc, A, 20, 6));
    ledger.add(ev(MemOp.free, A + 64, 0, 7));
    ledger.add(ev(MemOp.malloc, A + 9 * 64, 30, 8));
    const snap = ledger.snapshot(9, 0);
    expect(snap.outstandingCount).toBe(3);
    expect(snap.outstandingBytes).toBe(20 + 10 + 30);
    expect(snap.lostEvents).toBe(2);
    expect(ledger.stats.lostOverflow).toBe(2);
  });

  it('counts sequence gaps and reported losses as lost events', () => {
    const ledger = new HeapLedger();
    for (const seq of [1, 2, 5, 6, 6, 4, 10]) {
      ledger.add(ev(MemOp.malloc, A + seq * 64, 1, seq, 'x', seq));
    }
    expect(ledger.stats.lostSequenceGaps).toBe(2 + 3);
    ledger.addLost(7);
    expect(ledger.snapshot(11, 0).lostEvents).toBe(12);
  });

  it('counts an allocation as aged once it is minAge old', () => {
    const ledger = new HeapLedger();
    ledger.add(ev(MemOp.malloc, A, 1000, 5_000, 'old'));
    ledger.add(ev(MemOp.malloc, A + 64, 10, 14_000, 'young'));
    expect(ledger.snapshot(14_999, 10_000).agedBytes).toBe(0);
    const snap = ledger.snapshot(15_000, 10_000);
    expect([snap.agedBytes, snap.agedCount]).toEqual([1000, 1]);
    expect(snap.stacks.map(s => s.key)).toEqual(['old', 'young']);
    expect(ledger.snapshot(15_000, 10_000, { top: 1 }).stacks).toHaveLength(1);
    // Before the first event nothing can be aged.
    expect(new HeapLedger().snapshot(0, 0).stacks).toEqual([]);
  });

  it('uses registered frames, else parses the key', () => {
    const ledger = new HeapLedger();
    const frames = [{ address: '0x401a', symbol: 'leak_fn' }];
    const id = ledger.registerStack('0x401a; ', frames);
    ledger.record(MemOp.malloc, A, 1, 0, id);
    ledger.add(ev(MemOp.malloc, A + 64, 2, 0, '0x0000000000402b; '));
    const byKey = Object.fromEntries(
      ledger.snapshot(0, 0).stacks.map(s => [s.key, s.frames]),
    );
    expect(byKey['0x401a; ']).toBe(frames);
    expect(byKey['0x0000000000402b; ']).toEqual([{ address: '0x402b' }]);
  });
});
