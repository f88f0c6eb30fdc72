import { parseArgs } from 'node:util';
import { minTraceSec, tooShortForVerdict } from '../verdict';

/** What to trace: a process of this host, or a pod through its cluster's API. */
export type CliTarget =
  | { kind: 'local'; pid: number }
  | {
      kind: 'kubernetes';
      /** Default: $KUBECONFIG, then ~/.kube/config. */
      kubeconfig?: string;
      context?: string;
      /** Default: the context's namespace, then `default`. */
      namespace?: string;
      pod: string;
      container?: string;
      /** Extra Inspektor Gadget params, `--gadget-param NAME=VALUE`. */
      gadgetParams: Record<string, string>;
    };

export interface CliOptions {
  target: CliTarget;
  durationSec: number;
  intervalSec: number;
  minAgeSec: number;
  top: number;
  json: boolean;
}

export const USAGE = `Usage: memleak-trace --pid N [options]
       memleak-trace -p POD [-n NAMESPACE] [--kubeconfig F] [--context C] [options]
       kubectl memleak -p POD [-n NAMESPACE] [options]

Traces a heap and says whether it leaks: a progress line per snapshot on
stderr, then a report. With --pid, the process N of this host, with eBPF (root,
or CAP_BPF + CAP_PERFMON). With -p, a pod, through the Kubernetes API: the
Inspektor Gadget pod on the pod's node runs trace_malloc against it (the
kubeconfig's user needs get/list pods and create pods/portforward on the
gadget pods).

  --pid N               process to trace
  -p, --pod POD         pod to trace
  -n, --namespace NS    the pod's namespace (default: the context's, else default)
  -c, --container NAME  the pod's container (default: its first)
  --kubeconfig F        kubeconfig (default: $KUBECONFIG, else ~/.kube/config)
  --context C           kubeconfig context (default: its current context)
  --gadget-param K=V    extra Inspektor Gadget param, repeatable
  --duration S          seconds to trace, up to 3600 (default 60); at least what a
                        verdict needs: interval + min-age + 20 (${minTraceSec(
                          2,
                          10,
                        )} with the defaults)
  --interval S          seconds between snapshots, 0.5-60 (default 2)
  --min-age S           allocations younger than this do not count as growth, 0-600 (default 10)
  --top N               stacks to report, 1-200 (default 5)
  --json                print the report as one JSON object (CliTraceReport, version 1)

Exit codes: 0 report printed, 2 bad usage, 3 cannot attach.`;

export class UsageError extends Error {
  readonly name = 'UsageError';
}

function number(
  raw: string | undefined,
  flag: string,
  fallback: number,
  min: number,
  max: number,
  integer: boolean,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (
    raw.trim() === '' ||
    !Number.isFinite(n) ||
    (integer && !Number.isInteger(n))
  ) {
    throw new UsageError(
      `${flag} must be ${
        integer ? 'a whole number' : 'a number'
      }, got "${raw}"`,
    );
  }
  if (n < min || n > max) {
    throw new UsageError(`${flag} must be between ${min} and ${max}, got ${n}`);
  }
  return n;
}

/** Parses argv (without node and script); throws UsageError with a readable message. */
export function parseCliArgs(argv: string[]): CliOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        pid: { type: 'string' },
        pod: { type: 'string', short: 'p' },
        namespace: { type: 'string', short: 'n' },
        container: { type: 'string', short: 'c' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        'gadget-param': { type: 'string', multiple: true },
        duration: { type: 'string' },
        interval: { type: 'string' },
        'min-age': { type: 'string' },
        top: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const options = {
    target: readTarget(values),
    durationSec: number(values.duration, '--duration', 60, 10, 3600, false),
    intervalSec: number(values.interval, '--interval', 2, 0.5, 60, false),
    minAgeSec: number(values['min-age'], '--min-age', 10, 0, 600, false),
    top: number(values.top, '--top', 5, 1, 200, true),
    json: Boolean(values.json),
  };
  const tooShort = tooShortForVerdict(
    options.durationSec,
    options.intervalSec,
    options.minAgeSec,
  );
  if (tooShort) throw new UsageError(`--duration ${tooShort}`);
  return options;
}

const KUBERNETES_FLAGS = [
  'namespace',
  'container',
  'kubeconfig',
  'context',
  'gadget-param',
] as const;

function readTarget(values: {
  pid?: string;
  pod?: string;
  namespace?: string;
  container?: string;
  kubeconfig?: string;
  context?: string;
  'gadget-param'?: string[];
}): CliTarget {
  if (values.pid !== undefined && values.pod !== undefined) {
    throw new UsageError('--pid and --pod name two targets: give one');
  }
  if (values.pod === undefined) {
    if (values.pid === undefined) {
      throw new UsageError('--pid (a process) or --pod (a pod) is required');
    }
    const stray = KUBERNETES_FLAGS.find(f => values[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} applies to --pod, not --pid`);
    return {
      kind: 'local',
      pid: number(values.pid, '--pid', 0, 1, 2 ** 22, true),
    };
  }
  if (values.pod.trim() === '') throw new UsageError('--pod must name a pod');
  const gadgetParams: Record<string, string> = {};
  for (const raw of values['gadget-param'] ?? []) {
    const eq = raw.indexOf('=');
    if (eq < 1) {
      throw new UsageError(`--gadget-param must be NAME=VALUE, got "${raw}"`);
    }
    gadgetParams[raw.slice(0, eq)] = raw.slice(eq + 1);
  }
  return {
    kind: 'kubernetes',
    pod: values.pod,
    namespace: values.namespace,
    container: values.container,
    kubeconfig: values.kubeconfig,
    context: values.context,
    gadgetParams,
  };
}
