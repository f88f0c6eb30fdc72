import fs from 'node:fs';
import path from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { KubeconfigKubeApi } from '../kubernetes/KubeconfigKubeApi';

/**
 * The test bed (`yarn testbed up`): a real API server, kwok nodes and real
 * Inspektor Gadget. Tests that need it fail with what to run when it is not
 * up — never skipped. `scripts/test.sh` brings it up before Jest.
 */
export const TESTBED_DIR =
  process.env.MEMLEAK_TESTBED_DIR ??
  resolvePackagePath(
    '@internal/plugin-memleak-backend',
    '../../.memleak/testbed',
  );

export interface Testbed {
  dir: string;
  /** Admin (system:masters). */
  adminKubeconfig: string;
  /** The Backstage backend's ServiceAccount (backstage/backstage). */
  backstageKubeconfig: string;
  backstageToken: string;
  server: string;
  caFile: string;
  /** The admin's API and the ServiceAccount's. */
  admin: KubeconfigKubeApi;
  backstage: KubeconfigKubeApi;
}

export async function testbed(): Promise<Testbed> {
  const file = (name: string) => path.join(TESTBED_DIR, name);
  if (
    !fs.existsSync(file('backstage.token')) ||
    !fs.existsSync(file('run/kube-apiserver.pid'))
  ) {
    throw new Error(
      `The test bed is not up (no ${file(
        'run/kube-apiserver.pid',
      )}): run \`sudo yarn testbed up\` first (testbed/README.md).`,
    );
  }
  const port = process.env.MEMLEAK_TESTBED_APISERVER_PORT ?? '16443';
  return {
    dir: TESTBED_DIR,
    adminKubeconfig: file('kubeconfig'),
    backstageKubeconfig: file('backstage.kubeconfig'),
    backstageToken: fs.readFileSync(file('backstage.token'), 'utf8').trim(),
    server: `https://127.0.0.1:${port}`,
    caFile: file('pki/ca.crt'),
    admin: await KubeconfigKubeApi.load(file('kubeconfig')),
    backstage: await KubeconfigKubeApi.load(file('backstage.kubeconfig')),
  };
}

interface PodList {
  items: Array<{
    metadata: { name: string; annotations?: Record<string, string> };
    spec: { nodeName?: string };
    status: { phase?: string; podIP?: string };
  }>;
}

/** The demo's Running leaker pods, as the admin sees them. */
export async function leakerPods(tb: Testbed): Promise<PodList['items']> {
  const res = await tb.admin.request(
    '/api/v1/namespaces/memleak-demo/pods?labelSelector=app.kubernetes.io%2Fname%3Dleaker-c',
  );
  const list = JSON.parse(await res.text()) as PodList;
  return list.items.filter(p => p.status.phase === 'Running');
}

/** The name the test bed's cluster has in the kubernetes plugin's config. */
export const TESTBED_CLUSTER = 'testbed';

/** What the test bed's cluster needs (testbed/README.md, "gadget params"). */
export const TESTBED_GADGET_PARAMS = [
  { name: 'operator.LocalManager.host', value: 'true' },
  {
    name: 'operator.oci.ebpf.pid',
    value: '{pod.annotations.testbed.memleak.dev/host-pid}',
  },
];

/**
 * Root config for a backend that reaches the test bed the way a platform
 * team's Backstage reaches its cluster: the kubernetes backend plugin with
 * the ServiceAccount's token, and memleak's per-cluster gadget params (the
 * test bed's ig traces host processes, filtered to the pod's pid).
 */
export function testbedBackendConfig(tb: Testbed) {
  return {
    // Node's HTTP server times out a request after headersTimeout (60 s) —
    // including the upgrade request of a WebSocket the kubernetes proxy
    // serves from its request handler — and writes `408` into the stream.
    backendServer: { headersTimeout: 0, requestTimeout: 0 },
    kubernetes: {
      serviceLocatorMethod: { type: 'multiTenant' },
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            {
              name: TESTBED_CLUSTER,
              url: tb.server,
              authProvider: 'serviceAccount',
              serviceAccountToken: tb.backstageToken,
              caFile: tb.caFile,
              skipMetricsLookup: true,
            },
          ],
        },
      ],
    },
    memleakKubernetes: {
      clusters: [
        { name: TESTBED_CLUSTER, gadgetParams: TESTBED_GADGET_PARAMS },
      ],
    },
  };
}

/** leaker-c as the catalog has it: its pods by `backstage.io/kubernetes-id`. */
export const LEAKER: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'leaker-c',
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-id': 'leaker-c',
      'backstage.io/kubernetes-namespace': 'memleak-demo',
      'memleak.dev/health-port': '8080',
      'memleak.dev/metrics-port': '9090',
    },
  },
  spec: { type: 'service', lifecycle: 'experimental', owner: 'team-a' },
};
