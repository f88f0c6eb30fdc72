import { useApi } from '@backstage/core-plugin-api';
import { useCallback, useState } from 'react';
import { describeMemleakError, memleakApiRef } from '../api';

/** @internal */
export interface TraceActions {
  /** `target`: one pod (`cluster/namespace/pod`); omitted, all running pods. */
  start: (durationSec: number, target?: string) => Promise<void>;
  stop: (traceId: string) => Promise<void>;
  /** A request is in flight; buttons stay disabled meanwhile. */
  pending: boolean;
  /** The server's message for the last failed start or stop. */
  error?: string;
  clearError: () => void;
}

/** Starts and stops traces, then tells the caller to refetch. */
export function useTraceActions(
  entityRef: string,
  onChanged: () => void,
): TraceActions {
  const api = useApi(memleakApiRef);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();

  const run = useCallback(
    async (action: () => Promise<unknown>) => {
      setPending(true);
      setError(undefined);
      try {
        await action();
        onChanged();
      } catch (e) {
        setError(describeMemleakError(e));
      } finally {
        setPending(false);
      }
    },
    [onChanged],
  );

  const start = useCallback(
    (durationSec: number, target?: string) =>
      run(() =>
        api.startTrace({
          entityRef,
          durationSec,
          ...(target ? { target } : {}),
        }),
      ),
    [api, entityRef, run],
  );
  const stop = useCallback(
    (traceId: string) => run(() => api.stopTrace(traceId)),
    [api, run],
  );
  const clearError = useCallback(() => setError(undefined), []);

  return { start, stop, pending, error, clearError };
}
