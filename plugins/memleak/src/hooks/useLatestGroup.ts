import { useApi } from '@backstage/core-plugin-api';
import type {
  MemleakReport,
  TraceDetail,
} from '@internal/plugin-memleak-common';
import useAsync from 'react-use/esm/useAsync';
import { memleakApiRef } from '../api';
import { isTracing } from './useMemleakReport';

/**
 * The details (snapshots, notices) of every trace in the latest group, one
 * per pod: the report carries only the latest one's. Fetched again with each
 * report while the group runs, and once more when it has ended.
 */
export function useLatestGroup(report: MemleakReport): TraceDetail[] {
  const api = useApi(memleakApiRef);
  const latest = report.latestTrace;
  const others = (report.latestGroup ?? []).filter(t => t.id !== latest?.id);
  const key = [
    ...others.map(t => `${t.id}:${t.status}`),
    isTracing(report) ? report.generatedAt : 'ended',
  ].join(',');
  const fetched = useAsync(
    () => Promise.all(others.map(t => api.getTrace(t.id))),
    // `others` is new with every report; `key` says when it really changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, key],
  );
  // A previous fetch may still hold another group's traces.
  const current = (fetched.value ?? []).filter(d =>
    others.some(o => o.id === d.id),
  );
  const details = [...(latest ? [latest] : []), ...current];
  // In the group's order, so pods keep their rows.
  const order = (report.latestGroup ?? []).map(t => t.id);
  return details.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
}
