/*
 * Writes the latest traces of the fleet benchmark's entities (entities.ts)
 * into the memleak store the bench backend then opens, the way the backend
 * itself writes them: the real KubernetesTargets picks each entity's pods on
 * the test bed (through the Backstage ServiceAccount), the real TraceRunner
 * runs the sessions (real HeapLedger and LeakJudge, 2 s snapshots in real
 * time) and writes the real store (SQLite, the plugin's migrations). Only the
 * kernel under each pod is simulated (SimulatedSource): a real trace through
 * Inspektor Gadget per pod of 40 services is more than the shared test bed's
 * two cores carry. About 95 s.
 *
 *   node -r @backstage/cli/config/nodeTransform.cjs \
 *     bench/frontendKubernetes/seed.ts DB_DIR
 *
 * Prints the verdicts it stored, as JSON, on its last stdout line.
 */
import { ConfigReader } from '@backstage/config';
import path from 'node:path';
import { readMemleakSettings } from '../../plugins/memleak-backend/src/config';
import type { KubeApi } from '../../plugins/memleak-backend/src/kubernetes/KubeApi';
import { KubeconfigKubeApi } from '../../plugins/memleak-backend/src/kubernetes/KubeconfigKubeApi';
import { KubernetesTargets } from '../../plugins/memleak-backend/src/targets/kubernetes/KubernetesTargets';
import { SimulatedSource } from '../../plugins/memleak-backend/src/trace/testing/SimulatedSource';
import {
  testbed,
  testbedBackendConfig,
  TESTBED_CLUSTER,
} from '../../plugins/memleak-backend/src/__testUtils__/testbed';
import { sqliteTraceRunner } from '../../plugins/memleak-backend/src/__testUtils__/sqliteTraceRunner';
import { benchEntities, type Story } from './entities';

const MIB = 1024 * 1024;
const CHURN = { ratePerSec: 300, longLivedShare: 0.01 };
const DEMO_LEAK = { chunkBytes: MIB, everySec: 8 };

const DURATION_SEC: Record<Exclude<Story, 'never-traced'>, number> = {
  'leak-all-pods': 90,
  leak: 90,
  growing: 60,
  lossy: 60,
  steady: 60,
};

function kernelFor(story: Story): SimulatedSource {
  switch (story) {
    case 'leak-all-pods':
    case 'leak':
    case 'growing':
      return new SimulatedSource({ stepSec: 2, churn: CHURN, leak: DEMO_LEAK });
    case 'lossy':
      return new SimulatedSource({
        stepSec: 2,
        churn: { ratePerSec: 400, longLivedShare: 0.5 },
        leak: DEMO_LEAK,
        maxLiveAllocations: 1000,
      });
    default:
      return new SimulatedSource({ stepSec: 2, churn: CHURN });
  }
}

async function main() {
  const dbDir = process.argv[2];
  if (!dbDir) throw new Error('usage: seed.ts DB_DIR');
  const tb = await testbed();
  const kube = await KubeconfigKubeApi.load(tb.backstageKubeconfig);
  // The cluster under the name the bench backend's kubernetes plugin gives it.
  const api: KubeApi = {
    cluster: TESTBED_CLUSTER,
    request: (p, init) => kube.request(p, init),
    webSocket: (p, protocols) => kube.webSocket(p, protocols),
  };
  const settings = readMemleakSettings(
    new ConfigReader({
      memleak: {
        trace: { maxConcurrent: 64 },
        kubernetes: testbedBackendConfig(tb).memleakKubernetes,
      },
    }),
  );
  const targets = new KubernetesTargets({
    access: { clusters: async () => [TESTBED_CLUSTER], api: () => api },
    settings: settings.kubernetes,
    maxLiveAllocations: settings.trace.maxLiveAllocations,
    topStacks: settings.trace.topStacks,
  });
  const { knex, store, runner } = await sqliteTraceRunner({
    filename: path.join(dbDir, 'memleak.sqlite'),
    settings: settings.trace,
    ownerId: 'bench-seed',
  });

  const started = [];
  let i = 0;
  for (const { name, story, entity } of benchEntities()) {
    if (story === 'never-traced') continue;
    const durationSec = DURATION_SEC[story];
    const pods = await targets.prepare(entity, undefined, durationSec);
    // One pod each, spread over the ten; `leak-all-pods` traces every pod.
    const chosen = story === 'leak-all-pods' ? pods : [pods[i++ % pods.length]];
    started.push(
      ...(await runner.startGroup(
        chosen.map(p => ({
          target: p.target,
          source: kernelFor(story),
          entityRef: `component:default/${name}`,
          durationSec,
          createdBy: 'user:default/guest',
        })),
      )),
    );
  }
  console.error(`seed: ${started.length} traces running`);
  await Promise.all(started.map(t => runner.whenDone(t.id)));
  const verdicts: Record<string, number> = {};
  for (const t of started) {
    const detail = await store.getTrace(t.id);
    const key = `${detail?.status}/${detail?.verdict}`;
    verdicts[key] = (verdicts[key] ?? 0) + 1;
  }
  await runner.shutdown();
  await knex.destroy();
  console.log(JSON.stringify({ traces: started.length, verdicts }));
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
