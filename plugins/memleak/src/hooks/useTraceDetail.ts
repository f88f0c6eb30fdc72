import { useApi } from '@backstage/core-plugin-api';
import type { TraceDetail } from '@internal/plugin-memleak-common';
import useAsync from 'react-use/esm/useAsync';
import { memleakApiRef } from '../api';

/**
 * A past trace picked from the history. The latest trace comes with the
 * report (and stays live there), so it is not fetched again.
 */
export function useTraceDetail(
  selectedId: string | undefined,
  latest: TraceDetail | undefined,
) {
  const api = useApi(memleakApiRef);
  const wantsPast = selectedId !== undefined && selectedId !== latest?.id;
  const past = useAsync(
    async () => (wantsPast ? api.getTrace(selectedId!) : undefined),
    [api, selectedId, wantsPast],
  );
  if (!wantsPast) {
    return { trace: latest, loading: false, error: undefined };
  }
  return { trace: past.value, loading: past.loading, error: past.error };
}
