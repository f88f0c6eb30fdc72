import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  hasWorkloadAnnotations,
  type MemleakReport,
  type TraceDetail,
} from '@internal/plugin-memleak-common';
import { type ReactNode } from 'react';
import {
  useLatestGroup,
  useMemleakReport,
  useTraceActions,
  useTracePermission,
} from '../../hooks';
import { latestStreams } from '../kubernetes/podRows';
import { annotationsMissingState } from '../kubernetes/setupStates';
import { SetupHelp } from '../kubernetes/SetupHelp';
import { ReportGate } from './ReportGate';
import { TraceControls } from './TraceControls';

/** A report with the details of its latest trace group (one trace per pod). */
export interface ReportView {
  report: MemleakReport;
  /** Details of every trace in the latest group; the latest trace alone outside groups. */
  details: TraceDetail[];
}

type Render = (view: ReportView, controls: ReactNode) => ReactNode;

const WithControls = (props: {
  report: MemleakReport;
  permission: ReturnType<typeof useTracePermission>;
  actions: ReturnType<typeof useTraceActions>;
  children: Render;
}) => {
  const { report } = props;
  const details = useLatestGroup(report);
  return (
    <>
      {props.children(
        { report, details },
        <TraceControls
          capability={report.capability}
          streams={latestStreams(report)}
          details={details}
          pods={report.pods}
          permission={props.permission}
          actions={props.actions}
        />,
      )}
    </>
  );
};

const LoadedReport = (props: { entity: Entity; children: Render }) => {
  const entityRef = stringifyEntityRef(props.entity);
  const state = useMemleakReport(entityRef);
  const permission = useTracePermission(props.entity);
  const actions = useTraceActions(entityRef, state.refresh);
  return (
    <ReportGate state={state}>
      {report => (
        <WithControls report={report} permission={permission} actions={actions}>
          {props.children}
        </WithControls>
      )}
    </ReportGate>
  );
};

/**
 * The current entity's report (polled while a trace runs) with its trace
 * controls, or the setup help that says which annotation to add. The card
 * and the tab differ only in how they lay the report out.
 */
export const EntityReport = (props: { children: Render }) => {
  const { entity } = useEntity();
  if (!hasWorkloadAnnotations(entity)) {
    return (
      <SetupHelp states={[annotationsMissingState(entity.metadata.name)]} />
    );
  }
  return <LoadedReport entity={entity}>{props.children}</LoadedReport>;
};
