import { EntityRefLink } from '@backstage/plugin-catalog-react';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import {
  formatBytes,
  formatRate,
  type FleetEntity,
} from '@internal/plugin-memleak-common';
import { formatTimeToLimit } from '../kubernetes';
import { TRACE_STATUS_LABELS, VerdictChip } from '../shared';

const Caption = (props: { children: string }) => (
  <Typography variant="caption" color="textSecondary" display="block">
    {props.children}
  </Typography>
);

const when = (iso: string) =>
  new Date(iso).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });

const Verdict = (props: { latest: NonNullable<FleetEntity['latest']> }) => {
  const { latest } = props;
  const pods =
    latest.traced > 1
      ? `growing in ${latest.growing} of ${latest.traced} pods`
      : undefined;
  const status =
    latest.status !== 'completed'
      ? `trace ${TRACE_STATUS_LABELS[latest.status].toLowerCase()}`
      : undefined;
  const caption = [pods, status].filter(Boolean).join('; ');
  return (
    <>
      <VerdictChip verdict={latest.verdict} />
      {caption && <Caption>{caption}</Caption>}
    </>
  );
};

/** One row per traceable entity, in the order given. */
export const FleetTable = (props: { items: FleetEntity[] }) => (
  <Table size="small" aria-label="Traceable entities">
    <TableHead>
      <TableRow>
        <TableCell>Entity</TableCell>
        <TableCell>Owner</TableCell>
        <TableCell>Latest verdict</TableCell>
        <TableCell align="right">Growth</TableCell>
        <TableCell>Time to OOM</TableCell>
        <TableCell>Last traced</TableCell>
      </TableRow>
    </TableHead>
    <TableBody>
      {props.items.map(item => (
        <TableRow key={item.entityRef}>
          <TableCell component="th" scope="row">
            <EntityRefLink entityRef={item.entityRef} title={item.title} />
            <Caption>
              {item.mode === 'kubernetes' ? 'pods' : 'local process'}
            </Caption>
          </TableCell>
          <TableCell>
            {item.ownerRef ? (
              <EntityRefLink entityRef={item.ownerRef} defaultKind="group" />
            ) : (
              '–'
            )}
          </TableCell>
          <TableCell>
            {item.latest ? <Verdict latest={item.latest} /> : 'never traced'}
          </TableCell>
          <TableCell align="right">
            {item.latest ? formatRate(item.latest.growthBytesPerSec) : '–'}
          </TableCell>
          <TableCell>
            {item.oom ? (
              <>
                {formatTimeToLimit(item.oom)}
                <Caption>
                  {`${formatBytes(item.oom.limitBytes)} limit of ${
                    item.oom.pod
                  }`}
                </Caption>
              </>
            ) : (
              '–'
            )}
          </TableCell>
          <TableCell>
            {item.latest ? when(item.latest.startedAt) : '–'}
          </TableCell>
        </TableRow>
      ))}
    </TableBody>
  </Table>
);
