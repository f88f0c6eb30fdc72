import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { cliTraceReportSchema } from '@internal/plugin-memleak-common';
import { runProcess } from '../__testUtils__/runProcess';
import {
  leakerPods,
  testbed,
  Testbed,
  TESTBED_GADGET_PARAMS,
} from '../__testUtils__/testbed';

/**
 * `kubectl memleak` as users run it: the real kubectl finds
 * `kubectl-memleak` on PATH and runs it with the user's KUBECONFIG — here the
 * Backstage ServiceAccount's, the least privilege the trace needs — against
 * the test bed's real API server and Inspektor Gadget.
 */

const BIN = path.join(
  resolvePackagePath('@internal/plugin-memleak-backend'),
  'bin',
);

// The hooks reach the API server while other test files load the machine.
jest.setTimeout(60_000);

let tb: Testbed;
let pod: string;
let kubectl: string;

beforeAll(async () => {
  tb = await testbed();
  kubectl = path.join(tb.dir, 'bin', 'kubectl');
  pod = (await leakerPods(tb)).map(p => p.metadata.name).sort()[0];
});

function kubectlMemleak(
  args: string[],
  kubeconfig = tb.backstageKubeconfig,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runProcess(kubectl, ['memleak', ...args], {
    ...process.env,
    PATH: `${BIN}${path.delimiter}${process.env.PATH}`,
    KUBECONFIG: kubeconfig,
  });
}

const gadgetParams = TESTBED_GADGET_PARAMS.flatMap(p => [
  '--gadget-param',
  `${p.name}=${p.value}`,
]);

describe('kubectl memleak', () => {
  it('traces a leaker pod through the API server and names leak_memory_chunk', async () => {
    const r = await kubectlMemleak([
      '-n',
      'memleak-demo',
      '-p',
      pod,
      ...gadgetParams,
      '--duration',
      '120',
      '--json',
    ]);
    expect({ code: r.code, stderr: r.code ? r.stderr : '' }).toEqual({
      code: 0,
      stderr: '',
    });
    const report = cliTraceReportSchema.parse(JSON.parse(r.stdout));
    expect(report.pod).toMatchObject({
      namespace: 'memleak-demo',
      name: pod,
      container: 'leaker',
    });
    expect(report.status).toBe('completed');
    expect(report.notices).toEqual([]);
    expect(report.snapshots.every(s => s.lostEvents === 0)).toBe(true);
    // The same call as the backend's: leaker-c's leak, caller first.
    expect({
      verdict: report.verdict,
      top: report.stacks[0]?.frames.slice(0, 2).map(f => f.symbol),
    }).toEqual({
      verdict: expect.stringMatching(/^(growing|leak)$/),
      top: ['leak_memory_chunk', 'leak_step'],
    });
    const progress = r.stderr
      .split('\n')
      .filter(l => /^\[\s*\d+s\/120s\]/.test(l));
    expect(progress.length).toBe(report.snapshots.length);
  }, 300_000);

  it('exits 3 and says so when the pod does not exist', async () => {
    const r = await kubectlMemleak(['-n', 'memleak-demo', '-p', 'no-such-pod']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      'kubectl memleak: pod memleak-demo/no-such-pod does not exist',
    );
  }, 60_000);

  it('exits 3 and says which verb the API server refused', async () => {
    // The ServiceAccount may read pods only in memleak-demo.
    const r = await kubectlMemleak(['-n', 'kube-system', '-p', 'anything']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/403|forbidden/i);
  }, 60_000);

  it('exits 3 when the kubeconfig names no such context', async () => {
    const r = await kubectlMemleak(['-p', pod, '--context', 'nope']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('has no context nope');
  }, 60_000);

  it('exits 2 with usage on bad arguments', async () => {
    const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kc-')));
    const r = await kubectlMemleak(['--duration', 'x'], empty);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: memleak-trace');
  }, 60_000);
});
