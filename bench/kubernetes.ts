/*
 * The Kubernetes path on the test bed (testbed/README.md), against its own
 * baselines in the same run:
 *
 *   node -r @backstage/cli/config/nodeTransform.cjs bench/kubernetes.ts [--only chain|detection]
 *
 * Needs root and the test bed (`testbed.sh up` is run first: it returns at
 * once when the test bed is up).
 *
 * 1. chain: the highest malloc+free rate of a pod's process that a trace
 *    sustains with zero lost events (no seq gap, no "lost N samples", every
 *    generated free delivered), stepped up by doubling:
 *    - through the chain: a memleak backend with the real kubernetes backend
 *      plugin traces the pod (POST /api/memleak/traces): the plugin's proxy →
 *      the API server → kwok's port-forward → the node's gadget port;
 *    - direct (the baseline): the same InspektorGadgetSource, same params,
 *      connected straight to the node's gadget port (127.0.0.1:18200+i).
 *    The target is a pod of a Deployment of its own (leaker-c, `steady` mode
 *    with a 1 h interval: quiet by itself), driven by requests to its /work
 *    endpoint (8 malloc+free pairs per round, `n` rounds per request, 20
 *    requests/s) sent straight to the pod's IP.
 * 2. detection: leaker-c's default leak (1 MiB / 8 s, from the first second)
 *    in a pod of another Deployment of its own, traced through the chain,
 *    next to the same leak in a local process traced by the local eBPF
 *    tracer, at the same time: seconds from trace start to `growing` naming
 *    leak_memory_chunk and to `leak` (both under 5 requests/s of /work?n=4).
 *
 * The bench's Deployments carry their own labels (not the demo's
 * app.kubernetes.io/name=leaker-c) and are deleted afterwards. The
 * memleak backend, the kubernetes proxy and the direct client share this
 * Node process, as the two plugins share a Backstage backend. Progress goes
 * to stderr; the last stdout line is one JSON object.
 */
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { Entity } from '@backstage/catalog-model';
import type {
  HeapSnapshot,
  TraceDetail,
} from '@internal/plugin-memleak-common';
import kubernetesPlugin from '@backstage/plugin-kubernetes-backend';
import {
  buildLeakerAndTracer,
  LeakerProcess,
  requireRoot,
} from '../plugins/memleak-backend/src/__testUtils__/leakerProcess';
import { startMemleakBackend } from '../plugins/memleak-backend/src/__testUtils__/memleakBackend';
import {
  testbed,
  Testbed,
  testbedBackendConfig,
} from '../plugins/memleak-backend/src/__testUtils__/testbed';
import { InspektorGadgetSource } from '../plugins/memleak-backend/src/sources/gadget/InspektorGadgetSource';
import { LocalEbpfSource } from '../plugins/memleak-backend/src/sources/local/LocalEbpfSource';
import { recordTrace } from '../plugins/memleak-backend/src/trace/testing/recordTrace';

const root = path.resolve(__dirname, '..');
const NS = 'memleak-demo';
const NODES = ['memleak-node-1', 'memleak-node-2'];
const IG_PORT_BASE = Number(process.env.MEMLEAK_TESTBED_IG_PORT_BASE ?? 18200);
const IMAGE = `trace_malloc:v0.55.0`;
const PAIRS_PER_ROUND = 8; // leaker-c's WORK_BUFFERS_PER_ROUND
const REQUESTS_PER_SEC = 20;
const LOAD_SEC = 10;
const START_RATE = 1000;
const MAX_RATE = 128_000;
const DETECTION_CAP_SEC = 240;

const option = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const log = (msg: string) => process.stderr.write(`[kubernetes] ${msg}\n`);
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const round1 = (x: number) => Math.round(x * 10) / 10;

// --- the bench's own pods -----------------------------------------------------

interface Pod {
  metadata: {
    name: string;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string };
}

function deployment(name: string, env: Record<string, string>) {
  const labels = {
    'app.kubernetes.io/name': name,
    'backstage.io/kubernetes-id': name,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels },
        spec: {
          // The namespace enforces the restricted Pod Security Standard.
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'leaker',
              image: 'leaker-c:0.1.0',
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
              },
              env: Object.entries(env).map(([n, value]) => ({
                name: n,
                value,
              })),
            },
          ],
        },
      },
    },
  };
}

