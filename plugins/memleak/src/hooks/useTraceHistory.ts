import { useApi } from '@backstage/core-plugin-api';
import type { TraceSummary } from '@internal/plugin-memleak-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { memleakApiRef } from '../api';

/** How many past traces the tab lists. */
export const HISTORY_LIMIT = 20;

/**
 * The entity's recent traces. `latestKey` changes when the latest trace
 * starts or ends, which is when the list changes.
 */
export function useTraceHistory(entityRef: string, latestKey: string) {
  const api = useApi(memleakApiRef);
  return useAsyncRetry<TraceSummary[]>(
    () => api.listTraces(entityRef, { limit: HISTORY_LIMIT }),
    [api, entityRef, latestKey],
  );
}
