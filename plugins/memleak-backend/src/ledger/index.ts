export { HeapLedger, DEFAULT_MAX_LIVE_ALLOCATIONS } from './HeapLedger';
export type {
  HeapLedgerOptions,
  LedgerStats,
  SnapshotOptions,
} from './HeapLedger';
export { framesFromIgUstack } from './igUstack';
