import {
  VERDICT_SEVERITY,
  type FleetEntity,
} from '@internal/plugin-memleak-common';

/** Untraced entities know nothing yet: below every verdict. */
const severity = (e: FleetEntity) =>
  e.latest ? VERDICT_SEVERITY[e.latest.verdict] : -1;

/**
 * Leaks first, then growing, inconclusive, stable, untraced; within each,
 * the soonest OOM, then the fastest growth, then by title.
 */
export function sortFleet(items: FleetEntity[]): FleetEntity[] {
  return [...items].sort(
    (a, b) =>
      severity(b) - severity(a) ||
      (a.oom?.sec ?? Infinity) - (b.oom?.sec ?? Infinity) ||
      (b.latest?.growthBytesPerSec ?? 0) - (a.latest?.growthBytesPerSec ?? 0) ||
      a.title.localeCompare(b.title),
  );
}

/** `mine`: owned by the user or their groups; `all`; or one owner's ref. */
export type OwnerFilter = 'mine' | 'all' | string;

export function filterByOwner(
  items: FleetEntity[],
  filter: OwnerFilter,
  ownershipRefs: string[],
): FleetEntity[] {
  if (filter === 'all') return items;
  const owners = filter === 'mine' ? ownershipRefs : [filter];
  return items.filter(i => i.ownerRef && owners.includes(i.ownerRef));
}
