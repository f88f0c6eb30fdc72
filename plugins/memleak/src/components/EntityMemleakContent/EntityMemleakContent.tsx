import { InfoCard, Progress } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import {
  formatBytes,
  formatRate,
  podOomOutlook,
  type TraceDetail,
} from '@internal/plugin-memleak-common';
import { useState, type ReactNode } from 'react';
import { describeMemleakError } from '../../api';
import { useTraceDetail, useTraceHistory } from '../../hooks';
import {
  isSetupNotice,
  latestStreams,
  podRows,
  PodsTable,
  ReplicaSummary,
  reportSetupStates,
  SetupHelp,
  tracesPod,
  type PodRow,
} from '../kubernetes';
import {
  DisagreementBanner,
  HeapTimelineChart,
  NoticeList,
  EntityReport,
  TRACE_STATUS_LABELS,
  TraceOutcome,
  VerdictChip,
  type ChartLimit,
  type ReportView,
} from '../shared';
import { StacksTable } from './StacksTable';
import { TargetsTable } from './TargetsTable';
import { TraceHistory } from './TraceHistory';

/** The limit of the traced pod, and where this trace's rate takes it. */
function chartLimit(
  trace: TraceDetail,
  rows: PodRow[],
): ChartLimit | undefined {
  const row = rows.find(r => tracesPod(trace.target, r.pod));
  const bytes = row?.pod.memoryLimitBytes;
  if (!row || bytes === undefined) return undefined;
  // The working set now only goes with the pod's current trace.
  const kernel = row.trace?.id === trace.id ? row.kernel : undefined;
  return { bytes, outlook: podOomOutlook(row.pod, trace, kernel) };
}

const TraceView = (props: { trace: TraceDetail; rows: PodRow[] }) => {
  const { trace } = props;
  const pod = trace.target.kind === 'kubernetes';
  return (
    <>
      <Grid item xs={12}>
        <InfoCard
          title="Memory over time"
          subheader={`${TRACE_STATUS_LABELS[trace.status]} trace of ${
            trace.target.label
          }`}
        >
          <Box display="flex" flexDirection="column" gridGap={16}>
            <Box
              display="flex"
              alignItems="center"
              gridGap={16}
              flexWrap="wrap"
            >
              <VerdictChip verdict={trace.verdict} reason={trace.reason} />
              <Typography variant="body2">
                Outstanding heap {formatBytes(trace.outstandingBytes)}, growth
                rate {formatRate(trace.growthBytesPerSec)}. {trace.reason}
              </Typography>
            </Box>
            <TraceOutcome trace={trace} />
            <HeapTimelineChart
              snapshots={trace.snapshots}
              residentName={
                pod ? 'Container working set' : 'Process memory (RSS)'
              }
              limit={chartLimit(trace, props.rows)}
            />
          </Box>
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Stacks keeping memory">
          <StacksTable stacks={trace.stacks} />
        </InfoCard>
      </Grid>
    </>
  );
};

const NoTraceYet = () => (
  <Grid item xs={12}>
    <InfoCard title="Memory over time">
      <Typography variant="body1">No trace yet.</Typography>
      <Typography variant="body2" color="textSecondary">
        Start a heap trace above. The kernel then follows every allocation the
        service makes and shows here, on one time axis, the heap it keeps, its
        resident memory and the memory it reports about itself, and which call
        stacks keep memory.
      </Typography>
    </InfoCard>
  </Grid>
);

const MemoryTab = (props: { view: ReportView; controls: ReactNode }) => {
  const { report, details } = props.view;
  const latest = report.latestTrace;
  const [selectedId, setSelectedId] = useState<string>();
  const selected = useTraceDetail(selectedId, latest, details);
  const rows = podRows(report, details);
  const group = latestStreams(report);
  const setup = reportSetupStates(report, details);
  const otherNotices = report.notices.filter(n => !isSetupNotice(n));
  const history = useTraceHistory(
    report.entityRef,
    `${latest?.id ?? ''}:${latest?.status ?? ''}`,
  );
  const viewingPast =
    selectedId !== undefined && !group.some(t => t.id === selectedId);

  let traceView: ReactNode;
  if (selected.loading) {
    traceView = (
      <Grid item xs={12}>
        <Progress />
      </Grid>
    );
  } else if (selected.error) {
    traceView = (
      <Grid item xs={12}>
        <Alert severity="error">
          Could not load that trace: {describeMemleakError(selected.error)}
        </Alert>
      </Grid>
    );
  } else if (selected.trace) {
    traceView = <TraceView trace={selected.trace} rows={rows} />;
  } else {
    traceView = <NoTraceYet />;
  }

  return (
    <Grid container spacing={3}>
      {(report.disagreement || setup.length > 0 || otherNotices.length > 0) && (
        <Grid item xs={12}>
          <Box display="flex" flexDirection="column" gridGap={8}>
            <DisagreementBanner disagreement={report.disagreement} />
            <SetupHelp states={setup} />
            <NoticeList notices={otherNotices} />
          </Box>
        </Grid>
      )}
      <Grid item xs={12}>
        <InfoCard title="Heap trace">
          <Box display="flex" flexDirection="column" gridGap={16}>
            {report.pods && <ReplicaSummary group={group} rows={rows} />}
            {props.controls}
          </Box>
        </InfoCard>
      </Grid>
      {viewingPast && (
        <Grid item xs={12}>
          <Alert
            severity="info"
            action={
              <Button
                color="inherit"
                size="small"
                onClick={() => setSelectedId(undefined)}
                aria-label="Back to the latest trace"
              >
                Latest
              </Button>
            }
          >
            Showing a past trace.
          </Alert>
        </Grid>
      )}
      {traceView}
      <Grid item xs={12}>
        {report.pods ? (
          <InfoCard title="Pods: reported vs. observed">
            <PodsTable
              rows={rows}
              onView={setSelectedId}
              shownId={selected.trace?.id}
            />
          </InfoCard>
        ) : (
          <InfoCard title="Targets: reported vs. kernel">
            <TargetsTable report={report} />
          </InfoCard>
        )}
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Trace history">
          {history.error ? (
            <Alert
              severity="error"
              action={
                <Button
                  color="inherit"
                  size="small"
                  onClick={history.retry}
                  aria-label="Retry loading the trace history"
                >
                  Retry
                </Button>
              }
            >
              {describeMemleakError(history.error)}
            </Alert>
          ) : (
            <TraceHistory
              traces={history.value ?? []}
              shownId={selected.trace?.id ?? selectedId}
              onSelect={setSelectedId}
            />
          )}
        </InfoCard>
      </Grid>
    </Grid>
  );
};

/**
 * Entity tab: heap, resident and self-reported memory on one time axis (with
 * a pod's limit and the line toward it), the stacks that keep memory, every
 * target's or pod's two views, setup help, and the trace history.
 * @public
 */
export const EntityMemleakContent = () => (
  <EntityReport>
    {(view, controls) => <MemoryTab view={view} controls={controls} />}
  </EntityReport>
);
