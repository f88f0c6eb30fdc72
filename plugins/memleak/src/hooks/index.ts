export {
  useMemleakReport,
  isTracing,
  POLL_INTERVAL_MS,
} from './useMemleakReport';
export type { MemleakReportState } from './useMemleakReport';
export { useTraceActions } from './useTraceActions';
export type { TraceActions } from './useTraceActions';
export { useTracePermission } from './useTracePermission';
export { useTraceHistory, HISTORY_LIMIT } from './useTraceHistory';
export { useTraceDetail } from './useTraceDetail';
export { useLatestGroup } from './useLatestGroup';
export { useFleet, useOwnershipRefs } from './useFleet';
