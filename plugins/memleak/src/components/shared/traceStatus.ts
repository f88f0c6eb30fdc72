import type { TraceStatus } from '@internal/plugin-memleak-common';

/** How each trace status reads to a person. */
export const TRACE_STATUS_LABELS: Record<TraceStatus, string> = {
  running: 'Running',
  completed: 'Completed',
  stopped: 'Stopped',
  failed: 'Failed',
  interrupted: 'Interrupted',
  target_exited: 'Target exited',
};

/** What an ended-early status means and what to do next. */
export const TRACE_STATUS_EXPLANATIONS: Partial<Record<TraceStatus, string>> = {
  failed:
    'The tracer could not run. Its notices say why; fix that and trace again.',
  interrupted:
    'The backend stopped while this trace ran. Data up to then is kept; trace again for a full run.',
  target_exited:
    'The traced process went away during the trace. Data up to then is kept; trace the new process.',
};
