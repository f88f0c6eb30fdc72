import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type {
  HeapSnapshot,
  TraceTarget,
  Verdict,
} from '@internal/plugin-memleak-common';
import knexFactory, { type Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { readMemleakSettings } from '../config';
import type { KubeApi } from '../kubernetes/KubeApi';
import { DatabaseMemleakStore } from '../store/DatabaseMemleakStore';
import { KubernetesTargets } from '../targets/kubernetes/KubernetesTargets';
import { LocalTargets } from '../targets/LocalTargets';
import { TargetResolver } from '../targets/TargetResolver';
import {
  component,
  refOf,
  startMemleakBackend,
} from '../__testUtils__/memleakBackend';
import { FleetService } from './FleetService';

const MIB = 1024 * 1024;

const annotated = (name: string, owner: string): Entity => ({
  ...component(name),
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-id': name,
      'backstage.io/kubernetes-namespace': 'demo',
    },
  },
  spec: { type: 'service', lifecycle: 'production', owner },
});

/** One cluster, `dev`: three pods of `shop` with a 256 MiB limit, working set 100 MiB each. */
function fakeCluster(): KubeApi {
  const pod = (name: string) => ({
    metadata: { name, namespace: 'demo' },
    spec: {
      nodeName: 'node-a',
      containers: [{ name: 'app', resources: { limits: { memory: '256Mi' } } }],
    },
    status: { phase: 'Running', containerStatuses: [{ name: 'app' }] },
  });
  const answer = (status: number, body: unknown) => ({
    status,
    text: async () => (typeof body === 'string' ? body : JSON.stringify(body)),
  });
  return {
    cluster: 'dev',
    async request(path) {
      // The pods of `shop` (other selectors select none) and their usage.
      const selected = () =>
        new URLSearchParams(path.split('?')[1]).get('labelSelector') ===
        'backstage.io/kubernetes-id=shop'
          ? ['shop-1', 'shop-2', 'shop-3']
          : [];
      if (path.startsWith('/api/v1/namespaces/demo/pods?')) {
        return answer(200, { items: selected().map(pod) });
      }
      if (
        path.startsWith('/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods?')
      ) {
        return answer(200, {
          items: selected().map(name => ({
            metadata: { name, namespace: 'demo' },
            containers: [{ name: 'app', usage: { memory: '100Mi' } }],
          })),
        });
      }
      return answer(200, 'ok');
    },
    async webSocket() {
      throw new Error('no port-forward in this test');
    },
  };
}

/** 1 MiB every 8 s on top of `baseMiB`, every 2 s for a minute, with the working set. */
const snapshots = (growing: boolean): HeapSnapshot[] =>
  Array.from({ length: 30 }, (_, i) => {
    const heap = growing ? Math.floor((i * 2) / 8) * MIB : 0;
    return {
      t: i * 2,
      at: new Date(Date.UTC(2025, 0, 1, 12, 0, i * 2)).toISOString(),
      outstandingBytes: heap,
      outstandingCount: 0,
      agedBytes: heap,
      mmapBytes: 0,
      allocs: i * 100,
      frees: i * 100,
      lostEvents: 0,
      rssBytes: 60 * MIB + heap,
    };
  });

