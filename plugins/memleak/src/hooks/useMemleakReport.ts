import { useApi } from '@backstage/core-plugin-api';
import type { MemleakReport } from '@internal/plugin-memleak-common';
import { useCallback, useEffect, useState } from 'react';
import { memleakApiRef } from '../api';

/** How often the report is refetched while a trace runs. */
export const POLL_INTERVAL_MS = 2000;

/** @internal */
export interface MemleakReportState {
  report?: MemleakReport;
  /** Set when the last fetch failed; `report` keeps the last good one. */
  error?: Error;
  loading: boolean;
  /** Fetch again now (after starting or stopping a trace, or on Retry). */
  refresh: () => void;
}

/** A trace of the entity runs: the latest, or any of its group (one per pod). */
export function isTracing(report: MemleakReport): boolean {
  return [report.latestTrace, ...(report.latestGroup ?? [])].some(
    t => t?.status === 'running',
  );
}

/**
 * Loads an entity's report and keeps it live while its latest trace runs:
 * refetches every {@link POLL_INTERVAL_MS} and stops once its traces have ended.
 */
export function useMemleakReport(entityRef: string): MemleakReportState {
  const api = useApi(memleakApiRef);
  const [report, setReport] = useState<MemleakReport>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wasRunning = false;

    const load = async () => {
      try {
        const next = await api.getReport(entityRef);
        if (cancelled) return;
        setReport(next);
        setError(undefined);
        wasRunning = isTracing(next);
      } catch (e) {
        if (cancelled) return;
        setError(e as Error);
        // A blip while a trace runs should not freeze the live view; keep trying.
      }
      setLoading(false);
      if (wasRunning) {
        timer = setTimeout(load, POLL_INTERVAL_MS);
      }
    };

    setLoading(true);
    load();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, [api, entityRef, generation]);

  const refresh = useCallback(() => setGeneration(g => g + 1), []);
  return { report, error, loading, refresh };
}
