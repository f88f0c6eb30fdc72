import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import {
  formatBytes,
  type KernelTarget,
  type MemleakReport,
  type ReportedTarget,
} from '@internal/plugin-memleak-common';
import { EndpointStatus } from '../shared';

interface TargetRow {
  name: string;
  reported?: ReportedTarget;
  kernel?: KernelTarget;
}

/** One row per target, whichever side knows about it. */
export function joinTargets(report: MemleakReport): TargetRow[] {
  const rows = new Map<string, TargetRow>();
  for (const r of report.reported)
    rows.set(r.name, { name: r.name, reported: r });
  for (const k of report.kernel) {
    rows.set(k.name, { ...rows.get(k.name), name: k.name, kernel: k });
  }
  return [...rows.values()];
}

const kernelMemory = (k?: KernelTarget) => {
  if (!k) return '–';
  if (k.rssBytes === undefined)
    return `unknown${k.error ? ` (${k.error})` : ''}`;
  const heap =
    k.heapBytes !== undefined ? `, heap ${formatBytes(k.heapBytes)}` : '';
  return `${formatBytes(k.rssBytes)}${heap}`;
};

/** Per target: what it says about itself next to what the kernel sees. */
export const TargetsTable = (props: { report: MemleakReport }) => {
  const rows = joinTargets(props.report);
  if (rows.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No running process or pod matches this entity.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="Targets: reported vs. kernel">
      <TableHead>
        <TableRow>
          <TableCell>Target</TableCell>
          <TableCell>Health</TableCell>
          <TableCell>Ready</TableCell>
          <TableCell align="right">Self-reported memory</TableCell>
          <TableCell align="right">Kernel: resident memory</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map(row => (
          <TableRow key={row.name}>
            <TableCell component="th" scope="row">
              {row.name}
            </TableCell>
            <TableCell>
              {row.reported ? (
                <EndpointStatus check={row.reported.health} />
              ) : (
                '–'
              )}
            </TableCell>
            <TableCell>
              {row.reported?.ready ? (
                <EndpointStatus check={row.reported.ready} />
              ) : (
                '–'
              )}
            </TableCell>
            <TableCell align="right">
              {row.reported?.memory.bytes !== undefined
                ? formatBytes(row.reported.memory.bytes)
                : 'not reported'}
            </TableCell>
            <TableCell align="right">{kernelMemory(row.kernel)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};