/**
 * An admin request, again while the API server does not answer: the test bed
 * is shared, and fault tests restart its parts.
 */
async function kube(
  tb: Testbed,
  path_: string,
  init?: { method?: string; body?: unknown },
) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await tb.admin.request(path_, init);
    } catch (error) {
      if (attempt >= 60) throw error;
      await sleep(2000);
    }
  }
}

async function deletePods(tb: Testbed, name: string): Promise<void> {
  await kube(
    tb,
    `/apis/apps/v1/namespaces/${NS}/deployments/${name}?propagationPolicy=Background`,
    { method: 'DELETE' },
  );
}

/** Creates the Deployment and waits for its pod's process on the host. */
async function startPod(
  tb: Testbed,
  name: string,
  env: Record<string, string>,
): Promise<{ pod: Pod; pid: number }> {
  await deletePods(tb, name);
  for (let i = 0; i < 60; i++) {
    const res = await kube(tb, `/apis/apps/v1/namespaces/${NS}/deployments`, {
      method: 'POST',
      body: deployment(name, env),
    });
    if (res.status === 201) break;
    if (res.status !== 409) {
      throw new Error(`creating ${name}: ${res.status} ${await res.text()}`);
    }
    await sleep(1000); // the previous one is still being deleted
  }
  for (let i = 0; i < 240; i++) {
    const res = await kube(
      tb,
      `/api/v1/namespaces/${NS}/pods?labelSelector=app.kubernetes.io%2Fname%3D${name}`,
    );
    const pods = (JSON.parse(await res.text()).items as Pod[]).filter(
      p => p.status.phase === 'Running' && !p.metadata.deletionTimestamp,
    );
    const pid = Number(
      pods[0]?.metadata.annotations?.['testbed.memleak.dev/host-pid'],
    );
    if (pods.length === 1 && pid > 0 && alive(pid) && pods[0].status.podIP) {
      const ok = await fetch(`http://${pods[0].status.podIP}:8080/health`)
        .then(r => r.ok)
        .catch(() => false);
      if (ok) return { pod: pods[0], pid };
    }
    await sleep(500);
  }
  throw new Error(`no running pod of ${name} within 120 s`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const entity = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-id': name,
      'backstage.io/kubernetes-namespace': NS,
      'memleak.dev/health-port': '8080',
      'memleak.dev/metrics-port': '9090',
    },
  },
  spec: { type: 'service', lifecycle: 'experimental', owner: 'team-a' },
});
const refOf = (name: string) => `component:default/${name}`;

// --- load ---------------------------------------------------------------------

/**
 * The load generator, in a process of its own so that the backend sharing
 * this one's event loop cannot slow it: `rps` requests/s of
 * /work?n=`rounds`; on stdin's end it waits for what is in flight and prints
 * the pairs the answered requests made.
 */
const LOAD_SCRIPT = `
const http = require('node:http');
const [ip, port, rps, rounds, perRound] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
let pairs = 0, failed = 0, inflight = 0;
const timer = setInterval(() => {
  inflight++;
  http.get({ host: ip, port: Number(port), path: '/work?n=' + rounds, agent }, res => {
    res.resume();
    res.on('end', () => { inflight--; if (res.statusCode === 200) pairs += rounds * perRound; else failed++; });
  }).on('error', () => { inflight--; failed++; });
}, 1000 / Number(rps));
process.stdin.resume();
process.stdin.on('end', async () => {
  clearInterval(timer);
  for (let i = 0; i < 100 && inflight > 0; i++) await new Promise(r => setTimeout(r, 100));
  process.stdout.write(JSON.stringify({ pairs, failed }) + '\\n');
  process.exit(0);
});
`;

