import https from 'node:https';
import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { openWebSocket } from './BackstageKubeApi';
import { KubeApi, KubeApiError, KubeResponse } from './KubeApi';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A cluster reached with a kubeconfig's own credentials, for the CLI
 * (`memleak-trace --kubeconfig`, `kubectl memleak`): the same client code as
 * the backend, without Backstage in between.
 */
export class KubeconfigKubeApi implements KubeApi {
  readonly cluster: string;
  private readonly server: string;

  private constructor(private readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) {
      throw new Error(
        `kubeconfig context ${kc.getCurrentContext()} names no cluster`,
      );
    }
    this.cluster = cluster.name;
    this.server = cluster.server.replace(/\/$/, '');
  }

  static async load(
    file: string,
    context?: string,
  ): Promise<KubeconfigKubeApi> {
    // An ES module: loaded the way the kubernetes backend plugin loads it.
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    if (context) {
      if (!kc.getContextObject(context)) {
        throw new Error(`kubeconfig ${file} has no context ${context}`);
      }
      kc.setCurrentContext(context);
    }
    return new KubeconfigKubeApi(kc);
  }

  /** The namespace the current context names, if any. */
  get namespace(): string | undefined {
    return this.kc.getContextObject(this.kc.getCurrentContext())?.namespace;
  }

  private async options(): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    return opts;
  }

  async request(
    path: string,
    init: { method?: string; body?: unknown; timeoutMs?: number } = {},
  ): Promise<KubeResponse> {
    const url = new URL(this.server + path);
    const opts = await this.options();
    const body =
      init.body === undefined ? undefined : JSON.stringify(init.body);
    const what = `${init.method ?? 'GET'} ${path} on cluster ${this.cluster}`;
    return new Promise((resolve, reject) => {
      const lib = url.protocol === 'http:' ? http : https;
      const req = lib.request(
        url,
        {
          ...opts,
          method: init.method ?? 'GET',
          headers: {
            ...(opts.headers as Record<string, string>),
            Accept: 'application/json',
            ...(body ? { 'Content-Type': 'application/json' } : {}),
          },
          timeout: init.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', c => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, text: async () => text });
          });
          res.on('error', e =>
            reject(new KubeApiError(0, `${what}: ${e.message}`)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', e =>
        reject(new KubeApiError(0, `${what}: no answer (${e.message})`)),
      );
      req.end(body);
    });
  }

  async webSocket(path: string, protocols: string[]) {
    const opts = await this.options();
    return openWebSocket(
      this.server.replace(/^http/, 'ws') + path,
      protocols,
      {
        headers: opts.headers as Record<string, string>,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        rejectUnauthorized: opts.rejectUnauthorized,
      },
      this.cluster,
      path,
    );
  }
}
