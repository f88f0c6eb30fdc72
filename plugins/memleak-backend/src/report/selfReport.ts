import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type {
  EndpointCheck,
  ReportedMemory,
} from '@internal/plugin-memleak-common';
import { deadline } from '../deadline';

/** Probes and scrapes answer fast or not at all, like a kubelet probe. */
export const SELF_REPORT_TIMEOUT_MS = 2000;
/** A health body or exposition larger than this is not read (a service cannot stall us). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

async function readCapped(res: Response): Promise<string> {
  const text = await res.text();
  return text.length > MAX_BODY_BYTES ? text.slice(0, MAX_BODY_BYTES) : text;
}

function describeFetchError(error: unknown): string {
  const e = error as {
    name?: string;
    message?: string;
    cause?: { code?: string };
  };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return `no answer within ${SELF_REPORT_TIMEOUT_MS} ms`;
  }
  return e?.cause?.code ?? e?.message ?? String(error);
}

/** Calls a health or readiness endpoint the way a probe would: 2xx is healthy. */
export async function checkEndpoint(
  url: string,
  fetchImpl: Fetch = fetch,
): Promise<EndpointCheck> {
  const started = performance.now();
  const limit = deadline(SELF_REPORT_TIMEOUT_MS);
  try {
    const res = await limit.race(fetchImpl(url, { signal: limit.signal }));
    const body = await limit.race(readCapped(res));
    const latencyMs = Math.round(performance.now() - started);
    let reportedStatus: string | undefined;
    try {
      const parsed = JSON.parse(body);
      if (typeof parsed?.status === 'string') reportedStatus = parsed.status;
    } catch {
      // Plain-text health endpoints are fine; the HTTP status decides.
    }
    return {
      url,
      state: res.ok ? 'healthy' : 'unhealthy',
      httpStatus: res.status,
      reportedStatus,
      latencyMs,
    };
  } catch (error) {
    return { url, state: 'unreachable', error: describeFetchError(error) };
  } finally {
    limit.clear();
  }
}

const MEMORY_LOOKING = /mem|heap|rss/i;

/** Scrapes the service's own Prometheus exposition for what it says about its memory. */
export async function readReportedMemory(
  url: string,
  metric: string,
  fetchImpl: Fetch = fetch,
): Promise<ReportedMemory> {
  let text: string;
  const limit = deadline(SELF_REPORT_TIMEOUT_MS);
  try {
    const res = await limit.race(fetchImpl(url, { signal: limit.signal }));
    if (!res.ok) {
      return { url, metric, otherGauges: [], error: `HTTP ${res.status}` };
    }
    text = await limit.race(readCapped(res));
  } catch (error) {
    return { url, metric, otherGauges: [], error: describeFetchError(error) };
  } finally {
    limit.clear();
  }
  let families;
  try {
    families = parsePrometheusTextFormat(text);
  } catch (error) {
    return {
      url,
      metric,
      otherGauges: [],
      error: `not Prometheus text format: ${(error as Error).message}`,
    };
  }
  const gauges = families.filter(
    f => f.type === 'GAUGE' || f.type === 'UNTYPED',
  );
  const target = gauges.find(f => f.name === metric);
  // Several series (per-label) of the chosen gauge add up to the process's claim.
  const bytes = target?.metrics.reduce(
    (sum, m) => sum + Number(m.value ?? NaN),
    0,
  );
  const otherGauges = gauges
    .filter(f => f.name !== metric && MEMORY_LOOKING.test(f.name))
    .flatMap(f =>
      f.metrics.length === 1
        ? [{ name: f.name, value: Number(f.metrics[0].value) }]
        : [],
    )
    .filter(g => Number.isFinite(g.value))
    .slice(0, 10);
  return {
    url,
    metric,
    bytes: bytes !== undefined && Number.isFinite(bytes) ? bytes : undefined,
    otherGauges,
    error: target ? undefined : `metric ${metric} not found in the exposition`,
  };
}
