import type { Entity } from '@backstage/catalog-model';
import type { MemleakReport } from '@internal/plugin-memleak-common';
import type { TestBackend } from '@backstage/backend-test-utils';
import type request from 'supertest';
import kubernetesPlugin from '@backstage/plugin-kubernetes-backend';
import { startMemleakBackend } from './__testUtils__/memleakBackend';
import {
  LEAKER,
  TESTBED_CLUSTER,
  testbed,
  testbedBackendConfig,
} from './__testUtils__/testbed';

/**
 * Two clusters in the kubernetes plugin's config, one of which does not
 * answer: the entity's report still shows the test bed's pods, with a notice
 * for the other that says what failed and what to do.
 */

const PINNED: Entity = {
  ...LEAKER,
  metadata: {
    ...LEAKER.metadata,
    name: 'leaker-elsewhere',
    annotations: {
      ...LEAKER.metadata.annotations,
      'backstage.io/kubernetes-cluster': 'dark',
    },
  },
};

jest.setTimeout(120_000);

let backend: TestBackend;
let api: request.Agent;

beforeAll(async () => {
  const cfg = testbedBackendConfig(await testbed());
  const [testbedCluster] = cfg.kubernetes.clusterLocatorMethods[0].clusters;
  ({ backend, api } = await startMemleakBackend({
    entities: [LEAKER, PINNED],
    config: {
      kubernetes: {
        ...cfg.kubernetes,
        clusterLocatorMethods: [
          {
            type: 'config',
            clusters: [
              testbedCluster,
              {
                ...testbedCluster,
                name: 'dark',
                // Nothing listens on the discard port.
                url: 'https://127.0.0.1:9',
              },
            ],
          },
        ],
      },
      backend: { server: cfg.backendServer },
    },
    kubernetes: cfg.memleakKubernetes,
    plugins: [kubernetesPlugin],
  }));
});

afterAll(async () => {
  await backend?.stop();
});

async function report(ref: string): Promise<MemleakReport> {
  const res = await api.get('/api/memleak/report').query({ entityRef: ref });
  expect(res.status).toBe(200);
  return res.body;
}

describe('a cluster that does not answer', () => {
  it("never blanks the report: the other cluster's pods are shown, with a notice for it", async () => {
    const r = await report('component:default/leaker-c');
    expect(r.pods!.map(p => p.cluster)).toEqual([
      TESTBED_CLUSTER,
      TESTBED_CLUSTER,
    ]);
    expect(r.capability.available).toBe(true);
    const dark = r.notices.filter(n => n.code === 'cluster_unreachable');
    expect(dark).toHaveLength(1);
    expect(dark[0].message).toContain(
      'Check that cluster dark is up and reachable from the Backstage backend',
    );
  });

  it('an entity that runs only there gets the notice as the reason tracing is unavailable', async () => {
    const r = await report('component:default/leaker-elsewhere');
    expect(r.pods).toEqual([]);
    expect(r.capability.available).toBe(false);
    expect(r.capability.reason).toContain('cluster dark');
    const start = await api.post('/api/memleak/traces').send({
      entityRef: 'component:default/leaker-elsewhere',
      durationSec: 60,
    });
    expect(start.status).toBe(400);
    expect(start.body.error.message).toContain('has no Running pod to trace');
  });
});
