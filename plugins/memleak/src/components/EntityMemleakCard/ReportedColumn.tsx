import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import {
  formatBytes,
  type ReportedTarget,
} from '@internal/plugin-memleak-common';
import {
  ColumnTitle,
  EndpointStatus,
  Field,
  FieldList,
  formatGauge,
} from '../shared';

const TargetReport = (props: { target: ReportedTarget; named: boolean }) => {
  const { target } = props;
  const { memory } = target;
  return (
    <Box mb={1}>
      {props.named && (
        <Typography variant="subtitle2" component="h4">
          {target.name}
        </Typography>
      )}
      <FieldList>
        <Field label="Health endpoint">
          <EndpointStatus check={target.health} />
        </Field>
        {target.ready && (
          <Field label="Readiness">
            <EndpointStatus check={target.ready} />
          </Field>
        )}
        <Field label="Self-reported memory">
          {memory.bytes !== undefined
            ? formatBytes(memory.bytes)
            : `not reported (${memory.error ?? 'gauge missing'})`}
          <Typography variant="caption" color="textSecondary" display="block">
            {memory.metric}
          </Typography>
        </Field>
        {memory.otherGauges.map(g => (
          <Field key={g.name} label={g.name}>
            {formatGauge(g.name, g.value)}
          </Field>
        ))}
      </FieldList>
    </Box>
  );
};

/** What the service says about itself: probes and its own memory gauges. */
export const ReportedColumn = (props: { targets: ReportedTarget[] }) => (
  <section aria-label="Reported by the service">
    <ColumnTitle>Reported by the service</ColumnTitle>
    {props.targets.length === 0 ? (
      <Typography variant="body2" color="textSecondary">
        No running target found for this entity, so there is nothing to ask.
      </Typography>
    ) : (
      props.targets.map(t => (
        <TargetReport
          key={t.name}
          target={t}
          named={props.targets.length > 1}
        />
      ))
    )}
  </section>
);
