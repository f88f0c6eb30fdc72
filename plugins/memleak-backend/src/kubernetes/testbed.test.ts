import { leakerPods, testbed, Testbed } from '../__testUtils__/testbed';
import { GadgetClient } from '../sources/gadget/GadgetClient';
import { findGadgetPod, openPortForward } from './gadgetPods';
import { KubeApi, KubeApiError } from './KubeApi';
import { PORT_FORWARD_PROTOCOL } from './portForward';

/**
 * What the Backstage backend's ServiceAccount may and may not do, as the
 * test bed's real API server enforces it (manifests/backstage-rbac), through
 * the same client code the plugin uses.
 */

const GADGET = {
  namespace: 'gadget',
  labelSelector: 'k8s-app=gadget',
  port: 8080,
};

// The hooks reach the API server while other test files load the machine.
jest.setTimeout(60_000);

let tb: Testbed;
let leaker: string;

beforeAll(async () => {
  tb = await testbed();
  const pods = await leakerPods(tb);
  if (pods.length === 0)
    throw new Error('the test bed has no Running leaker pod');
  leaker = pods[0].metadata.name;
});

async function status(api: KubeApi, path: string, method = 'GET') {
  const res = await api.request(path, { method });
  return { status: res.status, body: await res.text() };
}

describe('as the Backstage ServiceAccount, the API server allows', () => {
  it('listing and getting pods in memleak-demo', async () => {
    const list = await status(
      tb.backstage,
      '/api/v1/namespaces/memleak-demo/pods',
    );
    expect(list.status).toBe(200);
    expect(
      JSON.parse(list.body).items.map((p: any) => p.metadata.name),
    ).toContain(leaker);
    const one = await status(
      tb.backstage,
      `/api/v1/namespaces/memleak-demo/pods/${leaker}`,
    );
    expect(one.status).toBe(200);
  });

  it("GET pods/proxy to the leaker's /health: the real process answers", async () => {
    const res = await status(
      tb.backstage,
      `/api/v1/namespaces/memleak-demo/pods/${leaker}:8080/proxy/health`,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      status: 'healthy',
      mode: 'leak',
    });
  });

  it("GET pods/proxy to the leaker's /metrics: its own Prometheus text", async () => {
    const res = await status(
      tb.backstage,
      `/api/v1/namespaces/memleak-demo/pods/${leaker}:9090/proxy/metrics`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^memory_heap_used_bytes \d+/m);
  });

  it("a WebSocket port-forward (v4.channel.k8s.io) to each gadget pod's 8080 reaches ig's GetInfo", async () => {
    for (const node of ['memleak-node-1', 'memleak-node-2']) {
      const pod = await findGadgetPod(tb.backstage, GADGET, node);
      expect(pod).toBe(`gadget-${node}`);
      const client = await GadgetClient.connect(
        await openPortForward(tb.backstage, GADGET.namespace, pod, GADGET.port),
      );
      try {
        const info = await client.getInfo();
        expect(info.serverVersion).toBe('0.55.0');
      } finally {
        client.close();
      }
    }
  });
});

describe('as the Backstage ServiceAccount, the API server refuses (403)', () => {
  const forbidden = async (path: string, method = 'GET') => {
    const res = await status(tb.backstage, path, method);
    expect({ path, status: res.status }).toEqual({ path, status: 403 });
    return JSON.parse(res.body).message as string;
  };

  it('reading secrets', async () => {
    expect(await forbidden('/api/v1/namespaces/memleak-demo/secrets')).toMatch(
      /cannot list resource "secrets"/,
    );
  });

  it('pods in other namespaces', async () => {
    await forbidden('/api/v1/namespaces/kube-system/pods');
    await forbidden('/api/v1/namespaces/default/pods');
    await forbidden('/api/v1/pods');
  });

  it('changing anything in memleak-demo', async () => {
    await forbidden(`/api/v1/namespaces/memleak-demo/pods/${leaker}`, 'DELETE');
  });

  it('exec into the leaker', async () => {
    const error = await tb.backstage
      .webSocket(
        `/api/v1/namespaces/memleak-demo/pods/${leaker}/exec?command=sh&stdout=true`,
        [PORT_FORWARD_PROTOCOL],
      )
      .then(
        ws => {
          ws.terminate();
          return undefined;
        },
        e => e,
      );
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/cannot (get|create) resource "pods\/exec"/);
  });

  it('a port-forward to the leaker (only the gadget pods may be reached)', async () => {
    const error = await openPortForward(
      tb.backstage,
      'memleak-demo',
      leaker,
      8080,
    ).then(
      () => undefined,
      e => e,
    );
    expect(error?.notice?.code).toBe('rbac_denied');
    expect(error.message).toMatch(
      /cannot (get|create) resource "pods\/portforward"/,
    );
  });
});
