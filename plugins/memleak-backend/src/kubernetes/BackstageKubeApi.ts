import WebSocket from 'ws';
import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { deadline } from '../deadline';
import { KubeApi, kubeApiError, KubeApiError, KubeResponse } from './KubeApi';

/** The kubernetes backend plugin's header that picks the cluster. */
export const CLUSTER_HEADER = 'Backstage-Kubernetes-Cluster';
const DEFAULT_TIMEOUT_MS = 10_000;
/** How long the kubernetes plugin's cluster list is reused: it changes with its config, not per request. */
const CLUSTERS_TTL_MS = 30_000;

/**
 * `fetch` bounded by a deadline that covers the body too: it is cleared once
 * the body is read. Rejects with fetch's or the deadline's error.
 */
async function fetchWithin(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<KubeResponse> {
  const limit = deadline(timeoutMs);
  try {
    const res = await limit.race(fetch(url, { ...init, signal: limit.signal }));
    return {
      status: res.status,
      text: () => limit.race(res.text()).finally(limit.clear),
    };
  } catch (error) {
    limit.clear();
    throw error;
  }
}

class ProxiedKubeApi implements KubeApi {
  constructor(
    readonly cluster: string,
    private readonly base: () => Promise<string>,
    private readonly token: () => Promise<string>,
  ) {}

  private async headers(): Promise<Record<string, string>> {
    return {
      Authorization: `Bearer ${await this.token()}`,
      [CLUSTER_HEADER]: this.cluster,
      // The backend would compress each proxied answer for a hop inside its
      // own process: CPU spent twice for nothing.
      'Accept-Encoding': 'identity',
    };
  }

  async request(
    path: string,
    init: { method?: string; body?: unknown; timeoutMs?: number } = {},
  ): Promise<KubeResponse> {
    const url = `${await this.base()}/proxy${path}`;
    const headers = await this.headers();
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      return await fetchWithin(
        url,
        {
          method: init.method ?? 'GET',
          headers,
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
        },
        init.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      );
    } catch (error) {
      throw new KubeApiError(
        0,
        `${init.method ?? 'GET'} ${path} on cluster ${
          this.cluster
        }: no answer (${(error as Error).message})`,
      );
    }
  }

  async webSocket(path: string, protocols: string[]): Promise<WebSocket> {
    const url = `${(await this.base()).replace(/^http/, 'ws')}/proxy${path}`;
    return openWebSocket(
      url,
      protocols,
      { headers: await this.headers() },
      this.cluster,
      path,
    );
  }
}

/** Opens a WebSocket, paused; a refused upgrade rejects with the server's answer. */
export function openWebSocket(
  url: string,
  protocols: string[],
  options: WebSocket.ClientOptions,
  cluster: string,
  path: string,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, {
      handshakeTimeout: DEFAULT_TIMEOUT_MS,
      ...options,
    });
    // Paused until the caller listens: the server speaks first (a
    // port-forward names its port at once), and nothing may be lost.
    ws.once('open', () => {
      ws.pause();
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () =>
        reject(
          kubeApiError(
            `WebSocket ${path} on cluster ${cluster}`,
            res.statusCode ?? 0,
            body,
          ),
        ),
      );
      res.on('error', () => undefined);
    });
    ws.once('error', error =>
      reject(
        new KubeApiError(
          0,
          `WebSocket ${path} on cluster ${cluster}: ${error.message}`,
        ),
      ),
    );
  });
}

/**
 * Reaches clusters through `@backstage/plugin-kubernetes-backend`'s proxy,
 * with a plugin-to-plugin token: the kubernetes plugin adds the cluster's
 * own credentials (its configured auth provider), so memleak holds no
 * kubeconfig of its own. WebSocket upgrades (port-forward) pass through too.
 */
export class BackstageKubernetes {
  constructor(
    private readonly deps: { discovery: DiscoveryService; auth: AuthService },
  ) {}

  private async base(): Promise<string> {
    return this.deps.discovery.getBaseUrl('kubernetes');
  }

  private async token(): Promise<string> {
    const { auth } = this.deps;
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'kubernetes',
    });
    return token;
  }

  private known?: { names: Promise<string[]>; at: number };

  /** Names of the clusters the kubernetes plugin knows (a failure is not kept). */
  async clusters(): Promise<string[]> {
    const now = Date.now();
    if (!this.known || now - this.known.at > CLUSTERS_TTL_MS) {
      const names = this.fetchClusters();
      this.known = { names, at: now };
      names.catch(() => {
        if (this.known?.names === names) this.known = undefined;
      });
    }
    return this.known.names;
  }

  private async fetchClusters(): Promise<string[]> {
    const url = `${await this.base()}/clusters`;
    let res: KubeResponse;
    try {
      res = await fetchWithin(
        url,
        { headers: { Authorization: `Bearer ${await this.token()}` } },
        DEFAULT_TIMEOUT_MS,
      );
    } catch (error) {
      throw new KubeApiError(
        0,
        `the kubernetes backend plugin did not answer at ${url}: ${
          (error as Error).message
        }. Is @backstage/plugin-kubernetes-backend installed?`,
      );
    }
    const text = await res.text();
    if (res.status < 200 || res.status > 299) {
      throw kubeApiError(`GET ${url}`, res.status, text);
    }
    const body = JSON.parse(text) as { items: Array<{ name: string }> };
    return body.items.map(c => c.name);
  }

  api(cluster: string): KubeApi {
    return new ProxiedKubeApi(
      cluster,
      () => this.base(),
      () => this.token(),
    );
  }
}
