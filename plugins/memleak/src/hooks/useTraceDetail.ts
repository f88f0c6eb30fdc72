import { useApi } from '@backstage/core-plugin-api';
import type { TraceDetail } from '@internal/plugin-memleak-common';
import useAsync from 'react-use/esm/useAsync';
import { memleakApiRef } from '../api';

/**
 * The trace to show: the latest by default, or one picked from the history
 * or the pods. The latest group's traces come with the report (and stay live
 * there), so only older ones are fetched.
 */
export function useTraceDetail(
  selectedId: string | undefined,
  latest: TraceDetail | undefined,
  known: TraceDetail[],
) {
  const api = useApi(memleakApiRef);
  const live = known.find(t => t.id === selectedId);
  const wantsPast = selectedId !== undefined && !live;
  const past = useAsync(
    async () => (wantsPast ? api.getTrace(selectedId!) : undefined),
    [api, selectedId, wantsPast],
  );
  if (!wantsPast) {
    return { trace: live ?? latest, loading: false, error: undefined };
  }
  return { trace: past.value, loading: past.loading, error: past.error };
}
