/*
 * Writes the frontend's Kubernetes and fleet fixtures from the backend itself,
 * so the UI's tests read payloads the backend produces, not hand-typed ones:
 *
 *   node -r @backstage/cli/config/nodeTransform.cjs scripts/ui-fixtures.ts
 *
 * The real ReportService, KubernetesTargets, TraceRunner (real sessions,
 * HeapLedger and LeakJudge, 2 s snapshots in real time), store (SQLite) and
 * FleetService run against fake clusters: a KubeApi that answers pod lists,
 * pods/proxy, metrics.k8s.io and refusals the way an API server does. Only
 * the kernel is simulated (SimulatedSource). Takes about two minutes; writes
 * plugins/memleak/src/__fixtures__/*.json.
 */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type {
  MemleakReport,
  TraceDetail,
  TraceSummary,
} from '@internal/plugin-memleak-common';
import * as fs from 'fs';
import * as path from 'path';
import { readMemleakSettings } from '../plugins/memleak-backend/src/config';
import { FleetService } from '../plugins/memleak-backend/src/fleet/FleetService';
import {
  KubeApi,
  kubeApiError,
  KubeApiError,
} from '../plugins/memleak-backend/src/kubernetes/KubeApi';
import { ReportService } from '../plugins/memleak-backend/src/report/ReportService';
import type { AllocationSource } from '../plugins/memleak-backend/src/sources/types';
import { InspektorGadgetSource } from '../plugins/memleak-backend/src/sources/gadget/InspektorGadgetSource';
import { KubernetesTargets } from '../plugins/memleak-backend/src/targets/kubernetes/KubernetesTargets';
import type { PodObject } from '../plugins/memleak-backend/src/targets/kubernetes/pods';
import { LocalTargets } from '../plugins/memleak-backend/src/targets/LocalTargets';
import { TargetResolver } from '../plugins/memleak-backend/src/targets/TargetResolver';
import { SimulatedSource } from '../plugins/memleak-backend/src/trace/testing/SimulatedSource';
import { sqliteTraceRunner } from '../plugins/memleak-backend/src/__testUtils__/sqliteTraceRunner';

const OUT = path.resolve(__dirname, '../plugins/memleak/src/__fixtures__');
const MIB = 1024 * 1024;
const NAMESPACE = 'memleak-demo';
const LIMIT = '256Mi';
/** The container's working set besides the traced heap. */
const BASE_WORKING_SET = 60 * MIB;
/** What leaker-c says its heap is, whatever it is. */
const REPORTED_BYTES = 4 * MIB;
const CHURN = { ratePerSec: 300, longLivedShare: 0.01 };
const DEMO_LEAK = { chunkBytes: MIB, everySec: 8 };

const settings = readMemleakSettings(
  new ConfigReader({ memleak: { trace: { maxConcurrent: 32 } } }),
);

/** The traced heap of each simulated pod, which its working set follows. */
const heapOf = new Map<string, number>();

interface FakePod {
  name: string;
  node: string;
  phase?: string;
  /** Its Ready condition (default: ready when Running). */
  ready?: boolean;
  restarts?: number;
  oomKilledMinutesAgo?: number;
}

interface FakeClusterOptions {
  name: string;
  pods: Record<string, FakePod[]>;
  /** Nodes with a Running Inspektor Gadget pod. */
  gadgetNodes?: string[];
  metrics?: 'served' | 'missing';
  /** How the API server answers this cluster's pod lists. */
  podList?: 'ok' | 'forbidden' | 'down';
  /** The Backstage ServiceAccount may not port-forward to the gadget pods. */
  portForward?: 'forbidden';
}

const SERVICE_ACCOUNT = 'system:serviceaccount:backstage:backstage';

