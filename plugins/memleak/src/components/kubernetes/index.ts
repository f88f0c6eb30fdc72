export { PodsTable } from './PodsTable';
export { ReplicaSummary } from './ReplicaSummary';
export { SetupHelp } from './SetupHelp';
export {
  formatTimeToLimit,
  latestStreams,
  podRows,
  tracesPod,
} from './podRows';
export type { PodRow } from './podRows';
export { isSetupNotice, reportSetupStates } from './setupStates';
