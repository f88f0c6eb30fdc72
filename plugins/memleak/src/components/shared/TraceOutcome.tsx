import Box from '@material-ui/core/Box';
import Alert from '@material-ui/lab/Alert';
import type { TraceDetail } from '@internal/plugin-memleak-common';
import { isSetupNotice } from '../kubernetes/setupStates';
import { NoticeList } from './NoticeList';
import { TRACE_STATUS_EXPLANATIONS, TRACE_STATUS_LABELS } from './traceStatus';

/**
 * How a trace ended when it did not simply complete, and its notices
 * (lost events, attach failures…). Setup notices are the setup help's.
 */
export const TraceOutcome = (props: { trace: TraceDetail }) => {
  const { trace } = props;
  const explanation = TRACE_STATUS_EXPLANATIONS[trace.status];
  const notices = trace.notices.filter(n => !isSetupNotice(n));
  if (!explanation && notices.length === 0) return null;
  return (
    <Box display="flex" flexDirection="column" gridGap={8}>
      {explanation && (
        <Alert severity={trace.status === 'failed' ? 'error' : 'warning'}>
          Trace {TRACE_STATUS_LABELS[trace.status].toLowerCase()}. {explanation}
        </Alert>
      )}
      <NoticeList notices={notices} />
    </Box>
  );
};
