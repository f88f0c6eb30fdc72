import type { CliTraceReport, Notice } from '@internal/plugin-memleak-common';
import { SessionUpdate, TraceSession } from '../trace/TraceSession';
import { CliOptions, parseCliArgs, UsageError, USAGE } from './args';
import { progressLine, renderReport } from './render';
import { CannotAttachError, CliTrace, prepareCliTrace } from './targets';

/** Runs one trace and prints its report; resolves to the exit code. */
export async function runCli(
  argv: string[],
  io: {
    stdout: NodeJS.WritableStream;
    stderr: NodeJS.WritableStream;
  } = process,
  /** How the user called it, for messages: `memleak-trace` or `kubectl memleak`. */
  program = 'memleak-trace',
): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${program}: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let trace: CliTrace;
  try {
    trace = await prepareCliTrace(options);
  } catch (error) {
    if (!(error instanceof CannotAttachError)) throw error;
    io.stderr.write(`${program}: ${error.message}\n`);
    return 3;
  }
  const notices: Notice[] = [];
  const snapshots: SessionUpdate['snapshot'][] = [];
  let last: SessionUpdate | undefined;
  const session = new TraceSession({
    source: trace.source,
    durationSec: options.durationSec,
    intervalSec: options.intervalSec,
    minAgeSec: options.minAgeSec,
    topStacks: options.top,
    context: trace.context,
  })
    .onNotice(n => {
      notices.push(n);
      io.stderr.write(`${program}: ${n.level}: ${n.message}\n`);
    })
    .onUpdate(u => {
      last = u;
      snapshots.push(u.snapshot);
      io.stderr.write(`${progressLine(u, options.durationSec)}\n`);
    });
  const onSignal = () => session.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const end = await session.run().finally(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  if (end.status === 'failed' && !last) return 3;

  const report: CliTraceReport = {
    version: 1,
    ...trace.subject,
    durationSec: options.durationSec,
    intervalSec: options.intervalSec,
    status: end.status,
    verdict: last?.verdict ?? 'inconclusive',
    reason: last?.reason ?? 'no snapshot was taken',
    growthBytesPerSec: last?.growthBytesPerSec ?? 0,
    outstandingBytes: last?.snapshot.outstandingBytes ?? 0,
    snapshots,
    stacks: last?.stacks ?? [],
    notices,
  };
  io.stdout.write(
    options.json ? `${JSON.stringify(report)}\n` : `${renderReport(report)}\n`,
  );
  return 0;
}
