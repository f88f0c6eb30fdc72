import type { FleetEntity } from '@internal/plugin-memleak-common';
import { FLEET } from '../../__testUtils__/backendFixtures';
import { filterByOwner, sortFleet } from './fleetOrder';

const titles = (items: FleetEntity[]) => items.map(i => i.title);

describe('sortFleet', () => {
  it('puts leaks first, the soonest OOM first among them, and untraced last', () => {
    const sorted = sortFleet(FLEET.items);
    expect(sorted.map(i => i.latest?.verdict ?? 'untraced')).toEqual([
      'leak',
      'leak',
      'growing',
      'inconclusive',
      'inconclusive',
      'untraced',
    ]);
    const [first, second] = sorted;
    expect(first.oom!.sec).toBeLessThanOrEqual(second.oom!.sec);
    expect(titles(sorted).slice(3)).toEqual(['cart', 'payments', 'inventory']);
  });

  it('orders by growth where no OOM is in sight, then by title', () => {
    const entity = (title: string, growth: number): FleetEntity => ({
      entityRef: `component:default/${title}`,
      title,
      mode: 'kubernetes',
      latest: {
        traceId: title,
        startedAt: '2025-01-01T00:00:00.000Z',
        status: 'completed',
        verdict: 'growing',
        growthBytesPerSec: growth,
        traced: 1,
        growing: 1,
      },
    });
    expect(
      titles(sortFleet([entity('b', 10), entity('a', 10), entity('c', 99)])),
    ).toEqual(['c', 'a', 'b']);
  });
});

describe('filterByOwner', () => {
  it('keeps what the user’s groups own, one owner’s, or everything', () => {
    const mine = filterByOwner(FLEET.items, 'mine', [
      'user:default/guest',
      'group:default/team-b',
    ]);
    expect(titles(mine)).toEqual(['checkout', 'search']);
    expect(
      titles(filterByOwner(FLEET.items, 'group:default/team-a', [])),
    ).toEqual(['leaker-c', 'cart']);
    expect(filterByOwner(FLEET.items, 'all', [])).toHaveLength(6);
  });
});
