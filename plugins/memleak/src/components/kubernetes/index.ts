export { PodsTable } from './PodsTable';
export { ReplicaSummary } from './ReplicaSummary';
export { SetupHelp } from './SetupHelp';
export { formatTimeToLimit, podRows, tracesPod } from './podRows';
export type { PodRow } from './podRows';
export { isSetupNotice, setupStates } from './setupStates';
