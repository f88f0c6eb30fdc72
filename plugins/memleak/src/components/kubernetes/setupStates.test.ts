import type { Notice } from '@internal/plugin-memleak-common';
import { FIXTURES } from '../../__testUtils__/backendFixtures';
import {
  annotationsMissingState,
  isSetupNotice,
  setupStates,
} from './setupStates';

const { setup, versionSkew } = FIXTURES;
const allNotices = [
  ...setup.report.notices,
  ...setup.traces.flatMap(t => t.notices),
];
const stateOf = (code: string, notices: Notice[] = allNotices) =>
  setupStates(notices).filter(s => s.code === code);

describe('setupStates, on what the backend says', () => {
  it('names the verb, resource and namespace Kubernetes refused, with a check as that user', () => {
    const [list, portForward] = stateOf('rbac_denied');
    expect(list.title).toBe(
      'Kubernetes refused: list pods in namespace memleak-demo, cluster payments-staging',
    );
    expect(portForward.title).toBe(
      'Kubernetes refused: create pods/portforward in namespace gadget, cluster payments-dev',
    );
    expect(portForward.commands.map(c => c.command)).toEqual([
      'kubectl apply -k manifests/backstage-rbac',
      'kubectl auth can-i create pods/portforward -n gadget --as=system:serviceaccount:backstage:backstage',
    ]);
  });

  it('says on which node Inspektor Gadget is missing, and how to check that node', () => {
    const [missing] = stateOf('gadget_missing');
    expect(missing.title).toBe(
      'Inspektor Gadget is not running on node node-b (cluster payments-dev)',
    );
    expect(missing.commands.map(c => c.command)).toEqual([
      'kubectl gadget deploy',
      'kubectl get pods -n gadget -l k8s-app=gadget -o wide --field-selector spec.nodeName=node-b',
    ]);
  });

  it('names the unreachable cluster and says the others are shown', () => {
    const [down] = stateOf('cluster_unreachable');
    expect(down.title).toBe('Cluster payments-prod did not answer');
    expect(down.todo).toMatch(/the other clusters’ are shown/);
    expect(down.commands[0].command).toBe(
      'kubectl --context payments-prod get --raw /readyz',
    );
  });

  it('says a missing metrics server costs only the working set', () => {
    const [metrics] = stateOf('metrics_unavailable');
    expect(metrics).toMatchObject({
      severity: 'info',
      title: 'Working set unavailable: the cluster serves no metrics.k8s.io',
    });
    expect(metrics.todo).toMatch(/^Everything else works/);
    expect(metrics.detail).toBeUndefined();
  });

  it('offers both ways out of a version skew, with the node’s release filled in', () => {
    const [skew] = stateOf(
      'gadget_version_skew',
      versionSkew.traces.flatMap(t => t.notices),
    );
    expect(skew.title).toBe(
      'Inspektor Gadget v0.54.0 on the node; memleak’s gadget is built for v0.55.0',
    );
    expect(skew.commands[1].command).toBe(
      'memleak:\n  kubernetes:\n    gadget:\n      image: trace_malloc:v0.54.0\n      version: v0.54.0',
    );
  });

  it('shows each distinct notice once, and leaves other notices alone', () => {
    const twice = [...allNotices, ...allNotices];
    expect(setupStates(twice)).toHaveLength(setupStates(allNotices).length);
    const lost = FIXTURES.running.traces[1].notices[0];
    expect(lost.code).toBe('lost_events');
    expect(isSetupNotice(lost)).toBe(false);
    expect(setupStates([lost])).toEqual([]);
  });

  it('keeps a refusal it cannot parse, with the backend’s words', () => {
    const [state] = setupStates([
      {
        level: 'error',
        code: 'rbac_denied',
        message: 'GET /x on cluster c1: HTTP 401: Unauthorized',
        at: '2025-01-01T00:00:00.000Z',
      },
    ]);
    expect(state.title).toBe('Kubernetes refused a request in cluster c1');
    expect(state.detail).toBe('GET /x on cluster c1: HTTP 401: Unauthorized');
  });
});

describe('annotationsMissingState', () => {
  it('gives the annotation to paste and a check for the label', () => {
    expect(
      annotationsMissingState('leaker-c').commands.map(c => c.command),
    ).toEqual([
      'metadata:\n  annotations:\n    backstage.io/kubernetes-id: leaker-c',
      'kubectl get pods -A -l backstage.io/kubernetes-id=leaker-c',
    ]);
  });
});
