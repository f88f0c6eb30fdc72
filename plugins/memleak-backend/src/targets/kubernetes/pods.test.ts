import { describePod, parseQuantity, type PodObject } from './pods';

const pod = (status: PodObject['status']): PodObject => ({
  metadata: { name: 'leaker-c-1', namespace: 'memleak-demo' },
  spec: {
    nodeName: 'node-a',
    containers: [
      { name: 'sidecar' },
      {
        name: 'leaker',
        resources: {
          requests: { memory: '64Mi' },
          limits: { memory: '256Mi' },
        },
      },
    ],
  },
  status,
});

describe('describePod', () => {
  it('takes readiness from the Ready condition, the kubelet’s probe result', () => {
    const ready = (status: string) =>
      describePod(
        'dev',
        pod({
          phase: 'Running',
          conditions: [
            { type: 'PodScheduled', status: 'True' },
            { type: 'Ready', status },
          ],
        }),
        'leaker',
      ).ready;
    expect(ready('True')).toBe(true);
    expect(ready('False')).toBe(false);
    expect(ready('Unknown')).toBe(false);
    expect(
      describePod('dev', pod({ phase: 'Pending' }), 'leaker').ready,
    ).toBeUndefined();
  });

  it('reads the traced container’s memory and the latest termination of any container', () => {
    const described = describePod(
      'dev',
      pod({
        phase: 'Running',
        containerStatuses: [
          {
            name: 'sidecar',
            restartCount: 1,
            lastState: {
              terminated: {
                reason: 'Error',
                finishedAt: '2026-11-30T08:00:00Z',
              },
            },
          },
          {
            name: 'leaker',
            restartCount: 2,
            lastState: {
              terminated: {
                reason: 'OOMKilled',
                exitCode: 137,
                finishedAt: '2026-11-30T09:00:00Z',
              },
            },
          },
        ],
      }),
      'leaker',
    );
    expect(described).toMatchObject({
      restarts: 3,
      lastTermination: {
        reason: 'OOMKilled',
        exitCode: 137,
        at: '2026-11-30T09:00:00Z',
      },
      memoryRequestBytes: 64 * 2 ** 20,
      memoryLimitBytes: 256 * 2 ** 20,
    });
  });
});

describe('parseQuantity', () => {
  it.each([
    ['256Mi', 256 * 2 ** 20],
    ['1G', 1e9],
    ['1e9', 1e9],
    ['500m', 0.5],
    ['12', 12],
  ])('reads %s', (q, bytes) => expect(parseQuantity(q)).toBe(bytes));

  it.each(['', '12 Mi', 'lots', '1Xi'])('refuses %j', q =>
    expect(parseQuantity(q)).toBeUndefined(),
  );
});
