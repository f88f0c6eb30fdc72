import { FIXTURES } from '../../__testUtils__/backendFixtures';
import { describeOutlook, formatTimeToLimit, podRows } from './podRows';

const MIB = 1024 * 1024;

describe('podRows', () => {
  it('joins each pod with its report, working set, trace details and time to OOM', () => {
    const { report, traces } = FIXTURES.everyReplica;
    const rows = podRows(report, traces);
    expect(rows.map(r => r.pod.name)).toEqual([
      'leaker-c-7d9c-a',
      'leaker-c-7d9c-b',
      'leaker-c-7d9c-c',
    ]);
    for (const row of rows) {
      expect(row.reported?.name).toBe(row.pod.name);
      expect(row.kernel?.name).toBe(row.pod.name);
      expect(row.trace?.target.pod).toBe(row.pod.name);
      expect(row.trace).toHaveProperty('snapshots');
      expect(row.outlook).toMatchObject({
        kind: 'hits-limit',
        limitBytes: 256 * MIB,
      });
    }
  });

  it('uses the summaries until the details arrive: no rate yet', () => {
    const { report } = FIXTURES.everyReplica;
    const rows = podRows({ ...report, latestTrace: undefined }, []);
    expect(rows.every(r => r.trace && !('snapshots' in r.trace))).toBe(true);
    expect(rows.map(r => r.outlook.kind)).toEqual([
      'no-data',
      'no-data',
      'no-data',
    ]);
  });

  it('has no time to OOM without a working set, or without growth', () => {
    const setup = podRows(FIXTURES.setup.report, FIXTURES.setup.traces);
    expect(setup.map(r => r.outlook.kind)).toEqual([
      'no-data',
      'no-data',
      'no-data',
    ]);
    const one = podRows(FIXTURES.oneReplica.report, FIXTURES.oneReplica.traces);
    expect(one.map(r => r.outlook.kind)).toEqual([
      'hits-limit',
      'not-growing',
      'not-growing',
    ]);
  });
});

describe('describeOutlook', () => {
  const growth = {
    bytesPerSec: 1,
    lowBytesPerSec: 1,
    highBytesPerSec: 1,
    points: 9,
  };
  it('says the time, the range and the limit', () => {
    expect(
      describeOutlook({
        kind: 'hits-limit',
        limitBytes: 256 * MIB,
        currentBytes: 0,
        growth,
        sec: 1380,
        soonestSec: 1320,
        latestSec: 1440,
      }),
    ).toBe('~23 min (22 min–24 min) to the 256 MiB limit');
  });

  it('leaves out a range that rounds to nothing, and says now at the limit', () => {
    const at = (sec: number, soonestSec: number, latestSec: number) =>
      formatTimeToLimit({ sec, soonestSec, latestSec });
    expect(at(600, 590, 610)).toBe('~10 min');
    expect(at(0, 0, 0)).toBe('now');
  });

  it.each([
    [{ kind: 'no-limit' as const }, 'no memory limit'],
    [{ kind: 'no-data' as const, limitBytes: MIB }, 'not traced yet'],
    [{ kind: 'not-growing' as const, limitBytes: MIB, growth }, 'not growing'],
    [
      { kind: 'unknown-usage' as const, limitBytes: MIB, growth },
      'growing; working set unknown',
    ],
  ])('says why there is no time: %o', (outlook, text) => {
    expect(describeOutlook(outlook)).toBe(text);
  });
});
