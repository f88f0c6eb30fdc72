import fc from 'fast-check';
import { AddressTable } from './AddressTable';

describe('AddressTable', () => {
  it('behaves like a Map under any mix of inserts and deletes', () => {
    // Few distinct addresses in a small table: long probe runs, many
    // wrap-arounds and backward shifts, several growths.
    const addr = fc
      .integer({ min: 1, max: 300 })
      .map(i => 0x7f0000000000 + i * 16);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), addr), {
          maxLength: 2000,
          size: 'max',
        }),
        ops => {
          const table = new AddressTable(16);
          const model = new Map<number, number>();
          const wrong: string[] = [];
          let n = 0;
          for (const [insert, a] of ops) {
            if (insert) {
              const slot = table.claim(a);
              if (slot < 0 !== model.has(a)) wrong.push(`claim ${a}`);
              table.sizes[slot < 0 ? ~slot : slot] = ++n;
              model.set(a, n);
              continue;
            }
            const slot = table.find(a);
            if (slot >= 0 !== model.has(a)) wrong.push(`find ${a}`);
            if (slot < 0) continue;
            if (table.sizes[slot] !== model.get(a)) wrong.push(`size ${a}`);
            table.remove(slot);
            model.delete(a);
          }
          for (const [a, size] of model) {
            if (table.sizes[table.find(a)] !== size) wrong.push(`kept ${a}`);
          }
          expect(wrong).toEqual([]);
          expect(table.count).toBe(model.size);
        },
      ),
    );
  });

  it('keeps the load at or below 3/4 and costs 24 bytes a slot', () => {
    const table = new AddressTable(16);
    for (let i = 1; i <= 10_000; i++) table.claim(i * 4096);
    expect(table.count).toBe(10_000);
    expect(table.count / table.capacity).toBeLessThanOrEqual(0.75);
    expect(table.byteSize / table.count).toBeLessThanOrEqual(64);
  });
});
