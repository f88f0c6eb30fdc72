import { InfoCard } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import { type ReactNode } from 'react';
import {
  DisagreementBanner,
  EntityReport,
  NoticeList,
  TraceOutcome,
  type ReportView,
} from '../shared';
import { KubernetesCardBody } from './KubernetesCardBody';
import { ObservedColumn } from './ObservedColumn';
import { ReportedColumn } from './ReportedColumn';

/** The card for processes of the backend's host: the two views side by side. */
const LocalCardBody = (props: { view: ReportView; controls: ReactNode }) => {
  const { report } = props.view;
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
 * sees in its heap, per pod for Kubernetes entities, with a "Trace heap"
 * action.
 * @public
 */
export const EntityMemleakCard = () => (
  <InfoCard title="Memory: reported vs. observed">
    <EntityReport>
      {(view, controls) =>
        view.report.pods ? (
          <KubernetesCardBody view={view} controls={controls} />
        ) : (
          <LocalCardBody view={view} controls={controls} />
        )
      }
    </EntityReport>
  </InfoCard>
);
