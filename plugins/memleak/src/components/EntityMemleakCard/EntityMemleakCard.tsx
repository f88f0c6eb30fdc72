import { InfoCard } from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import {
  hasWorkloadAnnotations,
  KUBERNETES_ID_ANNOTATION,
  type MemleakReport,
} from '@internal/plugin-memleak-common';
import { type ReactNode } from 'react';
import {
  useMemleakReport,
  useTraceActions,
  useTracePermission,
} from '../../hooks';
import {
  DisagreementBanner,
  NoticeList,
  ReportGate,
  TraceControls,
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

const MemleakCard = () => {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const state = useMemleakReport(entityRef);
  const permission = useTracePermission(entity);
  const actions = useTraceActions(entityRef, state.refresh);

  return (
    <InfoCard title="Memory: reported vs. observed">
      <ReportGate state={state}>
        {report => (
          <CardBody
            report={report}
            controls={
              <TraceControls
                capability={report.capability}
                latestTrace={report.latestTrace}
                permission={permission}
                actions={actions}
              />
            }
          />
        )}
      </ReportGate>
    </InfoCard>
  );
};

/**
 * Overview card: what the service reports about itself next to what eBPF
 * sees in its heap, with a "Trace heap" action.
 * @public
 */
export const EntityMemleakCard = () => {
  const { entity } = useEntity();
  if (!hasWorkloadAnnotations(entity)) {
    return (
      <MissingAnnotationEmptyState annotation={KUBERNETES_ID_ANNOTATION} />
    );
  }
  return <MemleakCard />;
};
