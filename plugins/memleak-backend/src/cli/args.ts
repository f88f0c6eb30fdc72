import { parseArgs } from 'node:util';
import { minTraceSec, tooShortForVerdict } from '../verdict';

export interface CliOptions {
  pid: number;
  durationSec: number;
  intervalSec: number;
  minAgeSec: number;
  top: number;
  json: boolean;
}

export const USAGE = `Usage: memleak-trace --pid N [--duration S] [--interval S] [--min-age S] [--top N] [--json]

Traces the heap of process N with eBPF (root, or CAP_BPF + CAP_PERFMON) and says
whether it leaks: a progress line per snapshot on stderr, then a report.

  --pid N        process to trace (required)
  --duration S   seconds to trace, up to 3600 (default 60); at least what a
                 verdict needs: interval + min-age + 20 (${minTraceSec(
                   2,
                   10,
                 )} with the defaults)
  --interval S   seconds between snapshots, 0.5-60 (default 2)
  --min-age S    allocations younger than this do not count as growth, 0-600 (default 10)
  --top N        stacks to report, 1-200 (default 5)
  --json         print the report as one JSON object (CliTraceReport, version 1)

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
  if (values.pid === undefined) throw new UsageError('--pid is required');
  const options = {
    pid: number(values.pid, '--pid', 0, 1, 2 ** 22, true),
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
