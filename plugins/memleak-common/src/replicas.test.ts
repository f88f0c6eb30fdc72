import { replicaVerdict } from './replicas';
import type { TraceSummary, Verdict } from './types';

const trace = (
  pod: string,
  verdict: Verdict,
  growthBytesPerSec = 0,
): TraceSummary => ({
  id: pod,
  entityRef: 'component:default/leaker-c',
  target: { kind: 'kubernetes', label: `dev/demo/${pod}`, pod },
  status: 'completed',
  startedAt: '2025-01-01T12:00:00.000Z',
  durationSec: 120,
  elapsedSec: 120,
  verdict,
  reason: '',
  growthBytesPerSec,
  outstandingBytes: 0,
});

describe('replicaVerdict', () => {
  it('calls growth in every replica a code leak', () => {
    expect(
      replicaVerdict([
        trace('a', 'leak', 100),
        trace('b', 'growing', 300),
        trace('c', 'leak', 200),
      ]),
    ).toEqual({
      verdict: 'leak',
      spread: 'every',
      traced: 3,
      growing: ['dev/demo/a', 'dev/demo/b', 'dev/demo/c'],
      inconclusive: 0,
      growthBytesPerSec: 300,
    });
  });

  it('tells growth in one replica among stable ones apart', () => {
    expect(
      replicaVerdict([
        trace('a', 'stable'),
        trace('b', 'leak', 50),
        trace('c', 'stable'),
      ]),
    ).toMatchObject({
      verdict: 'leak',
      spread: 'some',
      growing: ['dev/demo/b'],
    });
  });

  it('does not call it one replica’s when the others are inconclusive', () => {
    expect(
      replicaVerdict([trace('a', 'growing'), trace('b', 'inconclusive')]),
    ).toMatchObject({ verdict: 'growing', spread: 'unclear', inconclusive: 1 });
  });

  it('cannot tell code from state with one trace', () => {
    expect(replicaVerdict([trace('a', 'leak')]).spread).toBe('single');
    expect(replicaVerdict([trace('a', 'stable')]).spread).toBe('none');
  });

  it('keeps the worst verdict, and a shrinking heap’s rate as it is', () => {
    expect(
      replicaVerdict([
        trace('a', 'stable', -10),
        trace('b', 'inconclusive', -20),
      ]),
    ).toMatchObject({
      verdict: 'inconclusive',
      spread: 'none',
      growthBytesPerSec: -10,
    });
  });
});
