import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import Chip from '@material-ui/core/Chip';
import type { Verdict } from '@internal/plugin-memleak-common';
import { type ReactNode } from 'react';
import { StatusText } from './StatusText';

/** Words for each verdict: the text, not the colour, carries the meaning. */
export const VERDICT_LABELS: Record<Verdict, string> = {
  stable: 'Stable',
  growing: 'Growing (suspected leak)',
  leak: 'Leak confirmed',
  inconclusive: 'Inconclusive',
};

const VERDICT_STATUS: Record<
  Verdict,
  (props: { children?: ReactNode }) => JSX.Element
> = {
  stable: StatusOK,
  growing: StatusWarning,
  leak: StatusError,
  inconclusive: StatusPending,
};

/** The kernel's verdict as an icon plus words. */
export const VerdictChip = (props: { verdict: Verdict; reason?: string }) => {
  const label = VERDICT_LABELS[props.verdict];
  return (
    <Chip
      variant="outlined"
      size="small"
      title={props.reason}
      label={
        <StatusText icon={VERDICT_STATUS[props.verdict]}>{label}</StatusText>
      }
    />
  );
};
