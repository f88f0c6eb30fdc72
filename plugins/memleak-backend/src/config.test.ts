import { ConfigReader } from '@backstage/config';
import os from 'node:os';
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
      { trace: { defaultDurationSec: 30 } },
      /defaultDurationSec: 30 s is too short to reach a verdict: a trace needs at least 32 s/,
    ],
    [
      { trace: { defaultDurationSec: 60, minAgeSec: 60 } },
      /defaultDurationSec: 60 s is too short .* at least 82 s/,
    ],
    [
      { trace: { heartbeatIntervalSec: 0 } },
      /heartbeatIntervalSec must be between 1 and 300/,
    ],
    [
      { trace: { sweepIntervalSec: 0.5 } },
      /sweepIntervalSec must be between 1 and 3600/,
    ],
    [
      { trace: { heartbeatIntervalSec: 20, staleAfterSec: 30 } },
      /staleAfterSec \(30\) must be at least twice heartbeatIntervalSec \(20\)/,
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

describe('memleak.instanceId', () => {
  const idOf = (data: object) =>
    readMemleakSettings(new ConfigReader(data as any)).instanceId;

  it('defaults to the host name and the port the backend listens on', () => {
    const host = os.hostname();
    expect(idOf({})).toBe(`${host}:7007`);
    expect(idOf({ backend: { listen: { port: 7008 } } })).toBe(`${host}:7008`);
    expect(idOf({ backend: { listen: { host: '0.0.0.0' } } })).toBe(
      `${host}:7007`,
    );
    expect(idOf({ backend: { listen: ':7010' } })).toBe(`${host}:7010`);
    expect(idOf({ backend: { listen: '127.0.0.1:7011' } })).toBe(
      `${host}:7011`,
    );
    expect(idOf({ backend: { listen: '7012' } })).toBe(`${host}:7012`);
  });

  it('takes the configured id, trimmed', () => {
    expect(idOf({ memleak: { instanceId: ' backstage-0 ' } })).toBe(
      'backstage-0',
    );
  });

  it('rejects an empty id and one longer than its column', () => {
    const message = /memleak.instanceId must be 1 to 255 characters/;
    expect(() => idOf({ memleak: { instanceId: '  ' } })).toThrow(message);
    expect(() => idOf({ memleak: { instanceId: 'x'.repeat(256) } })).toThrow(
      message,
    );
    expect(idOf({ memleak: { instanceId: 'x'.repeat(255) } })).toHaveLength(
      255,
    );
  });
});
