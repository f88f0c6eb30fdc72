import { ConfigReader } from '@backstage/config';
import { DEFAULT_TRACE_SETTINGS, readMemleakSettings } from './config';

describe('readMemleakSettings', () => {
  it('uses defaults when memleak is not configured', () => {
    const s = readMemleakSettings(new ConfigReader({}));
    expect(s.trace).toEqual(DEFAULT_TRACE_SETTINGS);
    expect(s.localTargets).toEqual([]);
  });

  it('reads local targets and normalises entity refs', () => {
    const s = readMemleakSettings(
      new ConfigReader({
        memleak: {
          trace: { maxConcurrent: 1 },
          localTargets: [
            {
              entityRef: 'Component:default/Leaker-C',
              name: 'leaker',
              pidFile: 'x.pid',
            },
          ],
        },
      }),
    );
    expect(s.trace.maxConcurrent).toBe(1);
    expect(s.localTargets[0]).toMatchObject({
      entityRef: 'component:default/leaker-c',
      pidFile: 'x.pid',
    });
  });

  it.each([
    [
      { trace: { maxDurationSec: 5 } },
      /maxDurationSec must be between 10 and 3600/,
    ],
    [{ trace: { maxConcurrent: 0 } }, /maxConcurrent must be between 1 and 64/],
    [
      { trace: { defaultDurationSec: 600, maxDurationSec: 300 } },
      /exceeds maxDurationSec/,
    ],
    [
      { localTargets: [{ entityRef: 'component:default/x', name: 'x' }] },
      /needs pidFile or processName/,
    ],
  ])('rejects %j', (memleak, message) => {
    expect(() => readMemleakSettings(new ConfigReader({ memleak }))).toThrow(
      message,
    );
  });
});
