import type WebSocket from 'ws';

/** An answer of the Kubernetes API (or of the proxy in front of it). */
export interface KubeResponse {
  status: number;
  text(): Promise<string>;
}

/**
 * One cluster's Kubernetes API, however it is reached: through the
 * kubernetes backend plugin's proxy (the backend) or with a kubeconfig (the
 * CLI). Paths are API server paths (`/api/v1/namespaces/…`).
 */
export interface KubeApi {
  readonly cluster: string;
  request(
    path: string,
    init?: { method?: string; body?: unknown; timeoutMs?: number },
  ): Promise<KubeResponse>;
  /** Opens a WebSocket (exec, port-forward), paused until read; rejects with a KubeApiError on a refused upgrade. */
  webSocket(path: string, protocols: string[]): Promise<WebSocket>;
}

/**
 * The API server (or the proxy) refused or failed a request. `status` 0
 * means no answer at all. The message is the API server's own (for RBAC it
 * names the verb and resource), prefixed with what was asked.
 */
export class KubeApiError extends Error {
  readonly name = 'KubeApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** Reads a Kubernetes `Status` body (or the proxy's error body) into a KubeApiError. */
export function kubeApiError(
  what: string,
  status: number,
  body: string,
): KubeApiError {
  let message = body.trim().slice(0, 500);
  let reason: string | undefined;
  try {
    const parsed = JSON.parse(body);
    if (parsed?.kind === 'Status') {
      message = parsed.message ?? message;
      reason = parsed.reason;
    } else if (parsed?.error?.message) {
      // Backstage's error body: { error: { name, message } }
      message = parsed.error.message;
      reason = parsed.error.name;
    }
  } catch {
    // not JSON: keep the text
  }
  return new KubeApiError(
    status,
    `${what}: ${status ? `HTTP ${status}: ` : ''}${message || 'no answer'}`,
    reason,
  );
}

/** GETs a path and parses JSON, throwing a KubeApiError on anything but 2xx. */
export async function getJson<T>(
  api: KubeApi,
  path: string,
  timeoutMs?: number,
): Promise<T> {
  const res = await api.request(path, { timeoutMs });
  const text = await res.text();
  if (res.status < 200 || res.status >= 300) {
    throw kubeApiError(
      `GET ${path} on cluster ${api.cluster}`,
      res.status,
      text,
    );
  }
  return JSON.parse(text) as T;
}
