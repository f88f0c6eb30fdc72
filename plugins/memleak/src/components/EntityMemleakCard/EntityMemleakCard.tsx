import { InfoCard } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import { type MemleakReport } from '@internal/plugin-memleak-common';
import { type ReactNode } from 'react';
import {
  DisagreementBanner,
  EntityReport,
  NoticeList,
  TraceOutcome,
} from '../shared';
import { ObservedColumn } from './ObservedColumn';
import { ReportedColumn } from './ReportedColumn';

const CardBody = (props: { report: MemleakReport; controls: ReactNode }) => {
  const { report } = props;
  return (
    <Box display="flex" flexDirection="column" gridGap={16}>
      <DisagreementBanner disagreement={report.disagreement} />
      <Grid container spacing={3}>
        <Grid item xs={12} md={6}>
          <ReportedColumn targets={report.reported} />
        </Grid>
        <Grid item xs={12} md={6}>
          <ObservedColumn kernel={report.kernel} trace={report.latestTrace} />
        </Grid>
      </Grid>
      {props.controls}
      {report.latestTrace && <TraceOutcome trace={report.latestTrace} />}
      <NoticeList notices={report.notices} />
    </Box>
  );
};

/**
 * Overview card: what the service reports about itself next to what eBPF
 * sees in its heap, with a "Trace heap" action.
 * @public
 */
export const EntityMemleakCard = () => (
  <InfoCard title="Memory: reported vs. observed">
    <EntityReport>
      {(report, controls) => <CardBody report={report} controls={controls} />}
    </EntityReport>
  </InfoCard>
);
