import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import {
  formatBytes,
  formatDuration,
  formatFrame,
  formatRate,
  type KernelTarget,
  type TraceDetail,
} from '@internal/plugin-memleak-common';
import {
  ColumnTitle,
  Field,
  FieldList,
  HeapSparkline,
  TRACE_STATUS_LABELS,
  VerdictChip,
} from '../shared';

/**
 * The first frame of the stack that keeps the most memory, fully symbolized
 * when possible, and whether that stack is the one growing.
 */
export function topFrame(
  trace: TraceDetail,
): { frame: string; leaking: boolean } | undefined {
  const stack = trace.stacks[0];
  const leaking = stack
    ? stack.verdict === 'leak' || stack.verdict === 'growing'
    : trace.verdict === 'leak' || trace.verdict === 'growing';
  const frame = stack?.frames[0]
    ? formatFrame(stack.frames[0])
    : trace.topFrame;
  return frame ? { frame, leaking } : undefined;
}

const kernelLabel = (k: KernelTarget) =>
  k.source === 'proc' ? 'Process memory (RSS)' : 'Container working set';

const TraceFacts = (props: { trace: TraceDetail }) => {
  const { trace } = props;
  const top = topFrame(trace);
  return (
    <>
      <Field label="Outstanding heap">
        {formatBytes(trace.outstandingBytes)}
      </Field>
      <Field label="Growth rate">{formatRate(trace.growthBytesPerSec)}</Field>
      <Field label="Verdict">
        <VerdictChip verdict={trace.verdict} reason={trace.reason} />
      </Field>
      {top && (
        <Field label={top.leaking ? 'Top leaking frame' : 'Largest live stack'}>
          <code>{top.frame}</code>
        </Field>
      )}
      <Field label="Trace">
        {TRACE_STATUS_LABELS[trace.status]}, {formatDuration(trace.elapsedSec)}{' '}
        of {trace.target.label}
      </Field>
    </>
  );
};

/** What the kernel sees: the heap as traced with eBPF, and resident memory. */
export const ObservedColumn = (props: {
  kernel: KernelTarget[];
  trace?: TraceDetail;
}) => {
  const { kernel, trace } = props;
  return (
    <section aria-label="Observed with eBPF">
      <ColumnTitle>Observed with eBPF</ColumnTitle>
      {trace ? (
        <>
          <FieldList>
            <TraceFacts trace={trace} />
          </FieldList>
          <HeapSparkline snapshots={trace.snapshots} />
          {trace.reason && (
            <Typography variant="caption" color="textSecondary" component="p">
              {trace.reason}
            </Typography>
          )}
        </>
      ) : (
        <Box mb={1}>
          <Typography variant="body2">No trace yet.</Typography>
          <Typography variant="body2" color="textSecondary">
            Trace the heap to see what the kernel sees: outstanding heap, growth
            rate and the call stack that keeps memory.
          </Typography>
        </Box>
      )}
      <FieldList>
        {kernel.map(k => (
          <Field
            key={k.name}
            label={
              kernel.length > 1
                ? `${kernelLabel(k)}, ${k.name}`
                : kernelLabel(k)
            }
          >
            {k.rssBytes !== undefined
              ? formatBytes(k.rssBytes)
              : `unknown${k.error ? ` (${k.error})` : ''}`}
          </Field>
        ))}
      </FieldList>
    </section>
  );
};
