import type {
  BackstageCredentials,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import type { JsonObject } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { Knex } from 'knex';
import request from 'supertest';
import type { LocalTarget, TraceSettings } from '../config';
import { memleakPlugin } from '../plugin';

/** Components of the fake catalog; only their refs matter to the plugin. */
export function component(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default' },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  };
}

export const refOf = (name: string) => `component:default/${name}`;

export interface MemleakBackendOptions {
  entities: Entity[];
  localTargets?: LocalTarget[];
  trace?: Partial<TraceSettings>;
  /** The plugin's database; default: `backend.database` of `config`, else an in-memory SQLite. */
  knex?: Knex;
  /** More root config, e.g. `backend.database`. */
  config?: JsonObject;
  /** One answer to every permission request; default: the regular permissions service (allows all). */
  permissionResult?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
  /** Decides each permission by name instead. */
  decide?: (
    permissionName: string,
  ) => AuthorizeResult.ALLOW | AuthorizeResult.DENY;
  /** Requests without credentials count as these; default: a mock user. */
  defaultCredentials?: BackstageCredentials;
  /** `memleak.kubernetes` config. */
  kubernetes?: JsonObject;
  /** More plugins in the same backend, e.g. the real kubernetes backend plugin. */
  plugins?: Array<Promise<{ default: unknown }> | unknown>;
}

/** Config data without `undefined` values (the config reader rejects them). */
const plain = (value: object): JsonObject => JSON.parse(JSON.stringify(value));

/** The memleak plugin in a test backend, with a fake catalog and the given config. */
export async function startMemleakBackend(
  options: MemleakBackendOptions,
): Promise<{ backend: TestBackend; api: request.Agent }> {
  const features: Array<ServiceFactory | typeof memleakPlugin> = [
    memleakPlugin,
    catalogServiceMock.factory({ entities: options.entities }),
    mockServices.rootConfig.factory({
      data: plain({
        ...options.config,
        memleak: {
          trace: options.trace ?? {},
          localTargets: options.localTargets ?? [],
          kubernetes: options.kubernetes,
        },
      }),
    }),
  ];
  if (options.knex) {
    features.push(mockServices.database.factory({ knex: options.knex }));
  }
  if (options.permissionResult) {
    features.push(
      mockServices.permissions.factory({ result: options.permissionResult }),
    );
  }
  if (options.defaultCredentials) {
    features.push(
      mockServices.httpAuth.factory({
        defaultCredentials: options.defaultCredentials,
      }),
    );
  }
  if (options.decide) {
    const decide = options.decide;
    features.push(
      mockServices.permissions.mock({
        authorize: async requests =>
          requests.map(r => ({ result: decide(r.permission.name) })),
        authorizeConditional: async requests =>
          requests.map(r => ({ result: decide(r.permission.name) })) as any,
      }).factory,
    );
  }
  const backend = await startTestBackend({
    features: [...features, ...((options.plugins ?? []) as never[])],
  });
  return { backend, api: request(backend.server) };
}