/** A Kubernetes `Status` refusal, as the API server words it. */
function forbidden(verb: string, resource: string, ns: string, name?: string) {
  const what = name ? `${resource.split('/')[0]} "${name}"` : resource;
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: `${what} is forbidden: User "${SERVICE_ACCOUNT}" cannot ${verb} resource "${resource}" in API group "" in the namespace "${ns}"`,
    reason: 'Forbidden',
    code: 403,
  });
}

function podObject(p: FakePod, namespace: string, entity: string): PodObject {
  const started = new Date(Date.now() - 3 * 3600e3).toISOString();
  const phase = p.phase ?? 'Running';
  const ready = p.ready ?? phase === 'Running';
  return {
    metadata: {
      name: p.name,
      namespace,
      labels: { 'backstage.io/kubernetes-id': entity },
    },
    spec: {
      nodeName: p.node,
      containers: [
        {
          name: 'leaker',
          resources: {
            requests: { memory: '128Mi' },
            limits: { memory: LIMIT },
          },
        },
      ],
    },
    status: {
      phase,
      startTime: started,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'leaker',
          restartCount: p.restarts ?? 0,
          lastState: p.oomKilledMinutesAgo
            ? {
                terminated: {
                  reason: 'OOMKilled',
                  exitCode: 137,
                  finishedAt: new Date(
                    Date.now() - p.oomKilledMinutesAgo * 60e3,
                  ).toISOString(),
                },
              }
            : {},
        },
      ],
    },
  };
}

/** One cluster's API server, as far as memleak asks it anything. */
function fakeCluster(options: FakeClusterOptions): KubeApi {
  const cluster = options.name;
  const answer = (status: number, body: string) => ({
    status,
    text: async () => body,
  });
  return {
    cluster,
    async request(apiPath) {
      if (options.podList === 'down') {
        throw new KubeApiError(
          0,
          `GET ${apiPath} on cluster ${cluster}: no answer (connect ECONNREFUSED 10.20.0.1:6443)`,
        );
      }
      const [pathname, query] = apiPath.split('?');
      const list = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(pathname);
      if (list) {
        const ns = decodeURIComponent(list[1]);
        if (options.podList === 'forbidden') {
          return answer(403, forbidden('list', 'pods', ns));
        }
        const selector = new URLSearchParams(query).get('labelSelector') ?? '';
        if (ns === 'gadget') {
          const items = (options.gadgetNodes ?? []).map(node => ({
            metadata: { name: `gadget-${node}` },
            spec: { nodeName: node },
            status: { phase: 'Running' },
          }));
          return answer(200, JSON.stringify({ items }));
        }
        const entity = selector.replace('backstage.io/kubernetes-id=', '');
        const items = (options.pods[entity] ?? []).map(p =>
          podObject(p, ns, entity),
        );
        return answer(200, JSON.stringify({ items }));
      }
      const metrics =
        /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/.exec(
          pathname,
        );
      if (metrics) {
        if (options.metrics === 'missing') {
          return answer(404, '404 page not found');
        }
        const ns = decodeURIComponent(metrics[1]);
        const usage = (name: string) => ({
          metadata: { name, namespace: ns },
          containers: [
            {
              name: 'leaker',
              usage: {
                memory: `${Math.round(
                  (BASE_WORKING_SET + (heapOf.get(name) ?? 0)) / 1024,
                )}Ki`,
              },
            },
          ],
        });
        if (metrics[2]) return answer(200, JSON.stringify(usage(metrics[2])));
        const entity = (
          new URLSearchParams(query).get('labelSelector') ?? ''
        ).replace('backstage.io/kubernetes-id=', '');
        const items = (options.pods[entity] ?? []).map(p => usage(p.name));
        return answer(200, JSON.stringify({ items }));
      }
      const proxy = /\/pods\/[^/:]+:(\d+)\/proxy(\/.*)$/.exec(pathname);
      if (proxy) {
        if (proxy[2] === '/health') return answer(200, '{"status":"healthy"}');
        if (proxy[2] === '/metrics') {
          return answer(
            200,
            `# TYPE memory_heap_used_bytes gauge\nmemory_heap_used_bytes ${REPORTED_BYTES}\n# TYPE memory_usage_percent gauge\nmemory_usage_percent 12\n`,
          );
        }
      }
      return answer(404, '404 page not found');
    },
    async webSocket(apiPath) {
      const pod = /pods\/([^/]+)\/portforward/.exec(apiPath)?.[1] ?? '';
      if (options.portForward === 'forbidden') {
        throw kubeApiError(
          `WebSocket ${apiPath} on cluster ${cluster}`,
          403,
          forbidden('create', 'pods/portforward', 'gadget', pod),
        );
      }
      throw new Error(
        'the fake cluster runs no gadget; traces here are simulated',
      );
    },
  };
}

