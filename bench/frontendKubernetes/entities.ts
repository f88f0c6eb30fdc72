/*
 * The catalog of bench/frontendKubernetes.mjs: `leaker-bench`, whose ten pods
 * (leaker-bench.yaml) run on the test bed, and 49 more services that select
 * the same pods, so the fleet page lists 50 entities. What each one's latest
 * trace was is decided here; seed.ts runs those traces.
 */
import type { Entity } from '@backstage/catalog-model';

export const NAMESPACE = 'memleak-demo';
export const SELECTOR = 'app.kubernetes.io/name=leaker-bench';
export const CARD_ENTITY = 'leaker-bench';
export const CARD_DESCRIPTION =
  'Ten leaker-c pods on the test bed, for the frontend benchmark.';
export const FLEET_SIZE = 50;
export const PODS = 10;

/** What the latest trace of a fleet entity was. */
export type Story =
  /** every pod leaks 1 MiB / 8 s, traced 90 s: `leak` */
  | 'leak-all-pods'
  /** one pod, the same leak, 90 s: `leak` */
  | 'leak'
  /** one pod, the same leak, 60 s: not yet a leak */
  | 'growing'
  /** one pod whose ledger is too small for its heap: lost events */
  | 'lossy'
  /** one pod, request churn only, 60 s: `stable` */
  | 'steady'
  | 'never-traced';

export interface BenchEntity {
  name: string;
  story: Story;
  entity: Entity;
}

const TEAMS = ['team-a', 'team-b', 'team-c', 'team-d', 'team-e'];

function storyOf(i: number): Story {
  if (i <= 2) return 'leak-all-pods';
  if (i <= 6) return 'leak';
  if (i <= 10) return 'growing';
  if (i <= 12) return 'lossy';
  if (i <= 42) return 'steady';
  return 'never-traced';
}

function component(name: string, description: string, owner: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      title: name,
      description,
      annotations: {
        'backstage.io/kubernetes-label-selector': SELECTOR,
        'backstage.io/kubernetes-namespace': NAMESPACE,
        'memleak.dev/health-port': '8080',
        'memleak.dev/metrics-port': '9090',
        'memleak.dev/memory-metric': 'memory_heap_used_bytes',
      },
    },
    spec: { type: 'service', lifecycle: 'production', owner },
  };
}

/** The card's entity first, then `fleet-01` … `fleet-49`. */
export function benchEntities(): BenchEntity[] {
  const out: BenchEntity[] = [
    {
      name: CARD_ENTITY,
      story: 'never-traced',
      entity: component(CARD_ENTITY, CARD_DESCRIPTION, 'group:default/team-a'),
    },
  ];
  for (let i = 1; i < FLEET_SIZE; i++) {
    const name = `fleet-${String(i).padStart(2, '0')}`;
    out.push({
      name,
      story: storyOf(i),
      entity: component(
        name,
        `Fleet benchmark service ${i}.`,
        `group:default/${TEAMS[i % TEAMS.length]}`,
      ),
    });
  }
  return out;
}
