import Box from '@material-ui/core/Box';
import { type ReactNode } from 'react';
import {
  isSetupNotice,
  latestStreams,
  podRows,
  PodsTable,
  ReplicaSummary,
  reportSetupStates,
  SetupHelp,
} from '../kubernetes';
import {
  DisagreementBanner,
  NoticeList,
  TraceOutcome,
  type ReportView,
} from '../shared';

/**
 * The card for an entity that runs as pods: setup help first (what keeps
 * memleak from seeing everything), then the verdict across pods with the
 * soonest time to OOM, and one row per pod.
 */
export const KubernetesCardBody = (props: {
  view: ReportView;
  controls: ReactNode;
}) => {
  const { report, details } = props.view;
  const setup = reportSetupStates(report, details);
  const rows = podRows(report, details);
  return (
    <Box display="flex" flexDirection="column" gridGap={16}>
      <DisagreementBanner disagreement={report.disagreement} />
      <SetupHelp states={setup} />
      <ReplicaSummary group={latestStreams(report)} rows={rows} />
      <PodsTable rows={rows} />
      {props.controls}
      {report.latestTrace && <TraceOutcome trace={report.latestTrace} />}
      <NoticeList notices={report.notices.filter(n => !isSetupNotice(n))} />
    </Box>
  );
};