function load(ip: string, port: number, rps: number, rounds: number) {
  const child = spawn(
    process.execPath,
    [
      '-e',
      LOAD_SCRIPT,
      ip,
      String(port),
      String(rps),
      String(rounds),
      String(PAIRS_PER_ROUND),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', d => (out += d));
  const exited = new Promise(resolve => child.once('exit', resolve));
  return {
    async stop(): Promise<{ pairs: number; failed: number }> {
      child.stdin.end();
      await exited;
      return JSON.parse(out.trim());
    },
  };
}

// --- 1. the highest sustained rate, through the chain and direct ---------------

interface Counts {
  frees: number;
  allocs: number;
  lostEvents: number;
}

/** A running trace of the pod and how to read its cumulative counts. */
interface Trace {
  counts(): Promise<Counts>;
  stop(): Promise<void>;
}

async function directTrace(pod: Pod, pid: number): Promise<Trace> {
  const port = IG_PORT_BASE + NODES.indexOf(pod.spec.nodeName!);
  const source = new InspektorGadgetSource({
    target: {
      kind: 'kubernetes',
      label: `${NS}/${pod.metadata.name}/leaker`,
      namespace: NS,
      pod: pod.metadata.name,
      container: 'leaker',
    },
    connect: () =>
      new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      }),
    image: IMAGE,
    params: {
      'operator.KubeManager.namespace': NS,
      'operator.KubeManager.podname': pod.metadata.name,
      'operator.KubeManager.containername': 'leaker',
      'operator.oci.ebpf.collect-ustack': 'true',
      // the test bed's cluster params (TESTBED_GADGET_PARAMS), filled in
      'operator.LocalManager.host': 'true',
      'operator.oci.ebpf.pid': String(pid),
    },
    timeoutSec: 300,
  });
  await source.start();
  return {
    counts: () => source.snapshot(0),
    stop: () => source.stop(),
  };
}

type Api = Awaited<ReturnType<typeof startMemleakBackend>>['api'];

async function chainTrace(api: Api, name: string, pod: Pod): Promise<Trace> {
  const start = await api.post('/api/memleak/traces').send({
    entityRef: refOf(name),
    target: pod.metadata.name,
    durationSec: 300,
  });
  if (start.status !== 201) {
    throw new Error(
      `POST /traces: ${start.status} ${JSON.stringify(start.body)}`,
    );
  }
  const id = start.body.id as string;
  const detail = async (): Promise<TraceDetail> =>
    (await api.get(`/api/memleak/traces/${id}`)).body;
  return {
    async counts() {
      const d = await detail();
      if (d.status !== 'running') {
        throw new Error(
          `the trace ended ${d.status}: ${JSON.stringify(d.notices)}`,
        );
      }
      const last: HeapSnapshot | undefined =
        d.snapshots[d.snapshots.length - 1];
      return {
        frees: last?.frees ?? 0,
        allocs: last?.allocs ?? 0,
        lostEvents: last?.lostEvents ?? 0,
      };
    },
    async stop() {
      await api.post(`/api/memleak/traces/${id}/stop`);
    },
  };
}

/** One step: a trace under `rate` pairs/s for LOAD_SEC; was it all delivered? */
async function step(open: () => Promise<Trace>, ip: string, rate: number) {
  const rounds = Math.max(
    1,
    Math.round(rate / (PAIRS_PER_ROUND * REQUESTS_PER_SEC)),
  );
  const trace = await open();
  try {
    // Wait until the probes are attached: a request's frees arrive.
    let before = await trace.counts();
    for (let i = 0; i < 60 && before.frees === 0; i++) {
      await fetch(`http://${ip}:8080/work?n=1`).catch(() => undefined);
      await sleep(500);
      before = await trace.counts();
    }
    if (before.frees === 0) throw new Error('no events within 30 s');
    await sleep(2500); // the chain's snapshots come every 2 s
    before = await trace.counts();
    const gen = load(ip, 8080, REQUESTS_PER_SEC, rounds);
    const t0 = performance.now();
    await sleep(LOAD_SEC * 1000);
    const { pairs, failed } = await gen.stop();
    const sec = (performance.now() - t0) / 1000;
    // Let what is queued arrive: until the count stops moving.
    let after = await trace.counts();
    for (let i = 0; i < 15; i++) {
      await sleep(2100);
      const next = await trace.counts();
      const settled = next.frees === after.frees;
      after = next;
      if (settled && after.frees - before.frees >= pairs) break;
    }
    const delivered = after.frees - before.frees;
    const lost = after.lostEvents;
    return {
      offeredPairsPerSec: rate,
      pairsPerSec: Math.round(pairs / sec),
      generatedPairs: pairs,
      deliveredFrees: delivered,
      lostEvents: lost,
      failedRequests: failed,
      ok: lost === 0 && failed === 0 && delivered >= pairs,
    };
  } finally {
    await trace.stop();
  }
}

