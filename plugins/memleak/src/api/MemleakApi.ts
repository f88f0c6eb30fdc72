import { createApiRef } from '@backstage/core-plugin-api';
import type {
  FleetResponse,
  MemleakReport,
  StartTraceRequest,
  TraceDetail,
  TraceSummary,
} from '@internal/plugin-memleak-common';

/**
 * Talks to the memleak backend (`/api/memleak`).
 * @public
 */
export interface MemleakApi {
  /** What the service reports next to what the kernel sees, for one entity. */
  getReport(entityRef: string): Promise<MemleakReport>;
  /** Starts an eBPF heap trace; rejects with 409 when one already runs for the entity. */
  startTrace(request: StartTraceRequest): Promise<TraceSummary>;
  /** Newest traces of an entity first. */
  listTraces(
    entityRef: string,
    options?: { limit?: number },
  ): Promise<TraceSummary[]>;
  getTrace(traceId: string): Promise<TraceDetail>;
  stopTrace(traceId: string): Promise<TraceSummary>;
  /** Every entity the backend can trace that the user may read, with its latest verdict. */
  getFleet(): Promise<FleetResponse>;
}

/**
 * API reference of {@link MemleakApi}.
 * @public
 */
export const memleakApiRef = createApiRef<MemleakApi>({
  id: 'plugin.memleak.service',
});
