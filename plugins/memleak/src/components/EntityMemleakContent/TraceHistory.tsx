import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import {
  formatDuration,
  formatRate,
  type TraceSummary,
} from '@internal/plugin-memleak-common';
import { TRACE_STATUS_LABELS, VerdictChip } from '../shared';

const started = (iso: string) =>
  new Date(iso).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });

/** Past traces with their verdicts; picking one shows it above. */
export const TraceHistory = (props: {
  traces: TraceSummary[];
  shownId?: string;
  onSelect: (traceId: string) => void;
}) => {
  if (props.traces.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No traces yet.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="Trace history">
      <TableHead>
        <TableRow>
          <TableCell>Started</TableCell>
          <TableCell>Target</TableCell>
          <TableCell>Length</TableCell>
          <TableCell>Status</TableCell>
          <TableCell>Verdict</TableCell>
          <TableCell align="right">Growth</TableCell>
          <TableCell />
        </TableRow>
      </TableHead>
      <TableBody>
        {props.traces.map(trace => {
          const shown = trace.id === props.shownId;
          return (
            <TableRow key={trace.id} selected={shown}>
              <TableCell component="th" scope="row">
                {started(trace.startedAt)}
              </TableCell>
              <TableCell>{trace.target.label}</TableCell>
              <TableCell>{formatDuration(trace.elapsedSec)}</TableCell>
              <TableCell>{TRACE_STATUS_LABELS[trace.status]}</TableCell>
              <TableCell>
                <VerdictChip verdict={trace.verdict} reason={trace.reason} />
              </TableCell>
              <TableCell align="right">
                {formatRate(trace.growthBytesPerSec)}
              </TableCell>
              <TableCell align="right">
                <Button
                  size="small"
                  onClick={() => props.onSelect(trace.id)}
                  disabled={shown}
                  aria-pressed={shown}
                  aria-label={`View trace started ${started(trace.startedAt)}`}
                >
                  {/* One word in both states, as in the pods table: the
                      accessible name must hold the visible text. */}
                  View
                </Button>
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
};
