/* eslint-disable no-console */
import fs from 'node:fs';
import { KubeconfigKubeApi } from '../../../kubernetes/KubeconfigKubeApi';
import { findGadgetPod, openPortForward } from '../../../kubernetes/gadgetPods';
import { GadgetClient } from '../GadgetClient';

/**
 * Records a real trace_malloc run as JSON lines of raw GadgetEvents
 * (`{type, seq, dataSourceID, payload}` with the payload in base64), for the
 * decoder's tests and benchmark. Run against the test bed:
 *   node -r @backstage/cli/config/nodeTransform.cjs \
 *     plugins/memleak-backend/src/sources/gadget/testing/recordGadget.ts \
 *     KUBECONFIG NAMESPACE POD SECONDS OUT [param=value...]
 */
async function main() {
  const [kubeconfig, namespace, podName, seconds, out, ...extra] =
    process.argv.slice(2);
  const api = await KubeconfigKubeApi.load(kubeconfig);
  const pod = JSON.parse(
    await (
      await api.request(`/api/v1/namespaces/${namespace}/pods/${podName}`)
    ).text(),
  );
  const gadgetPod = await findGadgetPod(
    api,
    { namespace: 'gadget', labelSelector: 'k8s-app=gadget', port: 8080 },
    pod.spec.nodeName,
  );
  const client = await GadgetClient.connect(
    await openPortForward(api, 'gadget', gadgetPod, 8080),
  );
  const params: Record<string, string> = {
    'operator.KubeManager.namespace': namespace,
    'operator.KubeManager.podname': podName,
    'operator.oci.ebpf.collect-ustack': 'true',
  };
  for (const kv of extra) {
    const i = kv.indexOf('=');
    params[kv.slice(0, i)] = kv
      .slice(i + 1)
      .replace(
        '{host-pid}',
        pod.metadata.annotations['testbed.memleak.dev/host-pid'],
      );
  }
  const run = client.run({
    imageName: 'trace_malloc:v0.55.0',
    paramValues: params,
    logLevel: Number(process.env.LOG_LEVEL ?? 3),
    timeoutNs: Number(seconds) * 1e9,
  });
  const lines: string[] = [];
  const t0 = Date.now();
  for await (const e of run.events()) {
    if (process.env.VERBOSE)
      console.log(((Date.now() - t0) / 1000).toFixed(1), e.type, e.seq);
    lines.push(
      JSON.stringify({
        type: e.type,
        seq: e.seq,
        dataSourceID: e.dataSourceID,
        payload: Buffer.from(e.payload).toString('base64'),
      }),
    );
  }
  fs.writeFileSync(out, `${lines.join('\n')}\n`);
  console.log(`${lines.length} events written to ${out}`);
  client.close();
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