/** A simulated process whose heap the fake cluster's working set follows. */
class SimulatedPod implements AllocationSource {
  readonly target: AllocationSource['target'];
  readonly ended: AllocationSource['ended'];
  private pending: ReturnType<NonNullable<AllocationSource['drainNotices']>>;

  constructor(
    private readonly pod: string,
    private readonly sim: SimulatedSource,
    notices: ReturnType<NonNullable<AllocationSource['drainNotices']>> = [],
  ) {
    this.target = sim.target;
    this.ended = sim.ended;
    this.pending = notices;
  }
  start() {
    return this.sim.start();
  }
  stop() {
    return this.sim.stop();
  }
  async snapshot(minAgeMs: number) {
    const s = await this.sim.snapshot(minAgeMs);
    heapOf.set(this.pod, s.outstandingBytes);
    return s;
  }
  drainNotices() {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

/**
 * The version-skew notice exactly as InspektorGadgetSource words it after
 * GetInfo; a fake gRPC gadget only to get this sentence would be most of
 * this script.
 */
function versionSkewNotice(serverVersion: string) {
  const probe = {
    options: {
      expectedVersion: settings.kubernetes.gadget.version,
      image: settings.kubernetes.gadget.image,
    },
    notices: [] as ReturnType<NonNullable<AllocationSource['drainNotices']>>,
  };
  (InspektorGadgetSource.prototype as any).checkVersion.call(probe, {
    serverVersion,
    version: serverVersion,
  });
  return probe.notices;
}

const entity = (name: string, owner: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    title: name,
    annotations: {
      'backstage.io/kubernetes-id': name,
      'backstage.io/kubernetes-namespace': NAMESPACE,
    },
  },
  spec: { type: 'service', lifecycle: 'production', owner },
  relations: [{ type: 'ownedBy', targetRef: `group:default/${owner}` }],
});

const ENTITIES = {
  everyReplica: entity('leaker-c', 'team-a'),
  oneReplica: entity('checkout', 'team-b'),
  running: entity('cart', 'team-a'),
  setup: entity('payments', 'team-c'),
  versionSkew: entity('search', 'team-b'),
  untraced: entity('inventory', 'team-c'),
};

const threePods = (name: string): FakePod[] => [
  { name: `${name}-7d9c-a`, node: 'node-a' },
  {
    name: `${name}-7d9c-b`,
    node: 'node-b',
    restarts: 3,
    oomKilledMinutesAgo: 7,
  },
  { name: `${name}-7d9c-c`, node: 'node-c' },
];

const clusters: Record<string, KubeApi> = {
  dev: fakeCluster({
    name: 'dev',
    pods: {
      'leaker-c': threePods('leaker-c'),
      checkout: threePods('checkout'),
      cart: threePods('cart').slice(0, 2),
      search: [{ name: 'search-5f4b-a', node: 'node-a' }],
      inventory: [{ name: 'inventory-66f1-a', node: 'node-a' }],
    },
    gadgetNodes: ['node-a', 'node-b', 'node-c'],
  }),
  // The setup states, each in a cluster of its own (payments runs in all three).
  'payments-dev': fakeCluster({
    name: 'payments-dev',
    pods: {
      payments: [
        { name: 'payments-1a2b-a', node: 'node-a' },
        { name: 'payments-1a2b-b', node: 'node-b', ready: false },
        { name: 'payments-1a2b-c', node: 'node-c', phase: 'Pending' },
      ],
    },
    gadgetNodes: ['node-a'],
    metrics: 'missing',
    portForward: 'forbidden',
  }),
  'payments-prod': fakeCluster({
    name: 'payments-prod',
    pods: {},
    podList: 'down',
  }),
  'payments-staging': fakeCluster({
    name: 'payments-staging',
    pods: {},
    podList: 'forbidden',
  }),
};

