import { Progress } from '@backstage/core-components';
import Alert from '@material-ui/lab/Alert';
import type { MemleakReport } from '@internal/plugin-memleak-common';
import { type ReactNode } from 'react';
import { describeMemleakError } from '../../api';
import type { MemleakReportState } from '../../hooks';
import { ReportErrorPanel } from './ReportErrorPanel';

/**
 * Loading, then the report, or the error with Retry. A failed refresh keeps
 * the last good report on screen and says so.
 */
export const ReportGate = (props: {
  state: MemleakReportState;
  children: (report: MemleakReport) => ReactNode;
}) => {
  const { report, error, refresh } = props.state;
  if (report) {
    return (
      <>
        {error && (
          <Alert severity="warning">
            Showing the last report; refreshing failed:{' '}
            {describeMemleakError(error)}
          </Alert>
        )}
        {props.children(report)}
      </>
    );
  }
  if (error) {
    return <ReportErrorPanel error={error} onRetry={refresh} />;
  }
  return <Progress />;
};
