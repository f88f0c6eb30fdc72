import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import {
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
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
import { ReportGate } from './ReportGate';
import { TraceControls } from './TraceControls';

type Render = (report: MemleakReport, controls: ReactNode) => ReactNode;

const LoadedReport = (props: { entity: Entity; children: Render }) => {
  const entityRef = stringifyEntityRef(props.entity);
  const state = useMemleakReport(entityRef);
  const permission = useTracePermission(props.entity);
  const actions = useTraceActions(entityRef, state.refresh);
  return (
    <ReportGate state={state}>
      {report =>
        props.children(
          report,
          <TraceControls
            capability={report.capability}
            latestTrace={report.latestTrace}
            permission={permission}
            actions={actions}
          />,
        )
      }
    </ReportGate>
  );
};

/**
 * The current entity's report (polled while a trace runs) with its trace
 * controls, or the empty state that says which annotation is missing. The
 * card and the tab differ only in how they lay the report out.
 */
export const EntityReport = (props: { children: Render }) => {
  const { entity } = useEntity();
  if (!hasWorkloadAnnotations(entity)) {
    return (
      <MissingAnnotationEmptyState annotation={KUBERNETES_ID_ANNOTATION} />
    );
  }
  return <LoadedReport entity={entity}>{props.children}</LoadedReport>;
};
