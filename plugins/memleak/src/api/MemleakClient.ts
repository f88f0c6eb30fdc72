import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { NotFoundError, ResponseError } from '@backstage/errors';
import type {
  FleetResponse,
  MemleakReport,
  StartTraceRequest,
  TraceDetail,
  TraceSummary,
} from '@internal/plugin-memleak-common';
import type { MemleakApi } from './MemleakApi';

/** The longest a request may take: a report reads every pod through the cluster. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * {@link MemleakApi} over HTTP, using the app's discovery and fetch APIs
 * (the fetch API adds the user's Backstage token).
 * @public
 */
export class MemleakClient implements MemleakApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getReport(entityRef: string): Promise<MemleakReport> {
    return this.request(`/report?${new URLSearchParams({ entityRef })}`);
  }

  async startTrace(request: StartTraceRequest): Promise<TraceSummary> {
    return this.request('/traces', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
  }

  async listTraces(
    entityRef: string,
    options?: { limit?: number },
  ): Promise<TraceSummary[]> {
    const query = new URLSearchParams({ entityRef });
    if (options?.limit !== undefined) {
      query.set('limit', String(options.limit));
    }
    const body = await this.request<{ items: TraceSummary[] }>(
      `/traces?${query}`,
    );
    return body.items;
  }

  async getTrace(traceId: string): Promise<TraceDetail> {
    return this.request(`/traces/${encodeURIComponent(traceId)}`);
  }

  async stopTrace(traceId: string): Promise<TraceSummary> {
    return this.request(`/traces/${encodeURIComponent(traceId)}/stop`, {
      method: 'POST',
    });
  }

  async getFleet(): Promise<FleetResponse> {
    return this.request('/fleet');
  }

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('memleak');
    let response: Response;
    try {
      response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
        ...init,
        // A request that never answers must not stop a live view's polling.
        signal: init?.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') {
        throw new Error(
          `The memleak backend did not answer ${path.split('?')[0]} within ${
            REQUEST_TIMEOUT_MS / 1000
          } s; retrying.`,
        );
      }
      throw error;
    }
    if (!response.ok) {
      throw await toError(response, baseUrl);
    }
    return (await response.json()) as T;
  }
}

/**
 * Our routes answer errors as Backstage error JSON; a 404 without it came
 * from the backend's catch-all, so the plugin is not installed there.
 */
async function toError(response: Response, baseUrl: string): Promise<Error> {
  const error = await ResponseError.fromResponse(response);
  if (error.statusCode === 404 && error.cause.name !== 'NotFoundError') {
    return new NotFoundError(
      `The memleak backend is not installed: ${baseUrl} answered 404. ` +
        'Add @internal/plugin-memleak-backend to the Backstage backend ' +
        "(backend.add(import('@internal/plugin-memleak-backend'))) and restart it.",
      error,
    );
  }
  return error;
}

/**
 * The message to show for an error from {@link MemleakClient}: the server's
 * own message when it sent one, instead of the generic "Request failed with 409".
 * @public
 */
export function describeMemleakError(error: unknown): string {
  if (ResponseError.is(error)) {
    return error.cause.message || error.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}
