import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { formatBytes } from '@internal/plugin-memleak-common';
import { EndpointStatus, VerdictChip } from '../shared';
import { describeOutlook, type PodRow } from './podRows';
import { PodState } from './PodState';

const Caption = (props: { children: string }) => (
  <Typography variant="caption" color="textSecondary" display="block">
    {props.children}
  </Typography>
);

const Reported = (props: { row: PodRow }) => {
  const { reported } = props.row;
  if (!reported) return <>–</>;
  return (
    <>
      <EndpointStatus check={reported.health} />
      <Caption>
        {reported.memory.bytes !== undefined
          ? `says it uses ${formatBytes(reported.memory.bytes)}`
          : 'reports no memory figure'}
      </Caption>
    </>
  );
};

const Observed = (props: { row: PodRow }) => {
  const { trace, kernel, pod } = props.row;
  const workingSet =
    kernel?.rssBytes !== undefined
      ? `working set ${formatBytes(kernel.rssBytes)}`
      : 'working set unknown';
  const limit =
    pod.memoryLimitBytes !== undefined
      ? ` of ${formatBytes(pod.memoryLimitBytes)} limit`
      : ', no limit';
  return (
    <>
      <Typography variant="body2">
        {trace
          ? `heap +${formatBytes(trace.outstandingBytes)} traced`
          : 'heap not traced'}
      </Typography>
      <Caption>{`${workingSet}${limit}`}</Caption>
    </>
  );
};

/**
 * Per pod: where it runs and how it fared, what it says about itself next to
 * what the kernel sees, its verdict and its time to OOM.
 */
export const PodsTable = (props: {
  rows: PodRow[];
  /** Offers to show a pod's trace (the tab). */
  onView?: (traceId: string) => void;
  shownId?: string;
}) => {
  const { rows, onView, shownId } = props;
  if (rows.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No pod of this entity was found in any cluster that answered.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="Pods: reported vs. observed">
      <TableHead>
        <TableRow>
          <TableCell>Pod</TableCell>
          <TableCell>State</TableCell>
          <TableCell>Reported by the service</TableCell>
          <TableCell>Observed</TableCell>
          <TableCell>Verdict</TableCell>
          <TableCell>Time to OOM</TableCell>
          {onView && <TableCell>Trace</TableCell>}
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map(row => (
          <TableRow
            key={`${row.pod.cluster}/${row.pod.namespace}/${row.pod.name}`}
          >
            <TableCell component="th" scope="row">
              {row.pod.name}
              <Caption>
                {`cluster ${row.pod.cluster}${
                  row.pod.node ? `, node ${row.pod.node}` : ''
                }`}
              </Caption>
            </TableCell>
            <TableCell>
              <PodState pod={row.pod} />
            </TableCell>
            <TableCell>
              <Reported row={row} />
            </TableCell>
            <TableCell>
              <Observed row={row} />
            </TableCell>
            <TableCell>
              {row.trace ? (
                <VerdictChip
                  verdict={row.trace.verdict}
                  reason={row.trace.reason}
                />
              ) : (
                'not traced'
              )}
            </TableCell>
            <TableCell>{describeOutlook(row.outlook)}</TableCell>
            {onView && (
              <TableCell>
                {row.trace && (
                  <Button
                    size="small"
                    onClick={() => onView(row.trace!.id)}
                    disabled={row.trace.id === shownId}
                    aria-pressed={row.trace.id === shownId}
                    aria-label={`View the trace of ${row.pod.name}`}
                  >
                    {/* The same word in both states (aria-pressed says which
                        is shown): the accessible name must hold the visible
                        text, axe's label-content-name-mismatch. */}
                    View
                  </Button>
                )}
              </TableCell>
            )}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};