describe('FleetService', () => {
  let knex: Knex;
  let store: DatabaseMemleakStore;

  beforeEach(async () => {
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
    store = await DatabaseMemleakStore.create({
      database: { getClient: async () => knex },
    });
  });
  afterEach(() => knex.destroy());

  const settings = readMemleakSettings(
    new ConfigReader({
      memleak: {
        localTargets: [
          { entityRef: refOf('local-one'), name: 'one', pidFile: '/none.pid' },
        ],
      },
    }),
  );

  function fleet(options: {
    entities: Entity[];
    withClusters?: boolean;
    readable?: (ref: string) => boolean;
  }) {
    const authorized: string[] = [];
    const permissions = mockServices.permissions.mock({
      authorize: async requests =>
        requests.map(r => {
          authorized.push(`${r.permission.name} ${r.resourceRef}`);
          return {
            result:
              options.readable?.(r.resourceRef!) ?? true
                ? AuthorizeResult.ALLOW
                : AuthorizeResult.DENY,
          };
        }),
    });
    const api = fakeCluster();
    const kubernetes = new KubernetesTargets({
      access: { clusters: async () => ['dev'], api: () => api },
      settings: settings.kubernetes,
      maxLiveAllocations: 1000,
      topStacks: 5,
    });
    const service = new FleetService({
      catalog: catalogServiceMock({ entities: options.entities }),
      permissions,
      store,
      targets: new TargetResolver(
        new LocalTargets(settings),
        options.withClusters === false ? undefined : kubernetes,
      ),
      settings,
    });
    return { service, authorized };
  }

  /** Stores a finished trace per target, as one group when there are several. */
  async function traced(
    entityRef: string,
    traces: Array<{ target: TraceTarget; verdict: Verdict; rate: number }>,
  ) {
    const groupId = traces.length > 1 ? randomUUID() : undefined;
    for (const [i, t] of traces.entries()) {
      const id = randomUUID();
      await store.createTrace({
        id,
        entityRef,
        target: t.target,
        durationSec: 60,
        startedAt: new Date(Date.UTC(2025, 0, 1, 12, 0, i)),
        ownerId: 'test',
        groupId,
      });
      for (const s of snapshots(t.rate > 0)) await store.appendSnapshot(id, s);
      await store.updateTrace(id, {
        status: 'completed',
        verdict: t.verdict,
        growthBytesPerSec: t.rate,
        reason: '',
      });
    }
  }

  const pod = (name: string): TraceTarget => ({
    kind: 'kubernetes',
    label: `dev/demo/${name}`,
    cluster: 'dev',
    namespace: 'demo',
    pod: name,
    container: 'app',
  });

  it('lists what it can trace: annotated entities and local targets, with their owners', async () => {
    const { service } = fleet({
      entities: [
        annotated('shop', 'team-a'),
        component('local-one'),
        component('no-target'),
      ],
    });
    const { items } = await service.list(mockCredentials.user());
    expect(items).toEqual(
      expect.arrayContaining([
        {
          entityRef: refOf('shop'),
          title: 'shop',
          ownerRef: 'group:default/team-a',
          mode: 'kubernetes',
        },
        {
          entityRef: refOf('local-one'),
          title: 'local-one',
          ownerRef: 'group:default/team-a',
          mode: 'local',
        },
      ]),
    );
    expect(items).toHaveLength(2);
  });

  it('leaves out annotated entities when the backend cannot reach clusters', async () => {
    const { service } = fleet({
      entities: [annotated('shop', 'team-a'), component('local-one')],
      withClusters: false,
    });
    const { items } = await service.list(mockCredentials.user());
    expect(items.map(i => i.entityRef)).toEqual([refOf('local-one')]);
  });

  it('sums up the latest group over its pods, with the soonest time to OOM', async () => {
    await traced(refOf('shop'), [
      { target: pod('shop-1'), verdict: 'leak', rate: MIB / 8 },
      { target: pod('shop-2'), verdict: 'stable', rate: 0 },
      { target: pod('shop-3'), verdict: 'growing', rate: MIB / 8 },
    ]);
    const { service } = fleet({ entities: [annotated('shop', 'team-a')] });
    const [shop] = (await service.list(mockCredentials.user())).items;
    expect(shop.latest).toMatchObject({
      status: 'completed',
      verdict: 'leak',
      growthBytesPerSec: MIB / 8,
      traced: 3,
      growing: 2,
    });
    // 156 MiB between the 100 MiB working set and the 256 MiB limit, at ~1 MiB / 8 s
    expect(shop.oom).toMatchObject({
      pod: expect.stringMatching(/^dev\/demo\/shop-[13]$/),
      limitBytes: 256 * MIB,
    });
    expect(shop.oom!.sec / 60).toBeCloseTo((156 * 8) / 60, 0);
    expect(shop.oom!.soonestSec).toBeLessThanOrEqual(shop.oom!.sec);
    expect(shop.oom!.latestSec).toBeGreaterThanOrEqual(shop.oom!.sec);
  });

  it('gives no time to OOM where nothing grows', async () => {
    await traced(refOf('shop'), [
      { target: pod('shop-1'), verdict: 'stable', rate: 0 },
    ]);
    const { service } = fleet({ entities: [annotated('shop', 'team-a')] });
    const [shop] = (await service.list(mockCredentials.user())).items;
    expect(shop.latest).toMatchObject({ verdict: 'stable', traced: 1 });
    expect(shop.oom).toBeUndefined();
  });

  it('asks for memleak.report.read on each entity and leaves out the denied ones', async () => {
    const { service, authorized } = fleet({
      entities: [annotated('shop', 'team-a'), annotated('secret', 'team-b')],
      readable: ref => ref !== refOf('secret'),
    });
    const { items } = await service.list(mockCredentials.user());
    expect(items.map(i => i.entityRef)).toEqual([refOf('shop')]);
    expect(authorized.sort()).toEqual([
      `memleak.report.read ${refOf('secret')}`,
      `memleak.report.read ${refOf('shop')}`,
    ]);
  });
});

describe('GET /fleet', () => {
  it('answers the fleet through the plugin', async () => {
    const { backend, api } = await startMemleakBackend({
      entities: [component('local-one'), component('no-target')],
      localTargets: [
        { entityRef: refOf('local-one'), name: 'one', pidFile: '/none.pid' },
      ],
    });
    try {
      const res = await api.get('/api/memleak/fleet');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        items: [
          {
            entityRef: refOf('local-one'),
            title: 'local-one',
            ownerRef: 'group:default/team-a',
            mode: 'local',
          },
        ],
      });
    } finally {
      await backend.stop();
    }
  });
});
