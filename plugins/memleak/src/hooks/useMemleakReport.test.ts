import { FIXTURES } from '../__testUtils__/backendFixtures';
import { isTracing } from './useMemleakReport';

describe('isTracing', () => {
  it('is true while any stream of the latest group runs, not only the latest trace', () => {
    const { report } = FIXTURES.running;
    expect(isTracing(report)).toBe(true);
    const latest = report.latestTrace!;
    // The latest trace failed fast; its sibling still runs.
    const failed = { ...latest, status: 'failed' as const };
    expect(
      isTracing({
        ...report,
        latestTrace: failed,
        latestGroup: report.latestGroup!.map(t =>
          t.id === latest.id ? failed : t,
        ),
      }),
    ).toBe(true);
    expect(isTracing(FIXTURES.everyReplica.report)).toBe(false);
  });
});