/** Every entity sees its own clusters: payments the three setup clusters, the rest `dev`. */
function targetsFor(entityName: string): TargetResolver {
  const names =
    entityName === 'payments'
      ? ['payments-dev', 'payments-prod', 'payments-staging']
      : ['dev'];
  return new TargetResolver(
    new LocalTargets(settings),
    new KubernetesTargets({
      access: { clusters: async () => names, api: c => clusters[c] },
      settings: settings.kubernetes,
      maxLiveAllocations: settings.trace.maxLiveAllocations,
      topStacks: settings.trace.topStacks,
    }),
  );
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

async function main() {
  const { knex, store, runner } = await sqliteTraceRunner({
    filename: ':memory:',
    settings: settings.trace,
    ownerId: 'ui-fixtures',
  });
  const refOf = (e: Entity) => `component:default/${e.metadata.name}`;

  /** Starts one trace per pod as the router does, with a simulated kernel under each. */
  async function simulate(
    e: Entity,
    durationSec: number,
    process: (pod: string, i: number) => SimulatedPod,
    target?: string,
  ): Promise<TraceSummary[]> {
    const kind = targetsFor(e.metadata.name).forEntity(e)!;
    const prepared = await kind.prepare(e, target, durationSec);
    return runner.startGroup(
      prepared.map((p, i) => ({
        ...p,
        source: process(p.target.pod!, i),
        entityRef: refOf(e),
        durationSec,
        createdBy: 'user:default/guest',
      })),
    );
  }

  /** Starts the traces exactly as the router does, Inspektor Gadget sources and all. */
  async function traceForReal(e: Entity, durationSec: number) {
    const kind = targetsFor(e.metadata.name).forEntity(e)!;
    const prepared = await kind.prepare(e, undefined, durationSec);
    return runner.startGroup(
      prepared.map(p => ({ ...p, entityRef: refOf(e), durationSec })),
    );
  }

  /** The report and the details of the latest group, as the UI fetches them. */
  async function capture(e: Entity) {
    const targets = targetsFor(e.metadata.name);
    const report: MemleakReport = await new ReportService({
      settings,
      store,
      targets,
    }).build(e);
    const group =
      report.latestGroup ?? (report.latestTrace ? [report.latestTrace] : []);
    const traces = (await Promise.all(
      group.map(t => store.getTrace(t.id)),
    )) as TraceDetail[];
    return { report, traces, history: await store.listTraces(refOf(e), 20) };
  }

  const leaking = (pod: string) =>
    new SimulatedPod(
      pod,
      new SimulatedSource({ stepSec: 2, churn: CHURN, leak: DEMO_LEAK }),
    );
  const steady = (pod: string) =>
    new SimulatedPod(pod, new SimulatedSource({ stepSec: 2, churn: CHURN }));

  const fixtures: Record<string, unknown> = {};
  const DONE_SEC = 90; // long enough for `leak` on the demo leak
  const finished = Promise.all([
    simulate(ENTITIES.everyReplica, DONE_SEC, leaking),
    simulate(ENTITIES.oneReplica, DONE_SEC, (pod, i) =>
      i === 0 ? leaking(pod) : steady(pod),
    ),
    simulate(
      ENTITIES.versionSkew,
      60,
      pod =>
        new SimulatedPod(
          pod,
          new SimulatedSource({ stepSec: 2, churn: CHURN, leak: DEMO_LEAK }),
          versionSkewNotice('v0.54.0'),
        ),
      'search-5f4b-a',
    ),
  ]);

  // A group caught while it runs: one pod's ledger too small for its heap loses events.
  const running = await simulate(
    ENTITIES.running,
    300,
    (pod, i) =>
      new SimulatedPod(
        pod,
        new SimulatedSource({
          stepSec: 2,
          churn: { ratePerSec: 400, longLivedShare: 0.5 },
          leak: DEMO_LEAK,
          maxLiveAllocations: i === 1 ? 1000 : undefined,
        }),
      ),
  );
  while (
    (await Promise.all(running.map(t => store.getTrace(t.id)))).some(
      t => t!.snapshots.length < 8,
    )
  ) {
    await sleep(500);
  }
  fixtures.running = await capture(ENTITIES.running);
  await runner.stopEntity(refOf(ENTITIES.running));

  // Setup states: the trace of payments fails on every pod, each for its own reason.
  const failed = await traceForReal(ENTITIES.setup, 120);
  await Promise.all(failed.map(t => runner.whenDone(t.id)));
  fixtures.setup = await capture(ENTITIES.setup);

  await finished;
  while (
    runner.runningFor(refOf(ENTITIES.everyReplica)) ||
    runner.runningFor(refOf(ENTITIES.oneReplica)) ||
    runner.runningFor(refOf(ENTITIES.versionSkew))
  ) {
    await sleep(500);
  }
  fixtures.everyReplica = await capture(ENTITIES.everyReplica);
  fixtures.oneReplica = await capture(ENTITIES.oneReplica);
  fixtures.versionSkew = await capture(ENTITIES.versionSkew);

  const all = Object.values(ENTITIES);
  const byName = (e: Entity) => targetsFor(e.metadata.name);
  const fleet = await Promise.all(
    all.map(e =>
      new FleetService({
        catalog: catalogServiceMock({ entities: [e] }),
        permissions: mockServices.permissions(),
        store,
        targets: byName(e),
        settings,
      }).list(mockCredentials.user('user:default/guest')),
    ),
  );
  fixtures.fleet = { items: fleet.flatMap(f => f.items) };
  checkStories(fixtures as Record<string, Captured>);

  fs.mkdirSync(OUT, { recursive: true });
  for (const [name, value] of Object.entries(fixtures)) {
    fs.writeFileSync(
      path.join(OUT, `${name}.json`),
      `${JSON.stringify(value, null, 2)}\n`,
    );
  }
  await runner.shutdown();
  await knex.destroy();
  console.log(
    `wrote ${Object.keys(fixtures).length} fixtures to ${path.relative(
      process.cwd(),
      OUT,
    )}`,
  );
}

type Captured = { report: MemleakReport; traces: TraceDetail[] };

/**
 * The verdicts the UI's tests tell stories about. Snapshots follow the real
 * clock, so a run on a starved machine can come out otherwise: then nothing
 * is written, and running again is the fix.
 */
function checkStories(f: Record<string, Captured>) {
  const verdicts = (name: string) => f[name].traces.map(t => t.verdict);
  const expected: Record<string, string[]> = {
    everyReplica: ['leak', 'leak', 'leak'],
    oneReplica: ['leak', 'stable', 'stable'],
    versionSkew: ['growing'],
  };
  for (const [name, want] of Object.entries(expected)) {
    if (verdicts(name).join() !== want.join()) {
      throw new Error(
        `${name}: verdicts ${verdicts(
          name,
        ).join()}, expected ${want.join()}; nothing written, run again`,
      );
    }
  }
  const lost = f.running.traces.map(
    t => t.snapshots[t.snapshots.length - 1]?.lostEvents ?? 0,
  );
  if (!(lost[0] === 0 && lost[1] > 0)) {
    throw new Error(
      `running: lost events ${lost.join()}, expected 0 and more; run again`,
    );
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