/** A step that failed for another reason than loss (a shared part restarting) runs again. */
async function retried<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 3) throw error;
      log(`${what}: ${(error as Error).message}; again in 10 s`);
      await sleep(10_000);
    }
  }
}

async function chain(tb: Testbed, api: Api) {
  const name = 'memleak-bench-chain';
  const { pod, pid } = await startPod(tb, name, {
    LEAK_MODE: 'steady',
    LEAK_INTERVAL_MS: '3600000',
    LEAK_START_DELAY_S: '3600',
  });
  const ip = pod.status.podIP!;
  log(`chain: pod ${pod.metadata.name} on ${pod.spec.nodeName}, pid ${pid}`);
  const steps: Array<Record<string, unknown>> = [];
  const best = { direct: 0, chain: 0 };
  const failedOnce = { direct: false, chain: false };
  try {
    for (let rate = START_RATE; rate <= MAX_RATE; rate *= 2) {
      for (const path of ['direct', 'chain'] as const) {
        if (failedOnce[path]) continue;
        const r = await retried(`${path} at ${rate}`, () =>
          step(
            path === 'direct'
              ? () => directTrace(pod, pid)
              : () => chainTrace(api, name, pod),
            ip,
            rate,
          ),
        );
        log(
          `chain: ${path} at ${rate} pairs/s offered (${r.pairsPerSec} made): ${
            r.ok ? 'all delivered' : 'LOSS'
          } — ${r.deliveredFrees}/${r.generatedPairs} frees, ${
            r.lostEvents
          } lost`,
        );
        steps.push({ path, ...r });
        if (r.ok) best[path] = Math.max(best[path], r.pairsPerSec);
        else failedOnce[path] = true;
      }
      if (failedOnce.direct && failedOnce.chain) break;
    }
  } finally {
    await deletePods(tb, name);
  }
  return {
    directMaxPairsPerSec: best.direct,
    chainMaxPairsPerSec: best.chain,
    ratio: best.direct ? Number((best.chain / best.direct).toFixed(2)) : null,
    steps,
    loadSec: LOAD_SEC,
    requestsPerSec: REQUESTS_PER_SEC,
    goal: { ratio: 0.5, met: best.direct > 0 && best.chain >= best.direct / 2 },
  };
}

// --- 2. detection through the chain, next to the local path --------------------

const LEAK_ENV = {
  LEAK_MODE: 'leak',
  LEAK_START_DELAY_S: '0',
  LEAK_INTERVAL_MS: '8000',
  LEAK_CHUNK_KB: '1024',
};

function lightLoad(host: string, port: number) {
  const timer = setInterval(() => {
    fetch(`http://${host}:${port}/work?n=4`)
      .then(r => r.arrayBuffer())
      .catch(() => undefined);
  }, 200);
  return () => clearInterval(timer);
}

const namesLeak = (frames: Array<{ symbol?: string }> | undefined) =>
  frames?.slice(0, 2).some(f => f.symbol === 'leak_memory_chunk') ?? false;

