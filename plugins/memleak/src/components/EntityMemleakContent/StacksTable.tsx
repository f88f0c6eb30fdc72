import Box from '@material-ui/core/Box';
import Collapse from '@material-ui/core/Collapse';
import IconButton from '@material-ui/core/IconButton';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import KeyboardArrowDownIcon from '@material-ui/icons/KeyboardArrowDown';
import KeyboardArrowRightIcon from '@material-ui/icons/KeyboardArrowRight';
import {
  formatBytes,
  formatFrame,
  formatRate,
  type StackSummary,
} from '@internal/plugin-memleak-common';
import { useState } from 'react';
import { VerdictChip } from '../shared';

const useStyles = makeStyles(theme => ({
  frames: {
    margin: theme.spacing(1, 0, 1, 3),
    padding: 0,
    fontFamily: 'monospace',
    fontSize: theme.typography.body2.fontSize,
  },
  address: {
    color: theme.palette.text.secondary,
    marginLeft: theme.spacing(1),
  },
  detail: { paddingTop: 0, paddingBottom: 0 },
  open: { '& > *': { borderBottom: 'unset' } },
  number: { whiteSpace: 'nowrap' },
}));

const stackTitle = (stack: StackSummary) =>
  stack.frames[0] ? formatFrame(stack.frames[0]) : `stack ${stack.id}`;

const StackRow = (props: { stack: StackSummary; initiallyOpen: boolean }) => {
  const { stack } = props;
  const classes = useStyles();
  const [open, setOpen] = useState(props.initiallyOpen);
  const framesId = `memleak-stack-${stack.id}`;
  return (
    <>
      <TableRow className={open ? classes.open : undefined}>
        <TableCell padding="checkbox">
          <IconButton
            size="small"
            onClick={() => setOpen(o => !o)}
            aria-expanded={open}
            aria-controls={framesId}
            aria-label={`${open ? 'Hide' : 'Show'} frames of ${stackTitle(
              stack,
            )}`}
          >
            {open ? <KeyboardArrowDownIcon /> : <KeyboardArrowRightIcon />}
          </IconButton>
        </TableCell>
        <TableCell component="th" scope="row">
          <code>{stackTitle(stack)}</code>
        </TableCell>
        <TableCell>
          <VerdictChip verdict={stack.verdict} reason={stack.reason} />
        </TableCell>
        <TableCell align="right" className={classes.number}>
          {formatBytes(stack.agedBytes)}
        </TableCell>
        <TableCell align="right" className={classes.number}>
          {formatBytes(stack.outstandingBytes)} ({stack.outstandingCount})
        </TableCell>
        <TableCell align="right" className={classes.number}>
          {formatRate(stack.growthBytesPerSec)}
        </TableCell>
        <TableCell align="right">
          {stack.allocs} / {stack.frees}
        </TableCell>
      </TableRow>
      <TableRow>
        <TableCell className={classes.detail} colSpan={7}>
          <Collapse in={open} unmountOnExit>
            <Box id={framesId} py={1}>
              <Typography variant="body2" color="textSecondary">
                {stack.reason}
              </Typography>
              <ol
                className={classes.frames}
                aria-label="Call stack, innermost first"
              >
                {stack.frames.map((frame, i) => (
                  <li key={`${frame.address}-${i}`}>
                    {formatFrame(frame)}
                    <span className={classes.address}>{frame.address}</span>
                  </li>
                ))}
              </ol>
            </Box>
          </Collapse>
        </TableCell>
      </TableRow>
    </>
  );
};

/** Call stacks that keep memory, worst first; each opens to its full frames. */
export const StacksTable = (props: { stacks: StackSummary[] }) => {
  if (props.stacks.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No allocations outlived the minimum age yet, so no stack keeps memory.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="Stacks keeping memory">
      <TableHead>
        <TableRow>
          <TableCell padding="checkbox" />
          <TableCell>Allocated in</TableCell>
          <TableCell>Verdict</TableCell>
          <TableCell align="right">Aged</TableCell>
          <TableCell align="right">Outstanding (count)</TableCell>
          <TableCell align="right">Growth</TableCell>
          <TableCell align="right">Allocs / frees</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.stacks.map((stack, i) => (
          <StackRow key={stack.id} stack={stack} initiallyOpen={i === 0} />
        ))}
      </TableBody>
    </Table>
  );
};
