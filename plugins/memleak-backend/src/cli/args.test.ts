import fc from 'fast-check';
import { parseCliArgs, UsageError } from './args';

describe('memleak-trace arguments', () => {
  it('applies defaults', () => {
    expect(parseCliArgs(['--pid', '42'])).toEqual({
      target: { kind: 'local', pid: 42 },
      durationSec: 60,
      intervalSec: 2,
      minAgeSec: 10,
      top: 5,
      json: false,
    });
  });

  it('reads every option', () => {
    expect(
      parseCliArgs([
        '--pid',
        '7',
        '--duration',
        '30',
        '--interval',
        '0.5',
        '--min-age',
        '0',
        '--top',
        '3',
        '--json',
      ]),
    ).toEqual({
      target: { kind: 'local', pid: 7 },
      durationSec: 30,
      intervalSec: 0.5,
      minAgeSec: 0,
      top: 3,
      json: true,
    });
  });

  it('reads a pod target the way kubectl names one', () => {
    expect(
      parseCliArgs([
        '-n',
        'memleak-demo',
        '-p',
        'leaker-c-1',
        '-c',
        'leaker',
        '--kubeconfig',
        'kc.yaml',
        '--context',
        'lab',
        '--gadget-param',
        'operator.LocalManager.host=true',
        '--gadget-param',
        'operator.oci.ebpf.pid={pod.annotations.a=b}',
        '--duration',
        '90',
      ]),
    ).toMatchObject({
      target: {
        kind: 'kubernetes',
        namespace: 'memleak-demo',
        pod: 'leaker-c-1',
        container: 'leaker',
        kubeconfig: 'kc.yaml',
        context: 'lab',
        gadgetParams: {
          'operator.LocalManager.host': 'true',
          'operator.oci.ebpf.pid': '{pod.annotations.a=b}',
        },
      },
      durationSec: 90,
    });
    // Namespace, kubeconfig and context default later, from the kubeconfig.
    expect(parseCliArgs(['--pod', 'web-1'])).toMatchObject({
      target: { kind: 'kubernetes', pod: 'web-1', gadgetParams: {} },
    });
  });

  it.each([
    [[], '--pid (a process) or --pod (a pod) is required'],
    [['--pid', '3', '-p', 'web-1'], '--pid and --pod name two targets'],
    [['--pid', '3', '-n', 'demo'], '--namespace applies to --pod, not --pid'],
    [['-p', ''], '--pod must name a pod'],
    [
      ['-p', 'web-1', '--gadget-param', 'novalue'],
      '--gadget-param must be NAME=VALUE, got "novalue"',
    ],
    [['--pid', 'abc'], '--pid must be a whole number, got "abc"'],
    [['--pid', '1.5'], '--pid must be a whole number'],
    [['--pid', '0'], '--pid must be between 1'],
    [
      ['--pid', '3', '--duration', '5'],
      '--duration must be between 10 and 3600, got 5',
    ],
    [
      ['--pid', '3', '--duration', '31'],
      '--duration 31 s is too short to reach a verdict: a trace needs at least 32 s (first snapshot after 2 s, 10 s minimum age, then 20 s of data)',
    ],
    [
      ['--pid', '3', '--duration', '60', '--interval', '30', '--min-age', '20'],
      '--duration 60 s is too short to reach a verdict: a trace needs at least 70 s',
    ],
    [['--pid', '3', '--interval', ''], '--interval must be a number'],
    [['--pid', '3', '--bogus'], "Unknown option '--bogus'"],
    [['--pid', '3', 'extra'], 'extra'],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parseCliArgs(argv as string[])).toThrow(UsageError);
    expect(() => parseCliArgs(argv as string[])).toThrow(message);
  });

  it('accepts the shortest duration that reaches a verdict', () => {
    expect(parseCliArgs(['--pid', '3', '--duration', '32'])).toMatchObject({
      durationSec: 32,
    });
    // without a minimum age: 2 s to the first snapshot and 20 s of data
    expect(
      parseCliArgs(['--pid', '3', '--duration', '22', '--min-age', '0']),
    ).toMatchObject({ durationSec: 22 });
  });

  it('never throws anything but UsageError on arbitrary input', () => {
    expect.hasAssertions();
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 }),
        argv => {
          let thrown: unknown;
          try {
            parseCliArgs(argv);
          } catch (e) {
            thrown = e;
          }
          expect(thrown === undefined || thrown instanceof UsageError).toBe(
            true,
          );
        },
      ),
    );
  });
});