async function kubernetesDetection(tb: Testbed, api: Api) {
  const name = 'memleak-bench-leak';
  const { pod } = await startPod(tb, name, LEAK_ENV);
  const stopLoad = lightLoad(pod.status.podIP!, 8080);
  const t0 = performance.now();
  const since = () => round1((performance.now() - t0) / 1000);
  let growingSec: number | null = null;
  let leakSec: number | null = null;
  let id: string | undefined;
  let last: TraceDetail | undefined;
  try {
    const start = await api.post('/api/memleak/traces').send({
      entityRef: refOf(name),
      target: pod.metadata.name,
      durationSec: DETECTION_CAP_SEC,
    });
    if (start.status !== 201) throw new Error(`POST /traces: ${start.status}`);
    id = start.body.id;
    while (since() < DETECTION_CAP_SEC + 10) {
      last = (await api.get(`/api/memleak/traces/${id}`)).body as TraceDetail;
      const right = namesLeak(last.stacks[0]?.frames);
      if (right && (last.verdict === 'growing' || last.verdict === 'leak')) {
        growingSec ??= since();
      }
      if (right && last.verdict === 'leak') leakSec ??= since();
      if (leakSec !== null || last.status !== 'running') break;
      await sleep(500);
    }
  } finally {
    stopLoad();
    if (id) await api.post(`/api/memleak/traces/${id}/stop`);
    await deletePods(tb, name);
  }
  const snap = last?.snapshots[last.snapshots.length - 1];
  log(
    `detection through the chain: growing ${growingSec} s, leak ${leakSec} s`,
  );
  return {
    growingSec,
    leakSec,
    tracedSec: round1(last?.elapsedSec ?? 0),
    lostEvents: snap?.lostEvents ?? null,
    topStack:
      last?.stacks[0]?.frames
        .slice(0, 4)
        .map(f => f.symbol ?? f.address)
        .join(' <- ') ?? null,
  };
}

async function localDetection() {
  const leaker = await LeakerProcess.start(LEAK_ENV);
  const stopLoad = lightLoad('127.0.0.1', leaker.port);
  const t0 = performance.now();
  const since = () => round1((performance.now() - t0) / 1000);
  let growingSec: number | null = null;
  let leakSec: number | null = null;
  try {
    const run = await recordTrace(
      new LocalEbpfSource({ pid: leaker.pid }),
      {
        durationSec: DETECTION_CAP_SEC,
        intervalSec: 2,
        minAgeSec: 10,
        topStacks: 5,
      },
      (u, session) => {
        const right = namesLeak(u.stacks[0]?.frames);
        if (right && (u.verdict === 'growing' || u.verdict === 'leak')) {
          growingSec ??= since();
        }
        if (right && u.verdict === 'leak') {
          leakSec ??= since();
          session.stop();
        }
      },
    );
    log(`detection, local: growing ${growingSec} s, leak ${leakSec} s`);
    return {
      growingSec,
      leakSec,
      tracedSec: round1(run.last.elapsedSec),
      lostEvents: run.last.snapshot.lostEvents,
    };
  } finally {
    stopLoad();
    await leaker.stop();
  }
}

async function detection(tb: Testbed, api: Api) {
  const [k8s, local] = await Promise.all([
    kubernetesDetection(tb, api),
    localDetection(),
  ]);
  const ratio = (a: number | null, b: number | null) =>
    a !== null && b ? Number((a / b).toFixed(2)) : null;
  return {
    kubernetes: k8s,
    local,
    growingRatio: ratio(k8s.growingSec, local.growingSec),
    leakRatio: ratio(k8s.leakSec, local.leakSec),
    leak: '1024 KiB every 8000 ms from the start; 5 requests/s of /work?n=4',
  };
}

async function main() {
  requireRoot();
  const only = option('only');
  log('making sure the test bed is up (testbed.sh up)');
  execFileSync('bash', [path.join(root, 'testbed/testbed.sh'), 'up'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (only !== 'chain') buildLeakerAndTracer();
  const tb = await testbed();
  const cfg = testbedBackendConfig(tb);
  const { backend, api } = await startMemleakBackend({
    entities: [entity('memleak-bench-chain'), entity('memleak-bench-leak')],
    config: {
      kubernetes: cfg.kubernetes,
      backend: { server: cfg.backendServer },
    },
    kubernetes: cfg.memleakKubernetes,
    trace: { maxConcurrent: 4, maxDurationSec: 900 },
    plugins: [kubernetesPlugin],
  });
  Object.assign(backend.server, cfg.backendServer);
  try {
    const result: Record<string, unknown> = {};
    if (only !== 'detection') result.chain = await chain(tb, api);
    if (only !== 'chain') result.detection = await detection(tb, api);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await backend.stop();
  }
}

main().then(
  () => process.exit(0),
  error => {
    log(String(error?.stack ?? error));
    process.exit(1);
  },
);
